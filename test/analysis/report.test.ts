// Renderers and the terminal escaping helper: capture strings cannot inject escapes, Markdown stays a comment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../src/analysis/analyze.js';
import { exitCodeFor } from '../../src/analysis/verdict.js';
import { overridesFrom } from '../../src/commands/analyze.js';
import { escapeMarkdown, renderAnalysisMarkdown } from '../../src/report/analysis-markdown.js';
import { renderAnalysisText } from '../../src/report/analysis-text.js';
import { escapeTerminal } from '../../src/util/escape.js';
import { captureSummary, dialogue } from './helpers.js';
import { schemaErrors } from './schema.js';

test('escapeTerminal: C0, ESC, DEL, C1 and bidi controls become visible', () => {
  assert.equal(escapeTerminal('plain text'), 'plain text');
  assert.equal(escapeTerminal('a\x1b[31mb'), 'a\\x1B[31mb');
  assert.equal(escapeTerminal('tab\there\r\n'), 'tab\\x09here\\x0D\\x0A');
  assert.equal(escapeTerminal('del\x7f c1\u0085 csi\u009b'), 'del\\x7F c1\\x85 csi\\x9B');
  assert.equal(escapeTerminal('x\u202Ey\u2066z'), 'x\\u{202E}y\\u{2066}z');
  assert.equal(escapeTerminal('caf\u00e9 \u{1F600}'), 'caf\u00e9 \u{1F600}');
  assert.equal(escapeTerminal('lone \ud800 surrogate'), 'lone \\u{D800} surrogate');
});

test('escapeMarkdown: inline punctuation, block markers at the start, controls', () => {
  assert.equal(escapeMarkdown('<m1@x> *b* [l](u) a|b `c`'), '\\<m1@x\\> \\*b\\* \\[l\\]\\(u\\) a\\|b \\`c\\`');
  assert.equal(escapeMarkdown('# head'), '\\# head');
  assert.equal(escapeMarkdown('a - b'), 'a - b');
  assert.equal(escapeMarkdown('x\x1by'), 'x\\x1By');
});

function hostile() {
  const s = dialogue({ mode: 'streaming', virus: true, relay: 'accepted', banner: 'evil\x1b]0;pwned\x07 ESMTP amavisd-new | `x` <script>' });
  s[0].transactions[0].message!.subject = 'Hi\u202Egnp.exe';
  return diagnose({ capture: captureSummary({ path: 'cap\x1b[2J.pcap' }), sessions: s });
}

test('text report: no raw escape from capture strings, with or without colour', () => {
  const doc = hostile();
  for (const color of [false, true]) {
    const text = renderAnalysisText(doc, { color });
    assert.ok(!text.includes('\x1b]0;'), 'OSC injected');
    assert.ok(!text.includes('\x1b[2J'), 'clear-screen injected');
    assert.ok(!text.includes('\u202E'));
    assert.ok(text.includes('\\x1B]0;pwned\\x07'));
  }
  assert.ok(!renderAnalysisText(doc, { color: false }).includes('\x1b'));
});

test('markdown report: verdict heading, evidence table rows stay one row, fix in a code block', () => {
  const doc = hostile();
  const md = renderAnalysisMarkdown(doc);
  assert.match(md, /^### splice-doctor: \*\*misconfigured\*\* \(confidence: high\)/);
  assert.ok(md.includes('| Finding | Frames | Time | Leg | Seen on the wire |'));
  for (const line of md.split('\n').filter((l) => /^\| F\d+ \|/.test(l))) {
    const cells = line.replace(/\\\|/g, '').split('|').length;
    assert.equal(cells, 7, line);
  }
  assert.ok(md.includes('```\nconfig firewall profile-protocol-options'));
  assert.ok(!md.includes('<script>'));
  assert.deepEqual(schemaErrors(doc), []);
});

test('exit codes: 0 healthy/no-smtp, 1 misconfigured/at-risk, 3 inconclusive; 2 for a damaged capture', () => {
  assert.deepEqual(['healthy', 'no-smtp', 'misconfigured', 'at-risk', 'inconclusive'].map((v) => exitCodeFor(v as never)), [0, 0, 1, 1, 3]);
  const d = diagnose({ capture: captureSummary({ error: { message: 'cut', offset: 100, unit: 'byte' } }), sessions: dialogue({ mode: 'streaming', virus: true, relay: 'accepted' }) });
  assert.equal(d.verdict, 'misconfigured');
  assert.equal(d.exitCode, 2);
  assert.ok(d.findings.some((f) => f.ruleId === 'capture.truncated-file'));
});

test('relative captures give +S.uuuuuus times', () => {
  const d = diagnose({ capture: captureSummary({ timestampKind: 'relative' }), sessions: dialogue({ mode: 'streaming', virus: true }) });
  assert.match(d.findings[0].evidence[0].time!, /^\+\d+\.\d{6}s$/);
  assert.deepEqual(schemaErrors(d), []);
});

test('bad --fortigate / --host-av values are usage errors', () => {
  assert.throws(() => overridesFrom({ fortigate: '10.0.0.1:25' }), /without a port/);
  assert.throws(() => overridesFrom({ hostAv: 'mail.example.com' }), /not an IP address/);
  assert.deepEqual(overridesFrom({ hostAv: '10.0.0.5:10024' }).hostAv, { ip: '10.0.0.5', port: 10024 });
});
