// capture.ended-mid-message: the capture stopped while a message was still being sent.

import { plural, uniqSorted } from './context.js';
import type { Rule } from './types.js';

export const captureEndedMidMessage: Rule = {
  id: 'capture.ended-mid-message',
  revision: 1,
  title: 'Capture ended while a message was being sent',
  defaultSeverity: 'info',
  description:
    'Some transactions were still open when the capture ended (outcome incomplete): how they ended, and whether FortiGate ' +
    'aborted them, is not in the capture.',
  evaluate(ctx) {
    const hits: Array<{ s: (typeof ctx.sessions)[number]; t: (typeof ctx.sessions)[number]['transactions'][number] }> = [];
    for (const s of ctx.sessions) {
      for (const t of s.transactions) {
        // A gap still open when the capture stopped also means the capture ended inside the message.
        const cutByEnd = t.outcome === 'aborted' && t.abort?.how === 'gap' && s.tcp.close === 'capture-end' && !t.body.endOfData;
        if (t.outcome === 'incomplete' || cutByEnd) hits.push({ s, t });
      }
    }
    if (hits.length === 0) return [];
    const decisive = ctx.topology.dialogues.some((d) => d.server?.transactions.some((t) => t.outcome !== 'incomplete' && t.body.wireBytes > 0));
    const weakens = !decisive && hits.some((h) => ctx.topology.legs.get(h.s.id)?.role === 'server');
    return [
      {
        severity: weakens ? 'warning' : 'info',
        confidence: 'high',
        message: `${plural(hits.length, 'transaction')} had not finished when the capture ended.`,
        evidence: hits.slice(0, 3).map((h) => ctx.ev(h.s, h.t.body.last ?? h.t.start, `transaction ${h.t.index + 1} incomplete after ${h.t.body.wireBytes} body bytes`)),
        remediation: 'Keep the capture running until the test mail has been delivered or refused (a few seconds after the last reply).',
        sessions: uniqSorted(hits.map((h) => h.s.id)),
        facts: { weakens },
      },
    ];
  },
};
