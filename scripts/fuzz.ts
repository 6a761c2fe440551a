// Long fuzz run: the CI hardening properties with more runs and a chosen seed. `npm run fuzz -- --runs 20000 --seed 7`.

import fc from 'fast-check';
import { PROPERTIES, pipelineFileProperty, tempDir } from '../test/hardening/properties.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(arg('runs') ?? 5000);
const seed = Number(arg('seed') ?? Date.now() % 2 ** 31);
const only = arg('only');
if (!Number.isInteger(runs) || runs <= 0 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- [--runs N] [--seed S] [--only reader|randomBytes|decoder|decoderStructured|reassembler|smtp|pipeline]\n');
  process.exit(2);
}

const tmp = tempDir();
const all: Record<string, () => fc.IRawProperty<unknown[]>> = {
  ...Object.fromEntries(Object.entries(PROPERTIES).map(([k, p]) => [k, () => p.make() as fc.IRawProperty<unknown[]>])),
  pipeline: () => pipelineFileProperty(tmp.dir) as fc.IRawProperty<unknown[]>,
};
let failed = 0;
process.stdout.write(`fuzz: seed ${seed}, ${runs} runs per property\n`);
try {
  for (const [name, make] of Object.entries(all)) {
    if (only && only !== name) continue;
    const t0 = performance.now();
    const d = await fc.check(make(), { seed, numRuns: runs });
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (d.failed) {
      failed++;
      process.stdout.write(`FAIL ${name} after ${d.numRuns} runs (${s} s); reproduce with --seed ${seed} --only ${name}\n`);
      process.stdout.write(`  counterexample: ${fc.stringify(d.counterexample).slice(0, 2000)}\n`);
      process.stdout.write(`  error: ${String((d.errorInstance as Error)?.stack ?? d.errorInstance).slice(0, 2000)}\n`);
    } else {
      process.stdout.write(`ok   ${name}: ${d.numRuns} runs in ${s} s\n`);
    }
  }
} finally {
  tmp.done();
}
process.exitCode = failed ? 1 : 0;
