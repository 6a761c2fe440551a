// splice.abort: a transaction toward the mail side was cut off mid-body, without end-of-data, after body bytes were sent.

import { replyLine } from '../topology/hostav.js';
import type { Dialogue, TxRef } from '../topology/types.js';
import type { TransactionAbort } from '../smtp/types.js';
import { findingsByHostAvStrength, plural, spliceAbortOf, uniqSorted } from './context.js';
import type { Rule, RuleContext, RuleFinding } from './types.js';

export interface AbortObservation {
  dialogue: Dialogue;
  /** The aborted transaction on the mail-side leg. */
  ref: TxRef;
  /** The same transaction on the client leg, when that leg is in the capture. */
  client: TxRef | null;
  abort: TransactionAbort;
}

export function abortObservations(dialogues: readonly Dialogue[]): AbortObservation[] {
  const out: AbortObservation[] = [];
  for (const d of dialogues) {
    const s = d.server;
    if (!s) continue;
    for (const t of s.transactions) {
      const abort = spliceAbortOf(s, t);
      if (!abort) continue;
      const p = d.pairs.find((x) => x.down.tx === t);
      out.push({ dialogue: d, ref: { session: s, tx: t }, client: p ? p.up : null, abort });
    }
  }
  return out;
}

function how(t: TxRef['tx'], a: TransactionAbort): string {
  if (a.how === 'reply' && a.by === 'server') {
    return `${a.reply?.code ?? ''} ${a.reply?.text ?? ''}: the mail side gave up after FortiGate stopped forwarding mid-body (${a.bodyBytesSent || t.body.wireBytes} body bytes), no <CRLF>.<CRLF>`.trim();
  }
  const by = a.by === 'client' ? (a.how === 'rst' ? 'reset by FortiGate' : 'closed by FortiGate') : `ended (${a.by})`;
  const what = a.how === 'rst' ? 'TCP RST' : a.how === 'fin' ? 'TCP FIN' : a.how === 'reply' ? `reply ${a.reply?.code ?? ''}` : a.how.toUpperCase();
  return `${what}: ${by} after ${a.bodyBytesSent || t.body.wireBytes} body bytes, no <CRLF>.<CRLF>`;
}

function finding(ctx: RuleContext, obs: AbortObservation[], strength: 'strong' | 'hint' | 'none'): RuleFinding {
  const evidence = [];
  for (const o of obs.slice(0, 2)) {
    const t = o.ref.tx;
    const s = o.ref.session;
    const bodyFrames = [t.body.first?.frame, t.body.last?.frame].filter((f): f is number => f !== undefined);
    evidence.push(ctx.ev(s, t.body.first ?? t.start, `${t.method ?? 'DATA'}: ${t.body.wireBytes} message bytes sent to ${s.server.ip}:${s.server.port}`, bodyFrames));
    evidence.push(ctx.ev(s, o.abort.ref, how(t, o.abort)));
    const r = o.client?.tx.finalReply;
    if (o.client && r) evidence.push(ctx.ev(o.client.session, r, replyLine(r)));
  }
  const first = obs[0];
  const relayHonoured = obs.some((o) =>
    o.dialogue.relays.some((r) => r.pairs.some((p) => p.up.tx === o.ref.tx && p.down.tx.outcome === 'aborted')),
  );
  const av =
    strength === 'strong'
      ? ' The mail side is a host-based AV proxy, which received the partial message.'
      : strength === 'hint'
        ? ' The mail side may be a host-based AV (vendor name only).'
        : ' The mail side shows no host AV; an MTA cancels such a transaction (RFC 5321 4.1.1.10), so this is harmless by itself.';
  const t0 = first.ref.tx;
  return {
    severity: strength === 'strong' ? 'critical' : strength === 'hint' ? 'warning' : 'info',
    confidence: t0.body.gapBytes > 0 ? 'low' : first.client || first.dialogue.lone === 'mail' ? 'high' : 'medium',
    message:
      `FortiGate cut off ${plural(obs.length, 'message')} in the middle of the body on the way to the mail server (splice abort): ` +
      `session ${first.ref.session.id} transaction ${t0.index + 1}${t0.message?.messageId ? ` (${t0.message.messageId})` : ''} ` +
      `ended by ${first.abort.how === 'reply' ? `a ${first.abort.reply?.code ?? ''} timeout` : first.abort.how.toUpperCase()} after ${first.abort.bodyBytesSent || t0.body.wireBytes} body bytes.` +
      av +
      (relayHonoured ? ' Its relay leg was cut off as well (the host AV passed the abort on).' : ''),
    evidence,
    remediation:
      strength === 'none'
        ? null
        : 'Disable SMTP splice on the FortiGate so that infected messages are refused before any byte reaches the host AV (see the fix).',
    sessions: uniqSorted(obs.flatMap((o) => [o.ref.session.id, ...(o.client ? [o.client.session.id] : [])])),
    facts: { hostAv: strength, dialogues: uniqSorted(obs.map((o) => o.dialogue.id)) },
  };
}

export const spliceAbort: Rule = {
  id: 'splice.abort',
  revision: 1,
  title: 'SMTP splice abort: message cut off mid-body toward the mail side',
  defaultSeverity: 'critical',
  description:
    'A transaction toward the mail side ended by a TCP RST or FIN (or a giving-up reply) after body bytes had been sent and ' +
    'before end-of-data: FortiGate found a virus while streaming and told the mail side not to deliver. Critical when a host ' +
    'AV proxy receives it; informational with a plain MTA.',
  evaluate(ctx) {
    const obs = abortObservations(ctx.topology.dialogues);
    return findingsByHostAvStrength(obs, (g, k) => finding(ctx, g, k));
  },
};
