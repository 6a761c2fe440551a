// splice.streaming: FortiGate forwarded body bytes to the mail side before the sender had finished (splice on).

import { seconds } from '../topology/match.js';
import type { SmtpSession } from '../smtp/types.js';
import type { Dialogue, TxPair } from '../topology/types.js';
import { findingsByHostAvStrength, plural, spliceAbortOf, uniqSorted } from './context.js';
import type { Rule, RuleContext, RuleFinding } from './types.js';

export interface StreamingObservation {
  dialogue: Dialogue;
  pair: TxPair;
  /** Body bytes the server leg carried before the client leg's end-of-data (at least; points are thinned). */
  bytesBefore: number;
  /** Seconds from the server leg's first body byte to the client leg's end-of-data (null when the sender never finished). */
  leadSeconds: number | null;
  /**
   * 'before-end': body bytes reached the mail side before the sender's end-of-data (the definition);
   * 'cut': part of the body was forwarded and then cut off (only a streaming proxy forwards part of a message);
   * 'lagging': the envelope was relayed while the sender was still sending and the body followed its end within
   * LAG_S, too soon for a store-and-forward scan.
   */
  kind: 'before-end' | 'cut' | 'lagging';
}

/** Longest delay between the sender's end-of-data and the forwarded body still read as streaming (no scan pause). */
export const LAG_S = 0.02;
/** When the client leg lost segments after the capture point, FortiGate waited for the retransmission (an RTO). */
export const LAG_RETRANSMIT_S = 0.25;

/** How late the forwarded body may follow the sender's end and still be streaming, for this client leg. */
export function lagAllowance(client: SmtpSession): number {
  return client.tcp.stats.retransmissions > 0 || client.tcp.stats.outOfOrder > 0 ? LAG_RETRANSMIT_S : LAG_S;
}

/** Paired transactions where the server leg's body started before the client leg's end-of-data. */
export function streamingObservations(dialogues: readonly Dialogue[]): StreamingObservation[] {
  const out: StreamingObservation[] = [];
  for (const d of dialogues) {
    for (const p of d.pairs) {
      const sFirst = p.down.tx.body.first;
      if (!sFirst || !p.up.tx.body.first) continue;
      const cEnd = p.up.tx.body.endOfData;
      let kind: StreamingObservation['kind'];
      // One capture point: frame order is the order things happened, even when the clock ticks coarsely.
      if (!cEnd || sFirst.frame < cEnd.frame) kind = 'before-end';
      else if (spliceAbortOf(p.down.session, p.down.tx)) kind = 'cut';
      else if (p.down.tx.start.frame < cEnd.frame && seconds(cEnd, sFirst) < lagAllowance(p.up.session)) kind = 'lagging';
      else continue;
      let bytes = 0;
      for (const pt of p.down.tx.body.points) if (!cEnd || pt.frame < cEnd.frame) bytes = Math.max(bytes, pt.bytes);
      out.push({ dialogue: d, pair: p, bytesBefore: bytes, leadSeconds: cEnd ? seconds(sFirst, cEnd) : null, kind });
    }
  }
  return out;
}

function finding(ctx: RuleContext, obs: StreamingObservation[], strength: 'strong' | 'hint' | 'none'): RuleFinding {
  const first = obs[0];
  const ds = [...new Set(obs.map((o) => o.dialogue))];
  const evidence = [];
  for (const o of obs.slice(0, 2)) {
    const c = o.pair.up;
    const s = o.pair.down;
    const sFirst = s.tx.body.first!;
    evidence.push(ctx.ev(s.session, sFirst, `first message bytes forwarded to ${s.session.server.ip}:${s.session.server.port} while the sender was still sending`));
    const cEnd = c.tx.body.endOfData;
    if (!cEnd) evidence.push(ctx.ev(c.session, c.tx.body.last ?? c.tx.start, 'the sender never finished the message, yet bytes were forwarded'));
    else if (o.kind === 'before-end') evidence.push(ctx.ev(c.session, cEnd, `the sender's end-of-data ("." or BDAT LAST), after ${o.bytesBefore} bytes had already been forwarded`));
    else if (o.kind === 'cut') evidence.push(ctx.ev(s.session, s.tx.body.last ?? sFirst, `only ${s.tx.body.wireBytes} bytes of the message were forwarded before the server leg was cut: a store-and-forward proxy never sends part of a message`));
    else evidence.push(ctx.ev(c.session, cEnd, `the sender's end-of-data, ${(o.leadSeconds ?? 0).toFixed(3)} s before the forwarded body began: no scan pause, the envelope had already been relayed`));
  }
  const lead = first.leadSeconds !== null && first.leadSeconds > 0 ? ` ${first.leadSeconds.toFixed(3)} s` : '';
  const ex =
    first.kind === 'before-end'
      ? `e.g. session ${first.pair.down.session.id} received at least ${Math.max(1, first.bytesBefore)} body bytes${lead} before the sender on session ${first.pair.up.session.id} finished`
      : first.kind === 'cut'
        ? `e.g. session ${first.pair.down.session.id} received part of the message and was then cut off`
        : `e.g. session ${first.pair.down.session.id} received the body right after the sender finished, without a scan pause`;
  const av = strength === 'strong' ? ' into a host-based AV proxy' : strength === 'hint' ? ' into what may be a host-based AV' : '';
  return {
    severity: strength === 'none' ? 'info' : 'warning',
    confidence: obs.some((o) => o.kind !== 'lagging') && obs.every((o) => o.pair.up.session.tcp.startSeen && o.pair.down.session.tcp.startSeen) ? 'high' : 'medium',
    message: `FortiGate streams SMTP message bodies (splice on)${av}: ${plural(obs.length, 'transaction')} in ${plural(ds.length, 'dialogue')} reached the mail side while the sender was still sending or being scanned (${ex}).`,
    evidence,
    remediation:
      strength === 'none'
        ? 'Harmless while the mail server honours aborted transactions (RFC 5321 4.1.1.10). If a host AV or a filter that acts on partial messages is added later, disable SMTP splice.'
        : 'Disable SMTP splice so that FortiGate scans each message completely before forwarding it (see the fix).',
    sessions: uniqSorted(obs.flatMap((o) => [o.pair.up.session.id, o.pair.down.session.id])),
    facts: { hostAv: strength, dialogues: ds.map((d) => d.id) },
  };
}

export const spliceStreaming: Rule = {
  id: 'splice.streaming',
  revision: 1,
  title: 'SMTP splice: body streamed before the sender finished',
  defaultSeverity: 'warning',
  description:
    'With both legs of a FortiGate proxy in the capture, message body bytes appear on the server leg before the client leg\'s ' +
    'end-of-data: FortiGate forwards while it scans (splice on). Frame order decides when the clock ticks coarsely.',
  evaluate(ctx) {
    const obs = streamingObservations(ctx.topology.dialogues);
    if (obs.length === 0) return [];
    // Strongest kind first so that the example and the evidence show the clearest case.
    const rank = { 'before-end': 0, cut: 1, lagging: 2 } as const;
    obs.sort((a, b) => rank[a.kind] - rank[b.kind]);
    return findingsByHostAvStrength(obs, (g, k) => finding(ctx, g, k));
  },
};
