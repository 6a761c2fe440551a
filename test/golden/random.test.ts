// Never-seen captures: random scenarios from seeds outside the committed fixtures must get the expected verdicts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomScenario } from '../../fixtures/gen/scenarios.js';
import { analyze } from '../../src/commands/analyze.js';
import { schemaErrors } from '../analysis/schema.js';
import { compareToExpected } from './compare.js';

// Committed fixtures use seeds 1001..; these are far from them and from the seeds used while tuning (50000..).
const SEEDS = Array.from({ length: 30 }, (_, i) => 910_000 + i * 7);
const dir = mkdtempSync(join(tmpdir(), 'splice-doctor-random-'));
const tally = { total: 0, verdict: 0, full: 0 };

for (const seed of SEEDS) {
  test(`random scenario ${seed}`, async () => {
    const g = randomScenario(seed);
    const file = join(dir, g.files[0].name);
    writeFileSync(file, g.files[0].bytes);
    const doc = await analyze(file);
    tally.total++;
    if (doc.verdict === g.expected.verdict) tally.verdict++;
    const diffs = compareToExpected(doc, g.expected, { roles: false });
    if (diffs.length === 0) tally.full++;
    assert.deepEqual(diffs, [], `seed ${seed} (${JSON.stringify(g.expected.scenario)}): ${diffs.join('; ')}`);
    assert.deepEqual(schemaErrors(doc), []);
  });
}

test('random scenarios: agreement summary', () => {
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`# random agreement: verdict ${tally.verdict}/${tally.total}, verdict+confidence+rules ${tally.full}/${tally.total}\n`);
  assert.equal(tally.full, tally.total);
});
