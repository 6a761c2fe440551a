// triage with the real analysis: every entry equals what analyze() says for the same capture; public corpus runs clean.
// Skips when the analysis module or the scenario fixtures are absent.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { triage } from '../../src/commands/triage.js';
import { Sink, put, tempDir, zipBytes } from './helpers.js';

const ANALYZE = new URL('../../src/commands/analyze.js', import.meta.url);
const SCENARIOS = fileURLToPath(new URL('../../../fixtures/scenarios/', import.meta.url));
const PUBLIC = fileURLToPath(new URL('../../../../shared/captures/public/', import.meta.url));
const haveAnalyze = existsSync(fileURLToPath(ANALYZE));
const haveScenarios = existsSync(SCENARIOS);

function strip(r: Record<string, unknown>): Record<string, unknown> {
  const { path: _p, ticket: _t, size: _s, mtimeMs: _m, ...doc } = r;
  return doc;
}

describe('triage with the real analysis', { skip: !haveAnalyze || !haveScenarios ? 'analysis or fixtures/scenarios absent' : false }, () => {
  it('gives the same document as analyze() for every scenario capture, in input order, and reads zip members', async () => {
    const mod = (await import(ANALYZE.href)) as {
      analyze: (p: string, o: object) => Promise<Record<string, unknown>>;
    };
    const files = readdirSync(SCENARIOS).filter((f) => !f.endsWith('.json')).sort().slice(0, 24);
    const root = tempDir();
    files.forEach((f, i) => {
      const dir = join(root, `T${1000 + (i % 6)}`);
      put(dir, '.keep', '');
      copyFileSync(join(SCENARIOS, f), join(dir, f));
    });
    put(root, 'T2000/notes.txt', 'not a capture\n');
    put(root, 'T2000/empty.pcap', '');
    const gz = readdirSync(SCENARIOS).find((f) => f.endsWith('.gz'));
    const zipped = [...files.slice(0, 2), ...(gz ? [gz] : [files[2]])].sort();
    put(root, 'T3000.zip', zipBytes(zipped.map((f) => ({ name: `att/${f}`, data: readFileSync(join(SCENARIOS, f)), deflate: true }))));
    const sink = new Sink();
    const r = await triage([root], { jobs: 2, format: 'ndjson', quiet: true, handleSigint: false, stdout: sink as unknown as NodeJS.WritableStream });
    const lines = sink.lines();
    assert.equal(lines.length, files.length + 2 + zipped.length);
    const plain = lines.filter((l) => !String(l.path).includes('.zip!/') && !String(l.path).includes('T2000'));
    assert.equal(plain.length, files.length);
    for (const l of plain) {
      const expected = await mod.analyze(String(l.path), {});
      assert.deepEqual(strip(l), JSON.parse(JSON.stringify(expected)), String(l.path));
    }
    const junk = lines.filter((l) => String(l.path).includes('T2000'));
    assert.ok(junk.every((l) => l.error && typeof (l.error as { message: unknown }).message === 'string'));
    const members = lines.filter((l) => String(l.path).includes('.zip!/'));
    assert.deepEqual(members.map((l) => l.ticket), ['T3000', 'T3000', 'T3000']);
    for (const l of members) {
      // A member must read exactly like the same capture as a file: only where it came from differs.
      const original = String(l.path).split('!/att/')[1];
      const expected = JSON.parse(JSON.stringify(await mod.analyze(join(SCENARIOS, original), {}))) as Record<string, unknown>;
      const got = strip(l);
      assert.equal((got.capture as { path: string }).path, l.path);
      (got.capture as { path: string }).path = (expected.capture as { path: string }).path;
      assert.deepEqual(got, expected, String(l.path));
    }
    assert.equal(r.exitCode, 2);
    assert.equal(r.rows.length, lines.length);
  });

  it('rejects a malformed --fortigate once, as a usage error, before any output', async () => {
    const root = tempDir();
    copyFileSync(join(SCENARIOS, readdirSync(SCENARIOS).filter((f) => f.endsWith('.pcap'))[0]), join(root, 'a.pcap'));
    const sink = new Sink();
    await assert.rejects(
      triage([root], { jobs: 1, format: 'ndjson', quiet: true, handleSigint: false, stdout: sink as unknown as NodeJS.WritableStream, analyzeOptions: { fortigate: 'not-an-ip' } }),
      (e: Error) => e.name === 'UsageError' && /--fortigate/.test(e.message),
    );
    assert.equal(sink.text, '');
  });

  it('runs over the public corpus with one entry per file and no crash', { skip: !existsSync(PUBLIC) ? 'public corpus absent' : false }, async () => {
    const sink = new Sink();
    const r = await triage([PUBLIC], { jobs: 2, format: 'ndjson', quiet: true, handleSigint: false, stdout: sink as unknown as NodeJS.WritableStream });
    const lines = sink.lines();
    assert.ok(lines.length >= 60, `${lines.length} entries`);
    assert.equal(lines.length, r.rows.length);
    const bugs = lines.filter((l) => /internal error|crashed/.test(String((l.error as { message?: string } | undefined)?.message ?? '')));
    assert.deepEqual(bugs.map((l) => l.path), []);
    const smtp = lines.filter((l) => typeof l.verdict === 'string' && l.verdict !== 'no-smtp');
    assert.ok(smtp.length >= 30, `${smtp.length} SMTP captures with a verdict`);
  });
});
