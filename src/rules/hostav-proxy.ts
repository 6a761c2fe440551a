// hostav.proxy: a host-based AV SMTP proxy sits in front of the mail server (relay leg, AV banner, its own virus reply).

import { hostAvStrength, uniqSorted } from './context.js';
import type { Rule, RuleFinding } from './types.js';

const KIND_TEXT: Record<string, string> = {
  user: 'stated by the user',
  relay: 'a relay leg hands the message to a local SMTP program',
  banner: 'an AV proxy banner',
  'product-hint': 'an AV vendor name in a greeting (a hint, not proof)',
  'virus-reply': 'a virus reply from the mail side',
  notification: 'a virus notification sent by the mail side',
  'av-header': 'an AV header added on the mail host',
};

export const hostavProxy: Rule = {
  id: 'hostav.proxy',
  revision: 1,
  title: 'Host-based AV proxy in the path',
  defaultSeverity: 'warning',
  description:
    'A host-based antivirus SMTP proxy receives the messages before the mail server\'s SMTP program: a relay leg from the ' +
    'mail host to its loopback or another port carrying the same message, an AV proxy banner (amavisd-new, ClamSMTP, ' +
    'F-Secure), its own virus reply, or a virus notification. Vendor names alone are hints.',
  evaluate(ctx) {
    const out: RuleFinding[] = [];
    const ds = ctx.topology.dialogues.filter((d) => d.hostAv.some((s) => !s.viaHost));
    if (ds.length === 0) return out;
    const strength = ds.some((d) => hostAvStrength(d) === 'strong') ? 'strong' : 'hint';
    const chosen = ds.filter((d) => hostAvStrength(d) === strength);
    const evidence = [];
    const kinds = new Set<string>();
    const seen = new Set<string>();
    for (const d of chosen) {
      for (const s of d.hostAv) {
        if (s.viaHost || (strength === 'strong' && s.strength !== 'strong')) continue;
        kinds.add(s.kind);
        const key = `${s.kind}|${s.text}`;
        if (seen.has(key) || evidence.length >= 6) continue;
        seen.add(key);
        const session = s.session !== null ? ctx.sessions.find((x) => x.id === s.session) ?? null : null;
        evidence.push(ctx.ev(session, s.ref, s.text));
      }
    }
    const host = ctx.topology.roles.hostAv;
    const where = host.ip ? ` at ${host.ip}${host.port ? ':' + host.port : ''}` : '';
    const kindList = [...kinds].sort().map((k) => KIND_TEXT[k] ?? k).join('; ');
    out.push({
      severity: strength === 'strong' ? 'warning' : 'info',
      confidence: strength === 'strong' ? (kinds.has('relay') || kinds.has('user') || kinds.has('banner') ? 'high' : 'medium') : 'low',
      message:
        strength === 'strong'
          ? `A host-based AV proxy sits in front of the mail server${where} (${kindList}).`
          : `A host-based AV may sit in front of the mail server${where}: ${kindList}.`,
      evidence,
      remediation:
        'A host AV that proxies SMTP must not receive streamed (spliced) messages: it acts on bytes that FortiGate later refuses. ' +
        'Disable SMTP splice on the FortiGate (see the fix), or stop the host AV from proxying SMTP.',
      sessions: uniqSorted(chosen.flatMap((d) => d.hostAv.filter((s) => !s.viaHost && s.session !== null).map((s) => s.session!))),
      facts: { hostAv: strength, dialogues: chosen.map((d) => d.id) },
    });
    return out;
  },
};
