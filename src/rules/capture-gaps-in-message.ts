// capture.gaps-in-message: bytes missing from the capture inside a message body or around an abort.

import { plural, uniqSorted } from './context.js';
import type { Evidence } from '../analysis/types.js';
import type { Rule } from './types.js';

export const captureGapsInMessage: Rule = {
  id: 'capture.gaps-in-message',
  revision: 1,
  title: 'Capture lost packets inside a message',
  defaultSeverity: 'warning',
  description:
    'TCP bytes inside a message body were never captured (capture drops, a snap length, asymmetric routing): a gap can hide ' +
    'an end-of-data or look like an abort, so body timing is less certain.',
  evaluate(ctx) {
    const evidence: Evidence[] = [];
    const sessions: number[] = [];
    let bytes = 0;
    let onDecisive = false;
    for (const s of ctx.sessions) {
      const role = ctx.topology.legs.get(s.id)?.role;
      if (role === 'notification') continue;
      for (const t of s.transactions) {
        const gap = t.body.gapBytes + (t.abort?.how === 'gap' && t.body.gapBytes === 0 ? 1 : 0);
        if (gap <= 0) continue;
        bytes += t.body.gapBytes;
        sessions.push(s.id);
        if (role === 'server' || role === 'client') onDecisive = true;
        const ge = s.events.find((e) => (e.name === 'gap-in-data' || e.name === 'tcp-gap') && e.frame >= t.start.frame);
        if (evidence.length < 4) {
          evidence.push(ctx.ev(s, ge ?? t.abort?.ref ?? t.body.last ?? t.start, `${t.body.gapBytes || 'some'} bytes missing inside the body of transaction ${t.index + 1}${ge?.detail ? ` (${ge.detail})` : ''}`));
        }
      }
    }
    if (sessions.length === 0) return [];
    const n = uniqSorted(sessions).length;
    return [
      {
        severity: onDecisive ? 'warning' : 'info',
        confidence: 'high',
        message: `The capture lost ${bytes ? `${bytes} bytes` : 'data'} inside message bodies on ${plural(n, 'session')}: body timing and aborts there are less certain.`,
        evidence,
        remediation:
          'Capture again with a full snap length and without drops: on the FortiGate use verbose 6 and a narrow filter; with tcpdump use `-s 0` and write to a file (`-w`), not to the terminal.',
        sessions: uniqSorted(sessions),
        facts: { weakens: onDecisive },
      },
    ];
  },
};
