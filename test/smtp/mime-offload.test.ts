// The MIME worker (messages in shared slots) and inline parsing give the same sessions, hashes and facts.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testTempDir } from '../tmp.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const GEN = new URL('../../bench/gen.js', import.meta.url).href;

describe('MIME offload', () => {
  it('sessions --format json is the same with the worker and with SPLICE_DOCTOR_MIME_INLINE=1', () => {
    // 8 MiB of the benchmark's traffic: 200 interleaved sessions whose messages (up to ~600 KB) go to the worker.
    const dir = testTempDir('splice-doctor-offload-');
    const env: NodeJS.ProcessEnv = { ...process.env, SPLICE_DOCTOR_BENCH_DIR: dir, SPLICE_DOCTOR_BENCH_BYTES: String(8 * 1024 * 1024) };
    delete env.SPLICE_DOCTOR_MIME_INLINE;
    const file = execFileSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(GEN)}).then((m) => process.stdout.write(m.ensureBenchCapture()))`], { env, encoding: 'utf8' });
    const run = (inline: boolean): string =>
      execFileSync(process.execPath, [CLI, 'sessions', file, '--format', 'json'], {
        env: inline ? { ...env, SPLICE_DOCTOR_MIME_INLINE: '1' } : env,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
    const viaWorker = run(false);
    const inline = run(true);
    const doc = JSON.parse(viaWorker) as { sessions: Array<{ transactions: Array<{ bodySha256?: string; bodyBytes: number; attachments: unknown[] }> }> };
    const txs = doc.sessions.flatMap((s) => s.transactions);
    assert.ok(txs.filter((t) => t.bodyBytes >= 16 * 1024).length >= 100, 'large messages reach the worker');
    assert.ok(txs.filter((t) => t.bodyBytes > 0).every((t) => typeof t.bodySha256 === 'string' && t.attachments.length === 1));
    assert.equal(viaWorker, inline);
  });
});
