// `analyze --format html`: one self-contained page (inline CSS and SVG, nothing fetched) with verdict, fix, chart, ladder.

import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AnalysisDocument, Finding, Role } from '../../analysis/types.js';
import type { SmtpSession } from '../../smtp/types.js';
import { chartSeries, type ChartData } from '../chart/series.js';
import { CHART_CSS, chartSvgFromData, headline, legSummary, type ChartSvgOptions } from '../chart/svg.js';
import { clip, escapeHtml as esc } from './escape.js';
import { LADDER_CSS, renderLadder } from './ladder.js';

export { chartSeries, keyDialogueOf, type ChartData, type ChartLeg, type ChartMarker, type ChartPoint } from '../chart/series.js';
export { escapeHtml } from './escape.js';
export { renderLadder } from './ladder.js';

export interface HtmlInput {
  document: AnalysisDocument;
  /** The pipeline's sessions (ids as in the document); without them the page has no chart and no ladder. */
  sessions: readonly SmtpSession[];
}

/** The timing chart alone, as a standalone SVG file (`analyze --chart FILE.svg`). */
export function renderChartSvg(input: HtmlInput, opts: ChartSvgOptions = {}): string {
  const data = chartSeries(input.document, [...input.sessions]);
  return `${chartSvgFromData(data, { standalone: true, caption: basename(input.document.capture.path), ...opts })}\n`;
}

const VERDICT_TEXT: Record<AnalysisDocument['verdict'], string> = {
  misconfigured: 'Misconfigured',
  'at-risk': 'At risk',
  healthy: 'Healthy',
  inconclusive: 'Inconclusive',
  'no-smtp': 'No SMTP',
};

const LIGHT_VARS = `:root{color-scheme:light dark;--bg:#f6f8fa;--panel:#ffffff;--head:#f6f8fa;--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;
--bad:#cf222e;--warn:#bc4c00;--good:#1a7f37;--info:#0969da;--c-client:#0969da;--c-server:#d1242f;--c-relay:#8250df;
--c-session:#1a7f37;--c-notify:#9a6700;--v-misconfigured:#cf222e;--v-at-risk:#bf8700;--v-healthy:#1a7f37;--v-inconclusive:#6e7781;--v-no-smtp:#6e7781}`;

export const PAGE_CSS = `
${LIGHT_VARS}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--panel:#151b23;--head:#212830;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;
--bad:#ff7b72;--warn:#ffa657;--good:#3fb950;--info:#58a6ff;--c-client:#58a6ff;--c-server:#ff7b72;--c-relay:#d2a8ff;--c-session:#3fb950;
--c-notify:#e3b341;--v-misconfigured:#da3633;--v-at-risk:#9e6a03;--v-healthy:#238636;--v-inconclusive:#656c76;--v-no-smtp:#656c76}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1000px;margin:0 auto;padding:20px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--border);padding-bottom:4px}
.meta{color:var(--muted);font-size:13px;word-break:break-all}
.card{background:var(--panel);border:1px solid var(--border);border-radius:8px;padding:14px 16px;margin:12px 0}
.verdict{border-left:10px solid var(--vc)}
.badge{display:inline-block;color:#fff;background:var(--vc);border-radius:6px;padding:3px 12px;font-weight:700;font-size:22px;letter-spacing:.02em}
.v-misconfigured{--vc:var(--v-misconfigured)}.v-at-risk{--vc:var(--v-at-risk)}.v-healthy{--vc:var(--v-healthy)}
.v-inconclusive{--vc:var(--v-inconclusive)}.v-no-smtp{--vc:var(--v-no-smtp)}.v-error{--vc:var(--c-relay)}
.summary{font-size:16px;margin:10px 0 4px}
.glance{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px;padding:0;list-style:none}
.glance li{border:1px solid var(--border);border-radius:999px;padding:2px 12px;font-size:13px}
.glance .on{border-color:var(--bad);color:var(--bad);font-weight:700}.glance .off{border-color:var(--good);color:var(--good);font-weight:700}
.glance .neutral{color:var(--muted)}.glance .warn{border-color:var(--warn);color:var(--warn);font-weight:700}
pre{background:var(--head);border:1px solid var(--border);border-radius:6px;padding:10px;overflow-x:auto;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:13.5px}th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--border)}
th{color:var(--muted);font-weight:600}
figure{margin:12px 0}figcaption{color:var(--muted);font-size:13px;margin-top:6px}
figure svg{display:block;width:100%;height:auto}
.sev{font-weight:700;text-transform:uppercase;font-size:12px}.sev-critical{color:var(--bad)}.sev-warning{color:var(--warn)}.sev-info{color:var(--info)}
.finding h3{font-size:15px;margin:0 0 4px}.finding .rule{font-family:ui-monospace,Menlo,Consolas,monospace;color:var(--muted);font-size:13px}
.ev td:first-child{white-space:nowrap;color:var(--muted)}.wire{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;word-break:break-all}
.note{color:var(--muted);font-size:13px}
footer{color:var(--muted);font-size:12px;margin:30px 0 10px}
a{color:var(--info)}
@media print{${LIGHT_VARS}:root{--bg:#fff;--panel:#fff;--head:#f4f4f4;--fg:#000;--muted:#333;--border:#bbb}
body{font-size:11pt}main{max-width:none;padding:0}.card,figure,.finding,tr{break-inside:avoid}
.badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{break-after:avoid}a{color:#000}}
${LADDER_CSS}
${CHART_CSS}
`;

