// SMTP stage entry: a HandlerFactory for the Reassembler that emits one SmtpSession per SMTP connection.

import type { HandlerFactory } from '../reassembly/types.js';
import { mimeBacklog } from './mime-pool.js';
import { SmtpConnection, type MessageDataHook, type SessionSink } from './session.js';
import { DEFAULT_SMTP_LIMITS, type SmtpLimits, type SmtpSession } from './types.js';

export type { SmtpSession, SmtpLimits } from './types.js';
export type { MessageDataHook, MessageKey } from './session.js';
export { SMTP_EVENTS, SMTP_EVENT_BY_NAME, type SmtpEventSpec } from './events.js';
export { EICAR } from './mime.js';

export interface SmtpOptions {
  limits?: Partial<SmtpLimits>;
  onSession: (s: SmtpSession) => void;
  /** Called once for each connection found not to be SMTP (it will never reach onSession). */
  onIgnored?: (connectionId: number) => void;
  /**
   * Optional tee of each message's unstuffed bytes (exactly the bytes `bodySha256` covers: up to the first gap),
   * called as they are parsed; `end` is true once (with an empty view) when the message can no longer grow.
   * The view is only valid during the call. Never called for AUTH or command bytes.
   */
  onMessageData?: MessageDataHook;
}

/**
 * Returns a HandlerFactory for the Reassembler. Each connection gets a handler that detects SMTP by content (not
 * port); a connection that is not SMTP is dropped after at most 4 KiB per direction. onSession is called once per
 * SMTP connection, from onClose or, when MIME parses are pending, after they finish — always in onClose order.
 * drain() resolves when every pending parse has finished and its session was emitted (it rejects with the first
 * error thrown by onSession).
 */
export function createSmtpFactory(opts: SmtpOptions): HandlerFactory & { drain(): Promise<void>; backlog(): Promise<void> | undefined } {
  const limits: SmtpLimits = { ...DEFAULT_SMTP_LIMITS, ...opts.limits };
  // NaN or a negative limit (a bad flag) would disable the limit or break the buffers: use the default.
  for (const k of ['maxMessageBytes', 'maxLineBytes'] as const) {
    const v = limits[k];
    limits[k] = Number.isFinite(v) && v >= 0 ? Math.floor(v) : DEFAULT_SMTP_LIMITS[k];
  }
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  let failure: { error: unknown } | undefined;
  const sink: SessionSink = {
    emit(session, parses) {
      if (parses.length === 0 && queued === 0) {
        opts.onSession(session);
        return;
      }
      queued++;
      chain = chain
        .then(() => Promise.all(parses))
        .then(() => opts.onSession(session))
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          queued--;
        });
    },
    ignored: opts.onIgnored,
  };
  const factory: HandlerFactory = (info) => new SmtpConnection(info, limits, sink, opts.onMessageData);
  const drain = async (): Promise<void> => {
    while (queued > 0) await chain;
    if (failure) {
      const f = failure;
      failure = undefined;
      throw f.error;
    }
  };
  // Backpressure for the reader: a promise while too many finished messages wait for the MIME worker.
  return Object.assign(factory, { drain, backlog: mimeBacklog });
}
