// Crashes found by scripts/mutate-corpus.ts, rebuilt from the public corpus file and the saved mutations (the corpus is
// never copied into the repository); skipped when the corpus is absent.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { InputError } from '../../src/capture/types.js';
import { diagnose } from '../../src/analysis/analyze.js';
import { runPipeline } from '../../src/pipeline.js';
import { renderSessionsText, sessionsJson } from '../../src/report/sessions-text.js';
import { applyMutations, type Mutation } from './mutate.js';
import { tempDir } from './properties.js';

const CORPUS = '/work/shared/captures/public';

const CASES: Array<{ name: string; source: string; mutations: Mutation[]; gzip: boolean }> = [
  {
    // A deleted record desynchronised the client side: the 220 to STARTTLS arrived while the client was inside a
    // BDAT chunk; closeTx dropped the transaction and bdatBytes wrote into undefined (TypeError).
    name: 'STARTTLS reply during a BDAT chunk (seed 2, #642)',
    source: 'arkime/smtp-decrypted.pcap',
    mutations: [{ kind: 'delete', a: 854003549, b: 824796130, v: 16001 }],
    gzip: false,
  },
];

const tmp = tempDir();
after(tmp.done);

describe('mutation-run regressions (public corpus)', { skip: existsSync(CORPUS) ? false : 'public corpus absent' }, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      let bytes = applyMutations(readFileSync(join(CORPUS, c.source)), c.mutations);
      if (c.gzip) bytes = gzipSync(bytes);
      const path = join(tmp.dir, 'case.bin');
      writeFileSync(path, bytes);
      try {
        const r = await runPipeline(path);
        renderSessionsText(r);
        JSON.stringify(sessionsJson(r));
        diagnose(r);
      } catch (e) {
        assert.ok(e instanceof InputError, `threw ${(e as Error)?.stack ?? String(e)}`);
      }
    });
  }
});