/** Escaped prose with `backtick` spans as <code> (escaping first, so nothing from the text becomes markup). */
function prose(s: string): string {
  return esc(s).replace(/`([^`]{1,200})`/g, '<code>$1</code>');
}

function roleAddr(r: Role): string {
  if (!r.ip) return 'unknown';
  const host = r.ip.includes(':') && r.port !== null ? `[${r.ip}]` : r.ip;
  return r.port !== null ? `${host}:${r.port}` : host;
}

function has(doc: AnalysisDocument, rule: string): Finding | undefined {
  return doc.findings.find((f) => f.ruleId === rule);
}

/** The facts that tell the three pictures apart at a glance. */
function glance(doc: AnalysisDocument, chart: ChartData | null): string {
  const items: string[] = [];
  const streaming = has(doc, 'splice.streaming') || chart?.shape === 'streaming';
  const buffered = has(doc, 'splice.buffered') || chart?.shape === 'buffered';
  if (streaming) items.push(`<li class="on">Splice ON (streaming)</li>`);
  else if (buffered) items.push(`<li class="off">Splice OFF (buffered)</li>`);
  else items.push(`<li class="neutral">Splice: not visible in this capture</li>`);
  const abort = has(doc, 'splice.abort');
  items.push(abort ? `<li class="on">Splice abort seen</li>` : `<li class="neutral">No splice abort</li>`);
  const proxy = has(doc, 'hostav.proxy');
  items.push(proxy ? `<li class="${streaming ? 'on' : 'warn'}">Host AV proxy: ${esc(roleAddr(doc.roles.hostAv))}</li>` : `<li class="neutral">No host AV proxy seen</li>`);
  if (has(doc, 'hostav.acted-on-abort')) items.push(`<li class="on">Host AV acted on the aborted message</li>`);
  return `<ul class="glance">${items.join('')}</ul>`;
}

function fixHtml(doc: AnalysisDocument): string {
  const f = doc.fix;
  if (!f) return '';
  const head = f.kind === 'disable-splice' ? `Fix: disable SMTP splice on the FortiGate${f.versionFamily ? ` (FortiOS ${esc(f.versionFamily)})` : ''}` : 'Next capture: what would settle it';
  const notes = f.notes.length ? `<ul>${f.notes.map((n) => `<li>${prose(n)}</li>`).join('')}</ul>` : '';
  const trade = f.tradeOff ? `<p><strong>Trade-off:</strong> ${prose(f.tradeOff)}</p>` : '';
  return `<section class="card fix" id="fix"><h2 style="margin-top:0">${head}</h2><pre>${f.commands.map((c) => esc(c)).join('\n')}</pre>${notes}${trade}</section>`;
}

function rolesHtml(doc: AnalysisDocument): string {
  const rows: Array<[string, Role]> = [
    ['sender', doc.roles.sender],
    ['FortiGate', doc.roles.fortigate],
    ['host AV', doc.roles.hostAv],
    ['mail server', doc.roles.mailServer],
  ];
  const body = rows
    .map(([name, r]) => `<tr><td>${name}</td><td class="mono">${esc(roleAddr(r))}${r.source === 'user' ? ' (stated)' : ''}</td><td>${r.evidence.map((e) => esc(e)).join('<br>')}</td></tr>`)
    .join('');
  return `<h2 id="roles">Roles</h2><table><thead><tr><th>role</th><th>address</th><th>why</th></tr></thead><tbody>${body}</tbody></table>`;
}

const MAX_EVIDENCE = 12;

function findingsHtml(doc: AnalysisDocument): string {
  if (doc.findings.length === 0) return `<h2 id="findings">Findings</h2><p class="note">No findings.</p>`;
  const out = doc.findings.map((f) => {
    const ev = f.evidence.slice(0, MAX_EVIDENCE).map((e) => {
      const frames = e.frames.length ? e.frames.slice(0, 8).map((x) => `#${x}`).join(', ') + (e.frames.length > 8 ? ', \u2026' : '') : '';
      const where = [frames, e.time ?? '', e.leg ? `${e.leg}${e.session !== null ? ` ${e.session}` : ''}` : ''].filter(Boolean).map((x) => esc(x)).join('<br>');
      return `<tr class="ev"><td>${where}</td><td class="wire">${esc(clip(e.text, 400))}</td></tr>`;
    });
    const more = f.evidence.length > MAX_EVIDENCE ? `<p class="note">\u2026 and ${f.evidence.length - MAX_EVIDENCE} more pieces of evidence (see --format json).</p>` : '';
    const rem = f.remediation ? `<p><strong>Remedy:</strong> ${prose(f.remediation)}</p>` : '';
    return `<article class="card finding" id="${esc(f.id)}"><h3><span class="sev sev-${f.severity}">${f.severity}</span> ${esc(f.id)} ${esc(f.title)}</h3><div class="rule">${esc(f.ruleId)} r${f.ruleRevision} \u00b7 confidence ${f.confidence}</div><p>${prose(f.message)}</p>${ev.length ? `<table>${ev.join('')}</table>` : ''}${more}${rem}</article>`;
  });
  return `<h2 id="findings">Findings</h2>${out.join('\n')}`;
}

