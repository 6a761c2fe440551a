// The HTML page: escaping of hostile capture text, nothing external, size bounds, condensed ladders, triage pages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runPipeline } from '../../src/pipeline.js';
import { diagnose } from '../../src/analysis/analyze.js';
import type { AnalysisDocument } from '../../src/analysis/types.js';
import { escapeHtml, renderChartSvg, renderHtml, renderLadder, renderTriageHtml } from '../../src/report/html/index.js';
import { writeTriageHtml, reportFileName } from '../../src/report/html/index.js';
import type { TriageHtmlEntry } from '../../src/report/html/index.js';
import type { AnalysisDocumentLike, EntryError } from '../../src/triage/types.js';
import { buildSessions, captureSummary, dialogue, type LegSpec, type TxSpec } from '../analysis/helpers.js';

const FIX = resolve(import.meta.dirname, '..', '..', '..', 'fixtures', 'scenarios');

const HOSTILE = [
  '</script><script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "' onmouseover='alert(1)",
  '<svg onload=alert(1)>',
  'a\u202Egnp.exe',
  'zero\u200Bwidth\u2066iso\u2069',
  'esc\x1b[31mred\x07',
  '&amp; <!-- --> ]]>',
  'lone \uD800 surrogate',
];

test('escapeHtml: markup characters become entities, invisible characters visible escapes', () => {
  assert.equal(escapeHtml('</script>'), '&lt;/script&gt;');
  assert.equal(escapeHtml(`"'&<>`), '&quot;&#39;&amp;&lt;&gt;');
  assert.equal(escapeHtml('a\u202Eb'), 'a\\u{202E}b');
  assert.equal(escapeHtml('x\x1by'), 'x\\x1By');
  assert.equal(escapeHtml('\uD800'), '\\u{D800}');
  assert.equal(escapeHtml('caf\u00e9 \u{1F600}'), 'caf\u00e9 \u{1F600}');
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(42), '42');
  for (const h of HOSTILE) {
    const e = escapeHtml(h);
    assert.doesNotMatch(e, /[<>"']/, h);
    assert.doesNotMatch(e, /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\x00-\x1f]/, h);
    assert.doesNotMatch(e, /&(?!amp;|lt;|gt;|quot;|#39;)/, h);
  }
});

function hostileDocument(): { document: AnalysisDocument; sessions: ReturnType<typeof dialogue> } {
  const sessions = dialogue({ mode: 'streaming', virus: true, banner: `mail.example ESMTP amavisd-new ${HOSTILE.join(' ')}` });
  for (const s of sessions) {
    for (const c of s.commands) if (c.verb === 'MAIL') c.args = `FROM:<${HOSTILE[0]}@x>`;
    for (const t of s.transactions) {
      if (t.message) t.message.subject = HOSTILE[1];
      if (t.message) t.message.messageId = HOSTILE[2];
    }
    for (const r of s.replies) if (r.code >= 500) r.lines = [HOSTILE[3] + HOSTILE[4]];
  }
  const document = diagnose({ capture: captureSummary({ path: `/tmp/${HOSTILE[0]}\u202Efdp.pcap` }), sessions });
  document.summary = HOSTILE.join(' | ');
  document.findings[0].evidence[0].text = HOSTILE.join(' ');
  document.roles.sender.evidence = [HOSTILE[5]];
  return { document, sessions };
}

test('renderHtml: hostile capture strings never become markup', () => {
  const { document, sessions } = hostileDocument();
  const html = renderHtml({ document, sessions });
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<img/i);
  assert.doesNotMatch(html, /<svg onload/i);
  assert.doesNotMatch(html, /<[^>]*\son\w+=/i);
  assert.doesNotMatch(html, /[\u202A-\u202E\u2066-\u2069\u200B\x1b\x07]/);
  assert.match(html, /&lt;\/script&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /\\u\{202E\}/);
  const svg = renderChartSvg({ document, sessions });
  assert.doesNotMatch(svg, /<script|<img|<[^>]*\son\w+=/i);
  // Tags balance in the inline SVGs (a stray quote or bracket would unbalance them).
  for (const m of html.matchAll(/<svg[\s\S]*?<\/svg>/g)) {
    const open = (m[0].match(/<(?!\/)(?!!)[a-zA-Z][^>]*[^/]>|<[a-zA-Z]+>/g) ?? []).length;
    const close = (m[0].match(/<\/[a-zA-Z]+>/g) ?? []).length;
    assert.equal(open, close, 'balanced SVG tags');
  }
});

function assertNoExternal(html: string, what: string): void {
  assert.doesNotMatch(html, /\s(src|href|xlink:href|srcset|action|formaction|poster|background)\s*=\s*["']?(?!#)/i, `${what}: no src/href`);
  assert.doesNotMatch(html, /url\((?!#)/i, `${what}: CSS url() only to fragments`);
  assert.doesNotMatch(html, /@import|<link|<script|<iframe|<object|<embed|@font-face/i, what);
  const urls = [...html.matchAll(/(https?:)?\/\/[a-z0-9.-]+/gi)].map((m) => m[0]).filter((u) => u !== 'http://www.w3.org');
  assert.deepEqual(urls, [], `${what}: no URL`);
}

test('fixtures: every report is self-contained, bounded in size, and carries the ladder and chart', async (t) => {
  if (!existsSync(FIX)) return t.skip('fixtures/scenarios absent');
  const files = readdirSync(FIX).filter((f) => !f.endsWith('.json'));
  let withChart = 0;
  for (const f of files) {
    const r = await runPipeline(join(FIX, f));
    const document = diagnose(r);
    const html = renderHtml({ document, sessions: r.sessions });
    assertNoExternal(html, f);
    assert.ok(html.length < 300_000, `${f}: ${html.length} bytes`);
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, new RegExp(`class="card verdict v-${document.verdict}"`));
    if (document.verdict !== 'no-smtp') {
      assert.match(html, /<svg[^>]*class="sdl ladder"/, f);
      if (r.sessions.some((s) => s.transactions.some((x) => x.body.points.length))) {
        assert.match(html, /<svg[^>]*class="sdc chart"/, f);
        withChart++;
      }
    }
    if (document.fix) for (const c of document.fix.commands) assert.ok(html.includes(escapeHtml(c)), `${f}: fix command ${c}`);
    const svg = renderChartSvg({ document, sessions: r.sessions });
    assertNoExternal(svg, `${f} chart`);
  }
  assert.ok(withChart >= 20, `fixtures with a chart: ${withChart}`);
});

test('long dialogues are condensed: key transaction in full, the page stays light', () => {
  const txs: TxSpec[] = [];
  // 400 clean transactions, then the aborted one, then 100 more.
  let at = 1;
  for (let i = 0; i < 501; i++) {
    const bad = i === 400;
    txs.push({
      at,
      from: `s${i}@sender.example`,
      rcpt: [`r${i}@mail.example`, `x${i}@mail.example`],
      chunks: Array.from({ length: 6 }, (_, k) => [at + 0.01 + k * 0.001, 1400] as [number, number]),
      endAt: bad ? undefined : at + 0.02,
      final: bad ? undefined : { at: at + 0.03, code: 250, text: `2.0.0 Ok: queued as Q${i} ${'x'.repeat(200)}` },
      abort: bad ? { at: at + 0.02, how: 'rst', by: 'client' } : undefined,
      messageId: `<m${i}@sender.example>`,
      subject: bad ? 'bad' : `clean ${i}`,
      prefix: `m${i}`,
    });
    at += bad ? 0.05 : 0.04;
  }
  const leg: LegSpec = { id: 1, client: '192.0.2.1:40000', server: '198.51.100.25:25', start: 0, banner: 'mail.example ESMTP amavisd-new', txs, close: { at: at + 1, kind: 'fin', by: 'client' } };
  const sessions = buildSessions([leg]);
  const document = diagnose({ capture: captureSummary(), sessions });
  const ladder = renderLadder(document, sessions)!;
  assert.ok(ladder.condensed > 1000, `condensed ${ladder.condensed}`);
  assert.ok(ladder.rows < 60, `rows ${ladder.rows}`);
  assert.match(ladder.svg, /RST by/);
  const html = renderHtml({ document, sessions });
  assert.ok(html.length < 300_000, `${html.length} bytes`);
  assertNoExternal(html, 'long');
});

test('the ladder shows only the columns the capture has', () => {
  const both = dialogue({ mode: 'streaming', virus: true, relay: 'accepted', notification: true });
  const d1 = diagnose({ capture: captureSummary(), sessions: both });
  assert.deepEqual(renderLadder(d1, both)!.columns, ['sender', 'fortigate', 'hostav', 'mail', 'notified']);
  const client = dialogue({ mode: 'streaming', virus: true, legs: ['client'] });
  const d2 = diagnose({ capture: captureSummary(), sessions: client });
  assert.deepEqual(renderLadder(d2, client)!.columns, ['sender', 'fortigate']);
  const plain = dialogue({ mode: 'buffered' });
  const d3 = diagnose({ capture: captureSummary(), sessions: plain });
  assert.deepEqual(renderLadder(d3, plain)!.columns, ['sender', 'fortigate', 'mail']);
});

test('renderTriageHtml: one row per capture, links to reports, escaped paths', () => {
  const html = renderTriageHtml([
    { path: `evil/${HOSTILE[0]}.pcap`, ticket: HOSTILE[1], document: { verdict: 'misconfigured', confidence: 'high', summary: HOSTILE[2] }, href: 'reports/0001-x.html' },
    { path: 'ok.pcap', ticket: null, document: { verdict: 'healthy', confidence: 'high', summary: 'fine' }, href: null },
    { path: 'bad.pcap', ticket: 'T-9', error: { message: 'not a capture file', offset: 12 } },
  ]);
  assert.equal((html.match(/<tr>/g) ?? []).length, 4);
  assert.doesNotMatch(html, /<script|<img/i);
  assert.match(html, /href="reports\/0001-x.html"/);
  assert.match(html, /not a capture file \(at 12\)/);
  assert.ok(html.indexOf('misconfigured</span> 1') < html.indexOf('healthy</span> 1'), 'worst verdict first in the tally');
});

test('writeTriageHtml: index plus one report per analysed capture', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sd-html-'));
  try {
    const res = await writeTriageHtml(
      dir,
      [
        { path: 'a/b c.pcap', ticket: 'T-1', document: { verdict: 'healthy' } },
        { path: 'x.zip!/inner.pcap', ticket: null, document: { verdict: 'at-risk' } },
        { path: 'broken.pcap', ticket: null, error: { message: 'bad' } },
        { path: 'throws.pcap', ticket: null, document: { verdict: 'healthy' } },
      ],
      async (p) => {
        if (p === 'throws.pcap') throw new Error('boom');
        return `<!DOCTYPE html><title>${escapeHtml(p)}</title>`;
      },
    );
    assert.equal(res.reports.length, 2);
    const index = readFileSync(res.index, 'utf8');
    assert.match(index, new RegExp(`href="reports/${reportFileName(0, 'a/b c.pcap')}"`));
    assert.equal(reportFileName(1, 'x.zip!/inner.pcap'), '0002-x.zip_inner.pcap.html');
    assert.match(readFileSync(join(dir, 'reports', '0001-b_c.pcap.html'), 'utf8'), /b c\.pcap/);
    assert.equal((index.match(/href=/g) ?? []).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('htmlReportForFile: same document as analyze(), a page and a chart', async (t) => {
  const file = join(FIX, 'misconfigured-fgt-any-text-replies.txt');
  if (!existsSync(file)) return t.skip('fixture absent');
  const { analyze } = await import('../../src/commands/analyze.js');
  const { htmlReportForFile } = await import('../../src/report/html/capture.js');
  const r = await htmlReportForFile(file, { fortios: '6.4', profile: 'mail' });
  assert.deepEqual(r.document, await analyze(file, { fortios: '6.4', profile: 'mail' }));
  assert.match(r.html, /edit &quot;mail&quot;/);
  assert.match(r.chartSvg, /^<svg xmlns=/);
  await assert.rejects(htmlReportForFile(file, { fortigate: 'not-an-ip' }), /--fortigate/);
});

// Compile-time: triage's entries fit writeTriageHtml without mapping the document.
export const triageEntryFits = (d: AnalysisDocumentLike, e: EntryError): TriageHtmlEntry[] => [
  { path: 'a', ticket: null, document: d },
  { path: 'b', ticket: 'T', error: e },
];

test('a key transaction with a thousand recipients keeps its body, abort and refusal rows', () => {
  const rcpt = Array.from({ length: 1000 }, (_, i) => `r${i}@mail.example`);
  const tx = (abort: boolean): TxSpec => ({
    at: 1,
    from: 'a@sender.example',
    rcpt,
    chunks: [
      [2, 1400],
      [2.1, 1400],
    ],
    endAt: abort ? undefined : 2.2,
    final: abort ? undefined : { at: 2.3, code: 554, text: '5.7.1 blocked by FortiGate: virus EICAR' },
    abort: abort ? { at: 2.25, how: 'rst', by: 'client' } : undefined,
    messageId: '<big@sender.example>',
    subject: 'many',
    prefix: 'big',
  });
  const sessions = buildSessions([
    { id: 1, client: '203.0.113.10:40000', server: '198.51.100.25:25', iface: 'wan1', start: 0, banner: 'clamsmtp', txs: [tx(false)], ttl: 52, isn: 1 },
    { id: 2, client: '203.0.113.10:40000', server: '198.51.100.25:25', iface: 'internal', start: 0.001, banner: 'clamsmtp', txs: [tx(true)], ttl: 255, isn: 2, close: { at: 2.25, kind: 'rst', by: 'client' } },
  ]);
  const document = diagnose({ capture: captureSummary(), sessions });
  const ladder = renderLadder(document, sessions)!;
  assert.ok(ladder.rows <= 140, `rows ${ladder.rows}`);
  assert.match(ladder.svg, /TCP RST by FortiGate/);
  assert.match(ladder.svg, /554 5\.7\.1 blocked by FortiGate/);
  assert.match(ladder.svg, /message body starts/);
  assert.match(ladder.svg, /\u22ef \d+ events/);
  const html = renderHtml({ document, sessions });
  assert.ok(html.length < 300_000, `${html.length}`);
});
