// capture.one-leg-only: only one leg of the FortiGate proxy is visible, so splice timing cannot be measured.

import { uniqSorted } from './context.js';
import type { Rule } from './types.js';

export const captureOneLegOnly: Rule = {
  id: 'capture.one-leg-only',
  revision: 1,
  title: 'Only one leg of the FortiGate proxy is in the capture',
  defaultSeverity: 'warning',
  description:
    'Streaming and buffering can only be told apart with both the client leg (sender -> FortiGate) and the server leg ' +
    '(FortiGate -> mail server) in one capture. Capture on the FortiGate with interface `any`.',
  evaluate(ctx) {
    const ds = ctx.topology.dialogues.filter((d) => (d.client ?? d.server)?.transactions.length);
    if (ds.length === 0 || ds.some((d) => d.client && d.server)) return [];
    const sides = new Set(ds.map((d) => d.lone ?? 'unknown'));
    const side = sides.size === 1 ? [...sides][0] : 'unknown';
    const decided = ctx.prior.some((f) => f.ruleId === 'splice.abort' && f.facts.hostAv !== 'none');
    const hostAv = ds.some((d) => d.hostAv.length > 0);
    // Without a host AV on a visible mail side, splice does not matter; otherwise it is what we cannot see.
    const weakens = !decided && !(side === 'mail' && !hostAv);
    const what =
      side === 'sender'
        ? "Only the sender's side is in the capture: the server leg (FortiGate -> mail server) is missing"
        : side === 'mail'
          ? 'Only the mail side is in the capture: the client leg (sender -> FortiGate) is missing'
          : 'No second leg of a FortiGate proxy was found: the capture holds one side only, or no FortiGate proxies this traffic';
    const s0 = ds[0].client ?? ds[0].server!;
    // The mail side's address as this leg sees it (in NAT mode the sender side sees FortiGate's virtual IP).
    const mail = s0.server.ip;
    const port = s0.server.port;
    return [
      {
        severity: weakens ? 'warning' : 'info',
        confidence: side === 'unknown' ? 'medium' : 'high',
        message: `${what}, so FortiGate's streaming (splice) cannot be told from buffering.`,
        evidence: [ctx.ev(s0, s0.start, `${s0.client.ip}:${s0.client.port} -> ${s0.server.ip}:${s0.server.port}${s0.interfaceName ? ' on ' + s0.interfaceName : ''}: no matching second connection`)],
        remediation:
          `Capture on the FortiGate with \`diagnose sniffer packet any 'host ${mail} and port ${port}' 6 0 a\` so that both legs are seen ` +
          'with interface names' +
          (side === 'sender' ? ', or on the mail server with `tcpdump -i any` (loopback included), while sending a test mail with the EICAR file.' : '.'),
        sessions: uniqSorted(ds.map((d) => (d.client ?? d.server)!.id)),
        facts: { weakens },
      },
    ];
  },
};