const MAX_SESSIONS = 40;

function sessionsHtml(doc: AnalysisDocument): string {
  if (doc.sessions.length === 0) return '';
  const rows = doc.sessions.slice(0, MAX_SESSIONS).map((s) => {
    const tx = s.transactions.slice(0, 3).map((t) => `${t.method ?? '-'} ${t.outcome}${t.abort ? ` (${t.abort})` : ''}, ${t.bodyBytes} bytes`);
    if (s.transactions.length > 3) tx.push(`\u2026 ${s.transactions.length - 3} more`);
    return `<tr><td>${s.id}</td><td>${esc(s.leg)}${s.dialogue !== null ? ` (dialogue ${s.dialogue})` : ''}</td><td class="mono">${esc(s.client)} \u2192 ${esc(s.server)}${s.interface ? `<br>${esc(s.interface)}` : ''}</td><td>${esc(clip(s.banner ?? '', 80))}${s.tls ? ' <em>(STARTTLS)</em>' : ''}</td><td>${tx.map((x) => esc(x)).join('<br>')}</td></tr>`;
  });
  const more = doc.sessions.length > MAX_SESSIONS ? `<p class="note">\u2026 ${doc.sessions.length - MAX_SESSIONS} more sessions (see --format json).</p>` : '';
  return `<h2 id="sessions">SMTP sessions</h2><table><thead><tr><th>#</th><th>leg</th><th>connection</th><th>banner</th><th>transactions</th></tr></thead><tbody>${rows.join('')}</tbody></table>${more}`;
}

