// Fuzz suite (CI size): every stage fed hostile bytes with a fixed seed; `npm run fuzz` runs the same properties longer.

import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { PROPERTIES, REGRESSIONS, pipelineFileProperty, tempDir } from './properties.js';

const SEED = 20261127;

describe('fuzz (fixed seed)', () => {
  for (const [name, p] of Object.entries(PROPERTIES)) {
    it(`${name}: never throws anything but InputError, keeps stage contracts`, async () => {
      const examples = 'examples' in p ? (p.examples as unknown[][]) : [];
      await fc.assert(p.make() as fc.IAsyncProperty<unknown[]>, { seed: SEED, numRuns: p.runs, endOnFailure: true, examples });
    });
  }
  const tmp = tempDir();
  after(tmp.done);
  it('runPipeline on temp files: a result or an InputError, terminal-safe renderings', async () => {
    await fc.assert(pipelineFileProperty(tmp.dir), { seed: SEED, numRuns: 120, endOnFailure: true, examples: REGRESSIONS.map((c) => [c]) });
  });
});
