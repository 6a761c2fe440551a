// Plain text and markdown views of a ConfigReport (the `config` command's report; JSON is the object itself).

import type { ConfigReport } from './analyze.js';

const SEV_ORDER = { high: 0, medium: 1, low: 2, info: 3 } as const;

function head(r: ConfigReport): string {
  const parts = [r.model ?? 'FortiGate (model unknown)', r.version ? `FortiOS ${r.version}` : 'FortiOS version unknown'];
  if (r.vdoms.length) parts.push(`VDOMs: ${r.vdoms.join(', ')}`);
  return parts.join(', ');
}

function policyLine(p: ConfigReport['smtpPolicies'][number]): string {
  const where = p.vdom !== undefined ? `${p.vdom}/` : '';
  const name = p.name ? ` "${p.name}"` : '';
  const opts = p.smtpOptions.length ? p.smtpOptions.join(' ') : '(none)';
  return (
    `${where}${p.policyId}${name}: ${p.srcintf.join(',')} -> ${p.dstintf.join(',')} to ${p.dstaddr.join(',')} ` +
    `service ${p.service.join(',')}; ${p.inspectionMode ?? '?'} mode, av ${p.avProfile ?? '-'}, ` +
    `protocol options "${p.protocolOptions}" smtp [${opts}]${p.defaultProfileAssumed ? ' (factory default assumed)' : ''}` +
    ` -> splice ${p.spliceEnabled ? 'ON' : 'off'}`
  );
}

export function configText(r: ConfigReport): string {
  const out: string[] = [];
  out.push(`Configuration: ${head(r)}`, '');
  out.push(r.smtpPolicies.length ? 'Policies carrying SMTP:' : 'Policies carrying SMTP: none');
  for (const p of r.smtpPolicies) out.push(`  ${policyLine(p)}`);
  out.push('', 'Findings:');
  const fs = [...r.findings].sort((a, b) => SEV_ORDER[a.severity] - SEV_ORDER[b.severity]);
  for (const f of fs) out.push(`  [${f.severity}] ${f.id}${f.vdom !== undefined ? ` (VDOM ${f.vdom})` : ''}: ${f.message}`);
  if (r.fix) {
    out.push('', `Fix (FortiOS ${r.fix.versionFamily}${r.fix.exact ? '' : ', NOT exact: read the notes'}):`);
    for (const c of r.fix.commands) out.push(`    ${c}`);
    for (const n of r.fix.notes) out.push(`  - ${n}`);
    out.push(`  Trade-off: ${r.fix.tradeOff}`);
  }
  return out.join('\n') + '\n';
}

export function configMarkdown(r: ConfigReport): string {
  const out: string[] = [];
  out.push(`### FortiGate configuration check`, '', `**${head(r)}**`, '');
  if (r.smtpPolicies.length) {
    out.push('| Policy | From -> to | Destination | Service | Mode | AV profile | Protocol options | SMTP options | Splice |');
    out.push('|---|---|---|---|---|---|---|---|---|');
    for (const p of r.smtpPolicies) {
      const cells = [
        `${p.vdom !== undefined ? `${p.vdom}/` : ''}${p.policyId}${p.name ? ` ${p.name}` : ''}`,
        `${p.srcintf.join(', ')} -> ${p.dstintf.join(', ')}`,
        p.dstaddr.join(', '),
        p.service.join(', '),
        p.inspectionMode ?? '?',
        p.avProfile ?? '-',
        p.protocolOptions,
        (p.smtpOptions.join(' ') || '(none)') + (p.defaultProfileAssumed ? ' (assumed)' : ''),
        p.spliceEnabled ? '**on**' : 'off',
      ].map((c) => c.replace(/\|/g, '\\|'));
      out.push(`| ${cells.join(' | ')} |`);
    }
    out.push('');
  }
  for (const f of [...r.findings].sort((a, b) => SEV_ORDER[a.severity] - SEV_ORDER[b.severity])) {
    out.push(`- **${f.severity}** \`${f.id}\`${f.vdom !== undefined ? ` (VDOM ${f.vdom})` : ''}: ${f.message}`);
  }
  if (r.fix) {
    out.push('', `**Fix** (FortiOS ${r.fix.versionFamily}${r.fix.exact ? '' : ', not exact: see the notes'}):`, '', '```', ...r.fix.commands, '```', '');
    for (const n of r.fix.notes) out.push(`- ${n}`);
    out.push('', `_Trade-off:_ ${r.fix.tradeOff}`);
  }
  return out.join('\n') + '\n';
}
