// `analyze --format markdown`: a comment to paste into a support ticket (verdict, evidence table, fix in a code block).

import type { AnalysisDocument, Role } from '../analysis/types.js';

const MD_ALWAYS = new Set(['\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '<', '>', '!', '|', '~', '&']);
const MD_AT_START = new Set(['#', '+', '-', '.', '=']);

/**
 * Escapes text from a capture for Markdown, table cells included: inline punctuation always, block markers at the
 * start; control and bidi characters become visible \xNN / \u{...} as in the terminal report.
 */
export function escapeMarkdown(s: string): string {
  let out = '';
  let first = true;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).toUpperCase().padStart(2, '0')}`;
    else if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || (c >= 0x200b && c <= 0x200f) || c === 0xfeff)
      out += `\\u{${c.toString(16).toUpperCase()}}`;
    else if (MD_ALWAYS.has(ch) || (first && MD_AT_START.has(ch))) out += `\\${ch}`;
    else out += ch;
    first = false;
  }
  return out;
}

/**
 * Our own prose (remediation, fix notes) uses Markdown code spans on purpose and holds no capture text beyond
 * addresses: only control characters are made visible.
 */
function prose(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase()}}`);
}

/** A fence longer than any backtick run in the block, so that nothing inside can close it. */
function fence(lines: string[]): string {
  let longest = 0;
  for (const l of lines) for (const m of l.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

function roleText(r: Role): string {
  if (!r.ip) return 'unknown';
  const host = r.ip.includes(':') && r.port !== null ? `[${r.ip}]` : r.ip;
  return r.port !== null ? `${host}:${r.port}` : host;
}

export function renderAnalysisMarkdown(doc: AnalysisDocument): string {
  const e = escapeMarkdown;
  const out: string[] = [];
  const cap = doc.capture;
  out.push(`### splice-doctor: **${doc.verdict}** (confidence: ${doc.confidence})`, '');
  out.push(e(doc.summary), '');
  out.push(
    `**Capture:** ${e(cap.path)} (${cap.format}${cap.gzip ? ', gzip' : ''}, ${cap.packets} packets` +
      `${cap.firstTime ? `, ${e(cap.firstTime)} to ${e(cap.lastTime ?? '')}` : ''}), SHA-256 ${cap.sha256}` +
      (cap.error ? `. Damaged at ${cap.error.unit === 'line' ? 'line' : 'byte offset'} ${cap.error.offset}: ${e(cap.error.message)}` : ''),
  );
  out.push(`**Tool:** ${e(doc.tool.name)} ${e(doc.tool.version)}, exit code ${doc.exitCode}`, '');

  if (doc.verdict !== 'no-smtp') {
    out.push('| Role | Address | Why |', '|---|---|---|');
    const rows: Array<[string, Role]> = [
      ['Sender', doc.roles.sender],
      ['FortiGate', doc.roles.fortigate],
      ['Host AV', doc.roles.hostAv],
      ['Mail server', doc.roles.mailServer],
    ];
    for (const [name, r] of rows) out.push(`| ${name} | ${e(roleText(r))}${r.source === 'user' ? ' (stated)' : ''} | ${e(r.evidence.join('; '))} |`);
    out.push('');
  }

  if (doc.config) {
    const k = doc.config;
    const unit = [k.model, k.version ? `FortiOS ${k.version}` : null].filter(Boolean).join(', ') || 'model and version unknown';
    const pols = k.policyIds.length ? `; policies ${k.policyIds.join(', ')}` : '';
    const profs = k.profiles.length ? `; profiles ${k.profiles.join(', ')}` : '';
    out.push(`**Configuration:** ${e(k.path)} (${e(unit)}): SMTP splice **${k.splice}**${e(pols)}${e(profs)}${k.note ? `. ${e(k.note)}` : ''}`, '');
  }

  if (doc.findings.length) {
    out.push('#### Findings', '');
    for (const f of doc.findings) {
      out.push(`- **${f.id} ${f.severity}** \`${f.ruleId}\` (rev. ${f.ruleRevision}, confidence ${f.confidence}): ${e(f.message)}`);
      if (f.remediation) out.push(`  *Remedy:* ${prose(f.remediation)}`);
    }
    out.push('', '#### Evidence', '', '| Finding | Frames | Time | Leg | Seen on the wire |', '|---|---|---|---|---|');
    for (const f of doc.findings) {
      for (const ev of f.evidence) {
        const leg = ev.leg ? `${ev.leg}${ev.session !== null ? ` ${ev.session}` : ''}` : '';
        out.push(`| ${f.id} | ${ev.frames.join(', ')} | ${e(ev.time ?? '')} | ${e(leg)} | ${e(ev.text)} |`);
      }
    }
    out.push('');
  }

  if (doc.fix) {
    const f = doc.fix;
    out.push(f.kind === 'disable-splice' ? `#### Fix: disable SMTP splice${f.versionFamily ? ` (FortiOS ${e(f.versionFamily)})` : ''}` : '#### Next capture', '');
    if (f.commands.length) {
      const fc = fence(f.commands);
      out.push(fc, ...f.commands, fc, '');
    }
    for (const n of f.notes) out.push(`- ${prose(n)}`);
    if (f.tradeOff) out.push('', `*Trade-off:* ${prose(f.tradeOff)}`);
    out.push('');
  }

  if (doc.timeline.length) {
    out.push('<details><summary>Timeline of the key dialogue</summary>', '', '| Time | Frame | Leg | Dir | Line |', '|---|---|---|---|---|');
    for (const t of doc.timeline) out.push(`| ${e(t.time ?? '')} | ${t.frame} | ${e(`${t.leg} ${t.session}`)} | ${t.dir === '-' ? '' : t.dir} | ${e(t.text)} |`);
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
}
