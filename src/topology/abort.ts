// Recognises a transaction toward the mail side that was cut off mid-body (the shape of a splice abort).

import type { SmtpSession, SmtpTransaction, TransactionAbort } from '../smtp/types.js';

/**
 * How a transaction toward the mail side was cut off mid-body (no end-of-data after body bytes were sent), or null.
 * Besides an 'aborted' outcome this covers the half-close case: the client side sent FIN mid-body and the host AV
 * answered the cut message (e.g. a BDAT chunk shorter than announced), which the SMTP stage records as 'rejected'.
 */
export function spliceAbortOf(s: SmtpSession, t: SmtpTransaction): TransactionAbort | null {
  if (t.body.endOfData) return null;
  const sent = t.abort?.bodyBytesSent || t.body.wireBytes;
  if (sent <= 0) return null;
  if (t.outcome === 'aborted' && t.abort) {
    if (t.abort.how === 'gap') {
      // Bytes were lost in the capture, but the connection still ended mid-body by the client's RST or FIN.
      const close = s.tcp.closeRef;
      if (close && s.tcp.closedBy === 'client' && (s.tcp.close === 'rst' || s.tcp.close === 'fin') && close.frame >= t.abort.ref.frame) {
        return { by: 'client', how: s.tcp.close, ref: close, bodyBytesSent: t.body.wireBytes + t.body.gapBytes };
      }
      return null;
    }
    // The mail side gave up waiting (e.g. 421 timeout): FortiGate stopped forwarding mid-body (a stalled abort).
    if (t.abort.by === 'server') return t.abort.how === 'reply' && (t.abort.reply?.code ?? 0) >= 400 && (t.abort.reply?.code ?? 0) < 500 ? t.abort : null;
    return t.abort;
  }
  if (t.outcome === 'rejected' && s.tcp.closedBy === 'client' && s.tcp.closeRef && (s.tcp.close === 'fin' || s.tcp.close === 'rst')) {
    const close = s.tcp.closeRef;
    // The client closed before the refusal arrived and sent nothing after the body: FortiGate gave up on it.
    const refusedAfterClose = !t.finalReply || t.finalReply.frame >= close.frame;
    const lastBody = t.body.last?.frame ?? t.start.frame;
    const laterCommands = s.commands.some((c) => c.frame > lastBody && c.verb !== 'BDAT');
    if (refusedAfterClose && !laterCommands) return { by: 'client', how: s.tcp.close, ref: close, bodyBytesSent: sent };
  }
  return null;
}
