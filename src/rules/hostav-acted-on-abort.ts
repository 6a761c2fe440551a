// hostav.acted-on-abort: the host AV acted on a message whose delivery FortiGate had aborted.

import { isVirusReply, replyLine } from '../topology/hostav.js';
import { endpointText } from '../topology/match.js';
import { uniqSorted } from './context.js';
import type { Evidence } from '../analysis/types.js';
import { abortObservations } from './splice-abort.js';
import type { Rule } from './types.js';

export const hostavActedOnAbort: Rule = {
  id: 'hostav.acted-on-abort',
  revision: 1,
  title: 'Host AV acted on an aborted message',
  defaultSeverity: 'critical',
  description:
    'After FortiGate aborted a transaction, the mail side acted on the partial message anyway: a relay leg delivered a copy ' +
    'onward with end-of-data and a 2xx, a virus notification naming the original message was sent, or the host AV sent its ' +
    'own virus reply on the half-closed server leg.',
  evaluate(ctx) {
    const evidence: Evidence[] = [];
    const sessions: number[] = [];
    const ways = new Set<string>();
    const dialogues = new Set<number>();
    for (const o of abortObservations(ctx.topology.dialogues)) {
      const d = o.dialogue;
      const t = o.ref.tx;
      // (1) The same message delivered onward on a relay leg, completed.
      for (const r of d.relays) {
        for (const p of r.pairs) {
          if (p.up.tx !== t || p.down.tx.outcome !== 'accepted') continue;
          ways.add('delivered a copy onward');
          dialogues.add(d.id);
          sessions.push(o.ref.session.id, r.session.id);
          const end = p.down.tx.body.endOfData ?? p.down.tx.start;
          const same = p.down.tx.prefixSha256 && p.down.tx.prefixSha256 === t.prefixSha256 ? 'the same message' : 'a copy (possibly cleaned)';
          evidence.push(ctx.ev(r.session, end, `relay leg ${endpointText(r.session.client)} -> ${endpointText(r.session.server)} completed ${same} with end-of-data`));
          if (p.down.tx.finalReply) evidence.push(ctx.ev(r.session, p.down.tx.finalReply, replyLine(p.down.tx.finalReply)));
        }
      }
      // (2) A notification about it (or about the client leg's refused copy).
      for (const n of d.notifications) {
        if (n.about.tx !== t && n.about.tx !== o.client?.tx) continue;
        ways.add('sent a virus notification');
        dialogues.add(d.id);
        sessions.push(o.ref.session.id, n.ref.session.id);
        const subj = n.ref.tx.message?.subject;
        evidence.push(
          ctx.ev(
            n.ref.session,
            n.ref.tx.start,
            `notification from ${endpointText(n.ref.session.client)} to ${n.ref.tx.rcptTo.join(', ') || '?'}${subj ? `, Subject: ${subj}` : ''} (names ${n.matchedOn.join(', ')}; words: ${n.words.join(', ')})`,
          ),
        );
      }
      // (3) A virus reply from the mail side after the abort (FIN half-close).
      const abortFrame = o.abort.ref.frame;
      for (const r of o.ref.session.replies) {
        if (r.frame <= abortFrame && r !== t.finalReply) continue;
        if (!isVirusReply(r)) continue;
        ways.add('answered the cut-off message with its own virus reply');
        dialogues.add(d.id);
        sessions.push(o.ref.session.id);
        evidence.push(ctx.ev(o.ref.session, r, replyLine(r)));
        break;
      }
    }
    if (ways.size === 0) return [];
    return [
      {
        confidence: 'high',
        message: `The host AV acted on a message that FortiGate had aborted: it ${[...ways].join(', and ')}.`,
        evidence: evidence.slice(0, 6),
        remediation:
          'Disable SMTP splice on the FortiGate (see the fix). Until then, expect quarantine entries, virus alarms and notifications ' +
          'for messages that FortiGate already refused to the sender.',
        sessions: uniqSorted(sessions),
        facts: { acted: true, hostAv: 'strong', dialogues: [...dialogues].sort((a, b) => a - b) },
      },
    ];
  },
};
