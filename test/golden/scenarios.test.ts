// Golden tests: `analyze` on every committed scenario capture gives the expected verdict, confidence, rules and roles.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../src/commands/analyze.js';
import type { AnalysisDocument } from '../../src/analysis/types.js';
import { renderAnalysisMarkdown } from '../../src/report/analysis-markdown.js';
import { renderAnalysisText } from '../../src/report/analysis-text.js';
import { renderAnalysisJson } from '../../src/report/analysis-json.js';
import { schemaErrors } from '../analysis/schema.js';
import { compareToExpected, type ExpectedLike } from './compare.js';

const DIR = fileURLToPath(new URL('../../../fixtures/scenarios/', import.meta.url));
const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).sort() : [];

test('there are committed scenario fixtures', () => {
  assert.ok(files.length >= 20, `only ${files.length} fixtures in ${DIR}`);
});

const tally = { total: 0, agree: 0 };

for (const f of files) {
  const e = JSON.parse(readFileSync(DIR + f, 'utf8')) as ExpectedLike & { file: string; name: string };
  test(`golden: ${e.name}`, async () => {
    const doc = await analyze(DIR + e.file);
    tally.total++;
    const diffs = compareToExpected(doc, e, { roles: true });
    if (diffs.length === 0) tally.agree++;
    assert.deepEqual(diffs, [], `${e.name}: ${diffs.join('; ')}`);
    assert.deepEqual(schemaErrors(doc), []);
    checkRenderers(doc);
  });
}

test('golden: the same capture gives byte-identical JSON twice', async () => {
  const e = files.find((f) => f.startsWith('misconfigured-'));
  assert.ok(e);
  const exp = JSON.parse(readFileSync(DIR + e, 'utf8')) as { file: string };
  const a = renderAnalysisJson(await analyze(DIR + exp.file));
  const b = renderAnalysisJson(await analyze(DIR + exp.file));
  assert.equal(a, b);
});

test('golden: agreement summary', () => {
  process.stdout.write(`# golden agreement: ${tally.agree}/${tally.total}\n`);
  assert.equal(tally.agree, tally.total);
});

function checkRenderers(doc: AnalysisDocument): void {
  const text = renderAnalysisText(doc, { color: false });
  assert.ok(text.includes(doc.verdict.toUpperCase()));
  assert.ok(!text.includes('\x1b'), 'no escape sequences without colour');
  const colored = renderAnalysisText(doc, { color: true });
  assert.ok(colored.includes('\x1b['));
  const md = renderAnalysisMarkdown(doc);
  assert.match(md, new RegExp(`\\*\\*${doc.verdict}\\*\\*`));
  if (doc.fix?.commands.length) assert.ok(md.includes('```'));
  assert.deepEqual(JSON.parse(renderAnalysisJson(doc)), JSON.parse(JSON.stringify(doc)));
}
