// `analyze` for people: verdict line, roles, findings with evidence, a short timeline and the fix. Capture text escaped.

import type { AnalysisDocument, Finding, Role } from '../analysis/types.js';
import { escapeTerminal as esc } from '../util/escape.js';

export interface TextOptions {
  color: boolean;
  /** Wrap width for prose (evidence lines and commands are never wrapped). */
  width?: number;
}

const SGR = { bold: '1', dim: '2', red: '31', green: '32', yellow: '33', cyan: '36' } as const;

const VERDICT_COLOR: Record<AnalysisDocument['verdict'], keyof typeof SGR> = {
  misconfigured: 'red',
  'at-risk': 'yellow',
  healthy: 'green',
  inconclusive: 'yellow',
  'no-smtp': 'dim',
};

const SEVERITY_COLOR: Record<Finding['severity'], keyof typeof SGR> = { critical: 'red', warning: 'yellow', info: 'dim' };

function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(/ +/);
  const lines: string[] = [];
  let cur = '';
  for (const w of words) {
    if (cur && cur.length + 1 + w.length > width - indent.length) {
      lines.push(indent + cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) lines.push(indent + cur);
  return lines;
}

function roleText(r: Role): string {
  if (!r.ip) return 'unknown';
  const host = r.ip.includes(':') && r.port !== null ? `[${r.ip}]` : r.ip;
  return r.port !== null ? `${host}:${r.port}` : host;
}

export function renderAnalysisText(doc: AnalysisDocument, opts: TextOptions): string {
  const width = opts.width ?? 100;
  const c = (code: keyof typeof SGR, s: string) => (opts.color ? `\x1b[${SGR[code]}m${s}\x1b[0m` : s);
  const out: string[] = [];
  const cap = doc.capture;
  const span = cap.firstTime && cap.lastTime ? `, ${cap.firstTime} .. ${cap.lastTime}` : '';
  out.push(`${c('bold', esc(cap.path))}  (${cap.format}${cap.gzip ? ', gzip' : ''}, ${cap.packets} packets${span})`);
  if (cap.error) out.push(c('yellow', `  damaged at ${cap.error.unit === 'line' ? 'line' : 'byte offset'} ${cap.error.offset}: ${esc(cap.error.message)}`));
  out.push('');
  out.push(`${c('bold', 'Verdict:')} ${c(VERDICT_COLOR[doc.verdict], c('bold', doc.verdict.toUpperCase()))}  (confidence ${doc.confidence}, exit code ${doc.exitCode})`);
  out.push(...wrap(esc(doc.summary), width, '  '));

  if (doc.verdict !== 'no-smtp') {
    out.push('', c('bold', 'Roles'));
    const rows: Array<[string, Role]> = [
      ['sender', doc.roles.sender],
      ['FortiGate', doc.roles.fortigate],
      ['host AV', doc.roles.hostAv],
      ['mail server', doc.roles.mailServer],
    ];
    for (const [name, r] of rows) {
      const src = r.source === 'user' ? ' (stated)' : '';
      const why = r.evidence[0] ? c('dim', `  ${esc(r.evidence[0])}`) : '';
      out.push(`  ${name.padEnd(12)} ${esc(roleText(r)).padEnd(24)}${src}${why}`);
    }
  }

  if (doc.config) {
    const k = doc.config;
    const unit = [k.model, k.version ? `FortiOS ${k.version}` : null].filter(Boolean).join(', ') || 'model and version unknown';
    const pols = k.policyIds.length ? `, policies ${k.policyIds.join(', ')}` : '';
    const profs = k.profiles.length ? `, profiles ${k.profiles.map((p) => `"${p}"`).join(', ')}` : '';
    out.push('', c('bold', 'Configuration'));
    out.push(`  ${esc(k.path)} (${esc(unit)}): SMTP splice ${k.splice}${esc(pols)}${esc(profs)}`);
    if (k.note) out.push(...wrap(esc(k.note), width, '  '));
  }

  if (doc.findings.length) {
    out.push('', c('bold', 'Findings'));
    for (const f of doc.findings) {
      out.push(`  ${f.id} ${c(SEVERITY_COLOR[f.severity], `[${f.severity}]`)} ${c('bold', f.ruleId)}  ${esc(f.title)} (confidence ${f.confidence})`);
      out.push(...wrap(esc(f.message), width, '     '));
      for (const e of f.evidence) {
        const frames = e.frames.length ? `#${e.frames.join(',#')}` : '';
        const where = [frames, e.time ?? '', e.leg ? `${e.leg}${e.session !== null ? ` ${e.session}` : ''}` : ''].filter(Boolean).join('  ');
        out.push(`     ${c('dim', where)}`);
        out.push(`        ${c('cyan', esc(e.text))}`);
      }
      if (f.remediation) out.push(...wrap(`Remedy: ${esc(f.remediation)}`, width, '     '));
    }
  }

  if (doc.timeline.length) {
    out.push('', c('bold', 'Timeline of the key dialogue'));
    for (const t of doc.timeline) {
      const dir = t.dir === '-' ? '  ' : `${t.dir}:`;
      out.push(`  ${c('dim', (t.time ?? '').padEnd(27))} ${c('dim', `#${t.frame}`.padEnd(6))} ${`${t.leg} ${t.session}`.padEnd(16)} ${dir} ${esc(t.text)}`);
    }
  }

  if (doc.fix) {
    const f = doc.fix;
    out.push('');
    if (f.kind === 'disable-splice') {
      out.push(c('bold', `Fix: disable SMTP splice on the FortiGate${f.versionFamily ? ` (FortiOS ${f.versionFamily})` : ''}`));
    } else {
      out.push(c('bold', 'Next capture: what would settle it'));
    }
    for (const cmd of f.commands) out.push(`    ${esc(cmd)}`);
    for (const n of f.notes) out.push(...wrap(`- ${esc(n)}`, width, '  ').map((l, i) => (i === 0 ? l : `  ${l}`)));
    if (f.tradeOff) out.push(...wrap(`Trade-off: ${esc(f.tradeOff)}`, width, '  '));
  }
  return `${out.join('\n')}\n`;
}