function chartCaption(c: ChartData): string {
  const parts = c.legs.map((l) => esc(legSummary(l)));
  const marks = c.markers.filter((m) => m.kind === 'abort' || m.kind === 'refusal').map((m) => esc(`${m.label} (#${m.frame})`));
  const lead =
    c.shape === 'streaming' && !c.interleaved
      ? 'FortiGate forwarded part of the message to the mail side and then cut the server leg off: a store-and-forward proxy never sends part of a message (splice on).'
      : c.shape === 'streaming'
      ? 'The server leg\u2019s curve rises while the client leg\u2019s is still rising: FortiGate forwards the body as it arrives (splice on).'
      : c.shape === 'buffered'
        ? 'The server leg\u2019s curve starts only after the client leg ended: FortiGate held the message and scanned it first (splice off).'
        : `${headline(c)}.`;
  return `${lead} ${parts.join('; ')}.${marks.length ? ` Marked: ${marks.join('; ')}.` : ''}`;
}

/** The whole report as one HTML page. Every capture-derived string is escaped. */
export function renderHtml(input: HtmlInput): string {
  const doc = input.document;
  const sessions = [...input.sessions];
  const chart = sessions.length ? chartSeries(doc, sessions) : null;
  const ladder = sessions.length ? renderLadder(doc, sessions, { seedSession: chart?.legs[0]?.session }) : null;
  const cap = doc.capture;
  const v = doc.verdict;
  const span = cap.firstTime && cap.lastTime ? ` \u00b7 ${esc(cap.firstTime)} \u2026 ${esc(cap.lastTime)}` : '';
  const damaged = cap.error ? `<p class="sev sev-critical">Damaged at ${cap.error.unit === 'line' ? 'line' : 'byte offset'} ${cap.error.offset}: ${esc(cap.error.message)}</p>` : '';
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>${esc(`${VERDICT_TEXT[v]}: ${basename(cap.path)} \u2014 splice-doctor`)}</title>
<style>${PAGE_CSS}</style></head>
<body><main>`);
  parts.push(`<header><h1>splice-doctor report</h1><div class="meta">${esc(cap.path)} \u00b7 ${esc(cap.format)}${cap.gzip ? ', gzip' : ''} \u00b7 ${cap.packets} packets${span}<br>sha256 ${esc(cap.sha256)}</div>${damaged}</header>`);
  parts.push(
    `<section class="card verdict v-${v}" id="verdict"><span class="badge">${esc(VERDICT_TEXT[v].toUpperCase())}</span> <span class="note">confidence ${doc.confidence} \u00b7 exit code ${doc.exitCode}</span><p class="summary">${esc(doc.summary)}</p>${v === 'no-smtp' ? '' : glance(doc, chart)}</section>`,
  );
  if (chart && chart.legs.length) {
    parts.push(`<h2 id="chart">Splice timing: message bytes on each leg</h2><figure>${chartSvgFromData(chart, { standalone: false })}<figcaption>${chartCaption(chart)}</figcaption></figure>`);
  }
  parts.push(fixHtml(doc));
  if (ladder) {
    const note = ladder.condensed ? ` ${ladder.condensed} events outside the key transaction are summarised in grey rows.` : '';
    parts.push(
      `<h2 id="ladder">Ladder diagram of the key dialogue</h2><figure>${ladder.svg}<figcaption>Commands (\u2192) and replies (\u2190) on each leg in capture order, with the time from the dialogue\u2019s first packet and the frame number; shaded bands are message bodies.${note}</figcaption></figure>`,
    );
  }
  if (v !== 'no-smtp') parts.push(rolesHtml(doc));
  parts.push(findingsHtml(doc));
  parts.push(sessionsHtml(doc));
  parts.push(`<footer>${esc(doc.tool.name)} ${esc(doc.tool.version)} \u00b7 schema ${esc(doc.schemaVersion)} \u00b7 this page is self-contained: it loads nothing from the network.</footer>`);
  parts.push('</main></body></html>\n');
  return parts.join('\n');
}

// ---- triage ----------------------------------------------------------------------------------------------------

/** What the triage summary needs to know about one capture. `document` is the analysis (or as much as triage kept). */
export interface TriageHtmlEntry {
  path: string;
  ticket: string | null;
  document?: { verdict: string; confidence?: string; summary?: string; findings?: Array<{ ruleId?: string; title?: string; severity?: string }> } | null;
  error?: { message: string; offset?: number } | null;
  /** Relative link to this capture's report, when one was written. */
  href?: string | null;
}

const VERDICT_ORDER = ['misconfigured', 'at-risk', 'inconclusive', 'error', 'healthy', 'no-smtp'];

/** The summary page of a triage run: counts per verdict, then one row per capture linking its report. */
export function renderTriageHtml(entries: readonly TriageHtmlEntry[], opts: { title?: string } = {}): string {
  const verdictOf = (e: TriageHtmlEntry) => (e.error || !e.document ? 'error' : e.document.verdict);
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(verdictOf(e), (counts.get(verdictOf(e)) ?? 0) + 1);
  const tally = [...counts.entries()]
    .sort((a, b) => rank(a[0]) - rank(b[0]))
    .map(([k, n]) => `<li class="v-${cls(k)}"><span class="badge" style="font-size:14px">${esc(k)}</span> ${n}</li>`)
    .join('');
  const rows = entries.map((e) => {
    const v = verdictOf(e);
    const key = e.document?.findings?.find((f) => f.severity === 'critical') ?? e.document?.findings?.[0];
    const what = e.error ? `${e.error.message}${e.error.offset !== undefined ? ` (at ${e.error.offset})` : ''}` : e.document?.summary ?? '';
    const name = e.href ? `<a href="${esc(e.href)}">${esc(e.path)}</a>` : esc(e.path);
    return `<tr><td class="mono">${name}</td><td>${esc(e.ticket ?? '')}</td><td class="v-${cls(v)}"><span class="badge" style="font-size:13px">${esc(v)}</span></td><td>${esc(e.document?.confidence ?? '')}</td><td>${esc(clip(what, 300))}${key?.ruleId ? `<br><span class="note">${esc(key.ruleId)}</span>` : ''}</td></tr>`;
  });
  const title = opts.title ?? 'splice-doctor triage';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title><style>${PAGE_CSS}
.tally{display:flex;gap:14px;list-style:none;padding:0;flex-wrap:wrap}</style></head>
<body><main><h1>${esc(title)}</h1><p class="meta">${entries.length} captures</p><ul class="tally">${tally}</ul>
<table><thead><tr><th>capture</th><th>ticket</th><th>verdict</th><th>confidence</th><th>summary</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table><footer>Each capture links to its own self-contained report.</footer></main></body></html>
`;
}

