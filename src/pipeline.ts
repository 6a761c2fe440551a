// Runs the stages in order over one capture: read -> decode -> reassemble -> SMTP sessions. One pass, front to back.

import { readCapture, readCaptureStream, type ReadOptions } from './capture/read.js';
import type { CaptureSummary, RawFrame } from './capture/types.js';
import { decodeFrame, scratchPacket } from './decode/index.js';
import type { DecodeStats } from './decode/types.js';
import { Reassembler } from './reassembly/reassembler.js';
import type { ConnectionClose, ConnectionInfo, HandlerFactory, ReassemblyLimits } from './reassembly/types.js';
import { createSmtpFactory, type SmtpOptions } from './smtp/index.js';
import type { SmtpLimits, SmtpSession } from './smtp/types.js';
import { Fifo } from './util/fifo.js';

export interface PipelineOptions {
  read?: ReadOptions;
  reassembly?: Partial<ReassemblyLimits>;
  smtp?: Partial<SmtpLimits>;
  /** Stop after decoding (no reassembly, no SMTP): for `info` and benchmarks. */
  decodeOnly?: boolean;
  /** Optional SMTP hooks passed through to the SMTP stage (e.g. the message tee used by `sessions --export`). */
  smtpHooks?: Pick<SmtpOptions, 'onMessageData'>;
  /**
   * Streams the sessions instead of keeping them: each is handed over, numbered, in id order (its connection's
   * first packet) as soon as every earlier connection is known to be finished or not SMTP, and the result's
   * `sessions` stays empty, and so does `tcp.connections` (unless `reassembly.keepConnectionRecords` is set; totals
   * stay exact). Memory then no longer grows with the number of sessions or connections in the capture.
   */
  onSession?: (s: SmtpSession) => void;
}

export interface PipelineResult {
  capture: CaptureSummary;
  decode: DecodeStats;
  tcp: {
    totals: Record<string, number>;
    connections: ReadonlyArray<ConnectionInfo & { close?: ConnectionClose }>;
  };
  /** SMTP sessions in order of their connection's first packet, numbered 1..n. */
  sessions: SmtpSession[];
}

/** A capture file, or a byte stream with the name to use in messages (zip members in triage). */
export type CaptureSource = string | { stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>; name: string };

export async function runPipeline(source: CaptureSource, opts: PipelineOptions = {}): Promise<PipelineResult> {
  const decode: DecodeStats = {};
  const sessions: SmtpSession[] = [];
  const order = opts.onSession ? new SessionOrder(opts.onSession) : null;
  const smtp = opts.decodeOnly
    ? null
    : createSmtpFactory({
        ...opts.smtpHooks,
        limits: opts.smtp,
        onSession: order ? (s) => order.resolve(s.connectionId, s) : (s) => sessions.push(s),
        onIgnored: order ? (id) => order.resolve(id, null) : undefined,
      });
  const factory: HandlerFactory | null = smtp && order ? (info) => (order.open(info.id), smtp(info)) : smtp;
  const reassembly = order ? { keepConnectionRecords: false, ...opts.reassembly } : opts.reassembly;
  const reassembler = factory ? new Reassembler(factory, reassembly) : null;
  let tcpPackets = 0;
  // The reassembler keeps nothing of a packet object past push() (payload bytes it buffers are copied): one object
  // is filled for every frame.
  const scratch = scratchPacket();
  const onFrame = (f: RawFrame): void => {
    const p = decodeFrame(f, decode, scratch);
    if (p === null) return;
    tcpPackets++;
    reassembler?.push(p);
  };
  // Nothing here keeps a frame object past onFrame (the packet copies what it needs): one object for all frames.
  // Reading waits while too many finished messages wait for the MIME worker.
  const read: ReadOptions = { ...opts.read, reuseFrame: true, pace: smtp ? () => smtp.backlog() ?? opts.read?.pace?.() : opts.read?.pace };
  const capture =
    typeof source === 'string'
      ? await readCapture(source, onFrame, read)
      : await readCaptureStream(source.stream, source.name, onFrame, read);
  reassembler?.finish();
  if (smtp) await smtp.drain();
  order?.flush();
  sessions.sort((a, b) => a.connectionId - b.connectionId);
  sessions.forEach((s, i) => (s.id = i + 1));
  decode['tcp-packets'] = tcpPackets;
  return {
    capture,
    decode,
    tcp: {
      totals: reassembler ? reassembler.totals : {},
      connections: reassembler && reassembly?.keepConnectionRecords !== false ? reassembler.connections() : [],
    },
    sessions,
  };
}

/**
 * Releases streamed sessions in connection order: connections are registered as the reassembler creates them (in
 * first-packet order), each is resolved once (its session, or null when it is not SMTP), and the resolved prefix is
 * handed over with ids 1, 2, ... Only sessions waiting behind an unresolved earlier connection are held.
 */
class SessionOrder {
  private readonly ids = new Fifo<number>();
  private readonly done = new Map<number, SmtpSession | null>();
  private next = 1;

  constructor(private readonly out: (s: SmtpSession) => void) {}

  open(connectionId: number): void {
    this.ids.push(connectionId);
  }

  resolve(connectionId: number, s: SmtpSession | null): void {
    this.done.set(connectionId, s);
    this.release();
  }

  /** End of the capture: everything left goes out in order (every connection is resolved by now). */
  flush(): void {
    for (const id of this.ids.toArray()) if (!this.done.has(id)) this.done.set(id, null);
    this.release();
  }

  private release(): void {
    for (let id = this.ids.peek(); id !== undefined; id = this.ids.peek()) {
      const s = this.done.get(id);
      if (s === undefined) break;
      this.done.delete(id);
      this.ids.shift();
      if (s !== null) {
        s.id = this.next++;
        this.out(s);
      }
    }
  }
}
