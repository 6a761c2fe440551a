// capture.no-server-replies: one direction of an SMTP connection is missing (asymmetric routing or a one-way filter).

import { plural, uniqSorted } from './context.js';
import type { Rule } from './types.js';

export const captureNoServerReplies: Rule = {
  id: 'capture.no-server-replies',
  revision: 1,
  title: 'One direction of the SMTP traffic is missing',
  defaultSeverity: 'warning',
  description:
    'Commands were captured without any server reply (or replies without commands): the capture sees only one direction, so ' +
    'outcomes, refusals and virus replies cannot be seen.',
  evaluate(ctx) {
    const noReplies = ctx.sessions.filter((s) => s.commands.length > 0 && s.replies.length === 0);
    const noCommands = ctx.sessions.filter((s) => s.replies.length > 1 && s.commands.length === 0);
    const all = [...noReplies, ...noCommands].sort((a, b) => a.id - b.id);
    if (all.length === 0) return [];
    const evidence = all.slice(0, 3).map((s) =>
      ctx.ev(s, s.start, noReplies.includes(s) ? `${s.commands.length} commands from ${s.client.ip}, no reply from ${s.server.ip}` : `${s.replies.length} replies from ${s.server.ip}, no command from ${s.client.ip}`),
    );
    const weakens = all.length * 2 >= ctx.sessions.length;
    return [
      {
        severity: weakens ? 'warning' : 'info',
        confidence: 'high',
        message:
          `${plural(all.length, 'SMTP session')} ${all.length === 1 ? 'is' : 'are'} seen in one direction only` +
          (noReplies.length ? ` (${noReplies.length} without server replies)` : '') +
          '.',
        evidence,
        remediation: 'Capture both directions: use a filter on the host and port (not on src or dst), on an interface that sees both ways.',
        sessions: uniqSorted(all.map((s) => s.id)),
        facts: { weakens },
      },
    ];
  },
};