function rank(v: string): number {
  const i = VERDICT_ORDER.indexOf(v);
  return i === -1 ? VERDICT_ORDER.length : i;
}

function cls(v: string): string {
  return /^[a-z-]+$/.test(v) ? v : 'error';
}

/** A file name for a capture's report: its index, then its base name reduced to safe characters. */
export function reportFileName(index: number, path: string): string {
  const base = basename(path.replace(/!\//g, '_')).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'capture';
  return `${String(index + 1).padStart(4, '0')}-${base}.html`;
}

/**
 * Writes `DIR/index.html` (the summary) and `DIR/reports/NNNN-name.html` (one report per capture that has a
 * document). `reportFor(path, i)` returns a capture's report HTML (e.g. re-runs the pipeline and calls renderHtml),
 * or null to write none; its failures become the entry's link being absent, never a thrown error.
 */
export async function writeTriageHtml(
  dir: string,
  entries: readonly TriageHtmlEntry[],
  reportFor: (path: string, index: number) => Promise<string | null>,
): Promise<{ index: string; reports: string[] }> {
  await mkdir(join(dir, 'reports'), { recursive: true });
  const out: TriageHtmlEntry[] = [];
  const reports: string[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    let href: string | null = null;
    if (e.document && !e.error) {
      let html: string | null = null;
      try {
        html = await reportFor(e.path, i);
      } catch {
        html = null;
      }
      if (html !== null) {
        const name = reportFileName(i, e.path);
        const file = join(dir, 'reports', name);
        await writeFile(file, html);
        reports.push(file);
        href = `reports/${name}`;
      }
    }
    out.push({ path: e.path, ticket: e.ticket, document: e.document ?? null, error: e.error ?? null, href });
  }
  const index = join(dir, 'index.html');
  await writeFile(index, renderTriageHtml(out));
  return { index, reports };
}
