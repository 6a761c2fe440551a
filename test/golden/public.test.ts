// Public third-party captures (../shared/captures/public, never copied here): analyze never throws on them, every
// document validates, and none of them is called misconfigured or at-risk (none holds a FortiGate and a host AV).
// Skips cleanly when the folder is absent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from '../../src/commands/analyze.js';
import { InputError } from '../../src/capture/types.js';
import { schemaErrors } from '../analysis/schema.js';

const ROOT = fileURLToPath(new URL('../../../../shared/captures/public/', import.meta.url));

function captures(dir: string, out: string[] = []): string[] {
  for (const f of readdirSync(dir).sort()) {
    const p = join(dir, f);
    const st = statSync(p);
    if (st.isDirectory()) captures(p, out);
    else if (/\.(pcap|pcapng|cap|gz|txt|log)$/i.test(f) && st.size < 50e6) out.push(p);
  }
  return out;
}

test('public captures: no false alarm, valid documents', { skip: !existsSync(ROOT) && 'public captures absent' }, async () => {
  const files = captures(ROOT);
  const verdicts: Record<string, number> = {};
  for (const f of files) {
    let doc;
    try {
      doc = await analyze(f);
    } catch (e) {
      assert.ok(e instanceof InputError, `${f}: ${(e as Error).stack}`);
      continue;
    }
    verdicts[doc.verdict] = (verdicts[doc.verdict] ?? 0) + 1;
    assert.ok(!['misconfigured', 'at-risk'].includes(doc.verdict), `${f}: ${doc.verdict} (${doc.summary})`);
    assert.deepEqual(schemaErrors(doc), [], f);
  }
  process.stdout.write(`# public captures: ${files.length} files, verdicts ${JSON.stringify(verdicts)}\n`);
});
