// capture.encrypted: STARTTLS hides the messages on the legs that matter.

import { plural, uniqSorted } from './context.js';
import type { Rule } from './types.js';

export const captureEncrypted: Rule = {
  id: 'capture.encrypted',
  revision: 1,
  title: 'STARTTLS hides the messages',
  defaultSeverity: 'warning',
  description:
    'SMTP sessions switch to TLS with STARTTLS, so their envelopes, bodies and the timing of the body cannot be read. When no ' +
    'plaintext transaction is left on the legs that matter, splice cannot be judged.',
  evaluate(ctx) {
    const tls = ctx.sessions.filter((s) => s.tls);
    if (tls.length === 0) return [];
    const legs = ctx.topology.legs;
    const matters = (id: number) => {
      const role = legs.get(id)?.role;
      return role !== 'relay' && role !== 'notification';
    };
    const plaintext = ctx.sessions.filter((s) => matters(s.id) && s.transactions.some((t) => t.mailFrom !== undefined && t.start.frame < (s.tls?.ref.frame ?? Infinity)));
    const hidesAll = plaintext.length === 0;
    const relayPlain = ctx.sessions.some((s) => legs.get(s.id)?.role === 'relay' && !s.tls && s.transactions.length > 0);
    const evidence = tls.slice(0, 3).map((s) => ctx.ev(s, s.tls!.ref, `STARTTLS accepted: ${s.client.ip}:${s.client.port} -> ${s.server.ip}:${s.server.port} is encrypted from here on`));
    return [
      {
        severity: hidesAll ? 'warning' : 'info',
        confidence: 'high',
        message: hidesAll
          ? `All ${plural(tls.length, 'SMTP session')} that carry mail switch to TLS (STARTTLS): the messages and their timing cannot be seen.`
          : `${plural(tls.length, 'SMTP session')} of ${ctx.sessions.length} switch to TLS (STARTTLS); the plaintext ones were judged.`,
        evidence,
        remediation:
          'For a test, stop offering STARTTLS to the FortiGate (or the test sender) on the mail server and send a test mail with the ' +
          'EICAR file; or capture the host AV\'s relay leg on the mail server\'s loopback, which is often plaintext.' +
          (relayPlain ? ' (A plaintext relay leg is already in this capture.)' : ''),
        sessions: uniqSorted(tls.map((s) => s.id)),
        facts: { hidesAll, weakens: hidesAll },
      },
    ];
  },
};
