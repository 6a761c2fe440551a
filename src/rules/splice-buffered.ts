// splice.buffered: FortiGate held the whole message before forwarding it (store and forward, splice off).

import { seconds } from '../topology/match.js';
import type { Dialogue, TxPair } from '../topology/types.js';
import { plural, spliceAbortOf, uniqSorted } from './context.js';
import { lagAllowance } from './splice-streaming.js';
import type { Rule } from './types.js';

export interface BufferedObservation {
  dialogue: Dialogue;
  pair: TxPair;
  /** 'forwarded-after-end': the server leg's body began after the client's end-of-data; 'withheld': never sent. */
  kind: 'forwarded-after-end' | 'withheld';
  delaySeconds: number | null;
}

export function bufferedObservations(dialogues: readonly Dialogue[]): BufferedObservation[] {
  const out: BufferedObservation[] = [];
  for (const d of dialogues) {
    for (const p of d.pairs) {
      const c = p.up.tx.body;
      const cEnd = c.endOfData;
      if (!cEnd || !c.first) continue;
      // A body that arrived in one segment together with its end could not have been streamed: no evidence either way.
      if (c.first.frame === cEnd.frame) continue;
      const sFirst = p.down.tx.body.first;
      if (sFirst) {
        // A body forwarded in part and then cut is streaming (splice.streaming 'cut'), not buffering.
        if (cEnd.frame > sFirst.frame || spliceAbortOf(p.down.session, p.down.tx)) continue;
        const delay = seconds(cEnd, sFirst);
        // The envelope itself held back, or a scan pause between the sender's end and the forwarded body.
        const held = cEnd.frame < p.down.tx.start.frame;
        if (held || delay >= lagAllowance(p.up.session)) out.push({ dialogue: d, pair: p, kind: 'forwarded-after-end', delaySeconds: Math.max(0, delay) });
      } else if (p.down.tx.outcome !== 'incomplete' && p.down.tx.body.wireBytes === 0 && p.up.tx.outcome === 'rejected') {
        out.push({ dialogue: d, pair: p, kind: 'withheld', delaySeconds: null });
      }
    }
  }
  return out;
}

export const spliceBuffered: Rule = {
  id: 'splice.buffered',
  revision: 1,
  title: 'SMTP store and forward: body forwarded only after the sender finished',
  defaultSeverity: 'info',
  description:
    'With both legs in the capture, the server leg\'s message body starts only after the client leg\'s end-of-data (plus ' +
    'scan time), or a refused message never reaches the server leg: FortiGate buffers (splice off).',
  evaluate(ctx) {
    const obs = bufferedObservations(ctx.topology.dialogues);
    if (obs.length === 0) return [];
    const evidence = [];
    for (const o of obs.slice(0, 2)) {
      const c = o.pair.up;
      const s = o.pair.down;
      evidence.push(ctx.ev(c.session, c.tx.body.endOfData, "the sender's end-of-data"));
      if (o.kind === 'forwarded-after-end') {
        evidence.push(ctx.ev(s.session, s.tx.body.first, `first body bytes forwarded ${o.delaySeconds!.toFixed(3)} s later, after the scan`));
      } else {
        evidence.push(ctx.ev(s.session, s.tx.abort?.ref ?? s.session.end, `no body bytes reached the mail side (outcome ${s.tx.outcome})`));
      }
    }
    const withheld = obs.filter((o) => o.kind === 'withheld').length;
    const ds = new Set(obs.map((o) => o.dialogue.id));
    return [
      {
        confidence: obs.length >= 2 || withheld ? 'high' : 'medium',
        message:
          `FortiGate buffers SMTP messages (splice off): in ${plural(obs.length, 'transaction')} the mail side received the body only after the sender had finished` +
          (withheld ? `, and ${plural(withheld, 'refused message')} never reached it` : '') +
          '.',
        evidence,
        remediation: null,
        sessions: uniqSorted(obs.flatMap((o) => [o.pair.up.session.id, o.pair.down.session.id])),
        facts: { dialogues: [...ds].sort((a, b) => a - b) },
      },
    ];
  },
};
