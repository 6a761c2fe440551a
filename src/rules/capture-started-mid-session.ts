// capture.started-mid-session: connections whose start (SYN) was not captured.

import { plural, uniqSorted } from './context.js';
import type { Rule } from './types.js';

export const captureStartedMidSession: Rule = {
  id: 'capture.started-mid-session',
  revision: 1,
  title: 'Capture started in the middle of a session',
  defaultSeverity: 'info',
  description:
    'The TCP handshake of some SMTP connections is not in the capture: their greeting, fingerprints (TTL, MSS, ISN) and early ' +
    'commands may be missing, so legs and roles are matched on less evidence.',
  evaluate(ctx) {
    const mid = ctx.sessions.filter((s) => !s.tcp.startSeen);
    if (mid.length === 0) return [];
    // It matters when a leg that carries a finding lost the start of its transaction.
    const weakens = mid.some((s) => s.transactions.length === 0 || s.transactions[0].mailFrom === undefined) && mid.length === ctx.sessions.length;
    return [
      {
        severity: weakens ? 'warning' : 'info',
        confidence: 'high',
        message: `${plural(mid.length, 'SMTP session')} of ${ctx.sessions.length} started before the capture did (no SYN seen).`,
        evidence: mid.slice(0, 3).map((s) => ctx.ev(s, s.start, `first packet seen mid-connection: ${s.client.ip}:${s.client.port} -> ${s.server.ip}:${s.server.port}`)),
        remediation: 'Start the capture first, then send the test mail, so that every connection is captured from its SYN.',
        sessions: uniqSorted(mid.map((s) => s.id)),
        facts: { weakens },
      },
    ];
  },
};
