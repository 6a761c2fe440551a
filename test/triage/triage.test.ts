// triage: ordering under parallelism, error entries, zip members, tickets, resume, shards, exit codes.

import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { triage, triageOptionsFromArgs, parseSize } from '../../src/commands/triage.js';
import { renderTriageTable } from '../../src/report/triage-table.js';
import { loadResume } from '../../src/triage/resume.js';
import { worseExit } from '../../src/triage/exit.js';
import { expandInputs, inShard, parseShard } from '../../src/triage/source.js';
import { FAKE_ANALYZER, Sink, pcapBytes, put, tempDir, zipBytes } from './helpers.js';

const base = { analyzerModule: FAKE_ANALYZER, quiet: true, handleSigint: false } as const;

/** Mixed ticket folder: good captures, junk, damaged, a zip attachment, a too-large file. */
function mixedCorpus(): string {
  const root = tempDir();
  const t = join(root, 'tickets');
  put(t, '1001/a.pcap', pcapBytes(1)); // misconfigured
  put(t, '1001/b.pcap', pcapBytes(0)); // healthy
  put(t, '1002/c.pcap', pcapBytes(2)); // at-risk
  put(t, '1002/notes.txt', 'customer says mail is quarantined\n');
  put(t, '1002/empty.pcap', '');
  const cut = pcapBytes(3);
  put(t, '1003/cut.pcap', cut.subarray(0, cut.length - 5)); // damaged mid-record: document with capture.error
  put(t, '1003/hdr.pcap', cut.subarray(0, 10)); // header cut: error entry
  put(t, '1003/.hidden.pcap', pcapBytes(1));
  put(t, '1004.zip', zipBytes([
    { name: 'cap1.pcap', data: pcapBytes(1) },
    { name: 'sub/', data: new Uint8Array(0) },
    { name: 'sub/cap2.pcap', data: pcapBytes(4), deflate: true }, // no-smtp
    { name: 'cap3.pcap.gz', data: gzipSync(pcapBytes(3)), deflate: true }, // inconclusive
    { name: 'readme.txt', data: Buffer.from('hello'), deflate: true },
    { name: 'inner.zip', data: zipBytes([{ name: 'x.pcap', data: pcapBytes(1) }]) },
    { name: 'secret.pcap', data: pcapBytes(1), encrypted: true },
    { name: 'short.pcap', data: pcapBytes(2), deflate: true, claimSize: 5000 },
  ]));
  put(t, '1005/big.pcap', pcapBytes(200));
  put(t, '1005/BUGGY.pcap', 'BUGGY bytes');
  put(t, '1005/crash.pcap', 'CRASH now');
  put(t, '1005/z.pcap', pcapBytes(5)); // healthy, after the crash: the run goes on
  put(t, 'broken.zip', 'PK not really a zip');
  return t;
}

async function run(inputs: string[], opts: Record<string, unknown> = {}): Promise<{ sink: Sink; result: Awaited<ReturnType<typeof triage>> }> {
  const sink = new Sink();
  const result = await triage(inputs, { ...base, format: 'ndjson', maxSize: 10_000, stdout: sink as unknown as NodeJS.WritableStream, ...opts });
  return { sink, result };
}

describe('triage', () => {
  it('gives one entry per capture, with errors for junk, damaged, too large and crashing inputs', async () => {
    const t = mixedCorpus();
    const { sink, result } = await run([t], { jobs: 2 });
    const lines = sink.lines();
    const byPath = new Map(lines.map((l) => [String(l.path).slice(t.length + 1), l]));
    assert.deepEqual([...byPath.keys()], [
      '1001/a.pcap', '1001/b.pcap',
      '1002/c.pcap', '1002/empty.pcap', '1002/notes.txt',
      '1003/cut.pcap', '1003/hdr.pcap',
      '1004.zip!/cap1.pcap', '1004.zip!/cap3.pcap.gz', '1004.zip!/inner.zip', '1004.zip!/readme.txt', '1004.zip!/secret.pcap', '1004.zip!/short.pcap',
      '1004.zip!/sub/cap2.pcap',
      '1005/BUGGY.pcap', '1005/big.pcap', '1005/crash.pcap', '1005/z.pcap',
      'broken.zip',
    ]);
    const v = (p: string): unknown => byPath.get(p)?.verdict;
    const err = (p: string): string => String((byPath.get(p)?.error as { message?: string } | undefined)?.message ?? '');
    assert.equal(v('1001/a.pcap'), 'misconfigured');
    assert.equal(v('1001/b.pcap'), 'healthy');
    assert.equal(v('1002/c.pcap'), 'at-risk');
    assert.equal(err('1002/empty.pcap'), 'empty file');
    assert.match(err('1002/notes.txt'), /not a capture/);
    assert.equal(v('1003/cut.pcap'), 'at-risk'); // two whole packets before the damage
    assert.equal(byPath.get('1003/cut.pcap')?.exitCode, 2);
    assert.deepEqual((byPath.get('1003/cut.pcap')?.capture as { error: unknown }).error, { message: 'record runs past the end of the file', offset: 24 + 2 * 70, unit: 'byte' });
    assert.match(err('1003/hdr.pcap'), /header cut short/);
    assert.equal((byPath.get('1003/hdr.pcap')?.error as { offset?: number }).offset, 10);
    assert.equal(v('1004.zip!/cap1.pcap'), 'misconfigured');
    assert.equal(v('1004.zip!/sub/cap2.pcap'), 'no-smtp');
    assert.equal(v('1004.zip!/cap3.pcap.gz'), 'inconclusive');
    assert.match(err('1004.zip!/readme.txt'), /not a capture/);
    assert.match(err('1004.zip!/inner.zip'), /zip inside a zip/);
    assert.match(err('1004.zip!/secret.pcap'), /encrypted/);
    assert.match(err('1004.zip!/short.pcap'), /^damaged zip member: /);
    assert.match(err('1005/big.pcap'), /larger than --max-size/);
    assert.match(err('1005/BUGGY.pcap'), /internal error.*simulated bug/);
    assert.match(err('1005/crash.pcap'), /crashed/);
    assert.equal(v('1005/z.pcap'), 'healthy');
    assert.match(err('broken.zip'), /not a readable zip/);
    // every line stands alone with path, ticket, size and mtime
    for (const l of lines) {
      assert.equal(typeof l.path, 'string');
      assert.ok('ticket' in l && 'size' in l && 'mtimeMs' in l);
    }
    assert.equal(byPath.get('1004.zip!/sub/cap2.pcap')?.ticket, '1004');
    assert.equal(byPath.get('1001/a.pcap')?.ticket, '1001');
    assert.equal(byPath.get('broken.zip')?.ticket, 'tickets');
    assert.equal(result.exitCode, 2);
    assert.equal(result.counts.error, 11);
    assert.equal(result.counts.misconfigured, 2);
    assert.equal(result.rows.length, 19);
  });

  it('keeps input order whatever the scheduling (jobs 4, random delays) and matches jobs 1', async () => {
    const root = tempDir();
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const rel = `t${String(i % 7).padStart(2, '0')}/c${String(i).padStart(3, '0')}.pcap`;
      put(root, rel, pcapBytes(i % 11));
    }
    for (let d = 0; d < 7; d++) for (let i = 0; i < 60; i++) if (i % 7 === d) expected.push(join(root, `t${String(d).padStart(2, '0')}/c${String(i).padStart(3, '0')}.pcap`));
    const seen: number[] = [];
    const a = await run([root], { jobs: 4, analyzeOptions: { maxDelayMs: 15 }, onEntry: (e: { source: { index: number } }) => seen.push(e.source.index) });
    assert.deepEqual(a.sink.lines().map((l) => l.path), expected);
    assert.deepEqual(seen, expected.map((_, i) => i));
    const b = await run([root], { jobs: 1 });
    assert.equal(a.sink.text, b.sink.text);
  });

  it('names tickets by the first folder below the root, or by --ticket-pattern', async () => {
    const root = tempDir();
    put(root, 'tickets/12345/capture.pcap', pcapBytes(0));
    put(root, 'tickets/12345/deeper/x.pcap', pcapBytes(0));
    put(root, 'tickets/loose.pcap', pcapBytes(0));
    put(root, 'tickets/777.zip', zipBytes([{ name: 'in.pcap', data: pcapBytes(0) }]));
    const list = await expandInputs([join(root, 'tickets'), join(root, 'tickets/12345/capture.pcap')]);
    assert.deepEqual(list.map((s) => s.ticket), ['12345', '12345', '777', 'tickets', '12345']);
    const pat = await expandInputs([join(root, 'tickets')], { ticketPattern: /tickets\/(\d+)/ });
    assert.deepEqual(pat.map((s) => s.ticket), ['12345', '12345', '777', null]);
    const stdin = Readable.from([`${join(root, 'tickets/12345/capture.pcap')}\n${join(root, 'tickets/777.zip')}\n\n`]);
    const viaStdin = await expandInputs(['-'], { stdin });
    assert.deepEqual(viaStdin.map((s) => [s.path.slice(root.length), s.ticket]), [
      ['/tickets/12345/capture.pcap', '12345'],
      ['/tickets/777.zip!/in.pcap', '777'],
    ]);
    const missing = await expandInputs([join(root, 'nope.pcap')]);
    assert.equal(missing[0].error?.message, 'no such file or folder');
  });

  it('resumes an interrupted run to the same entries as an uninterrupted one', async () => {
    const t = mixedCorpus();
    const full = await run([t], { jobs: 2 });
    const dir = tempDir();
    const file = join(dir, 'out.ndjson');
    const ac = new AbortController();
    let n = 0;
    // one worker, so that at most one capture is in flight when the abort comes
    const first = await run([t], {
      jobs: 1,
      resume: file,
      signal: ac.signal,
      onEntry: () => {
        if (++n === 6) ac.abort();
      },
    });
    assert.equal(first.result.interrupted, true);
    const partial = readFileSync(file, 'utf8');
    assert.ok(partial.endsWith('\n'));
    const kept = partial.split('\n').filter((l) => l).length;
    assert.ok(kept >= 6 && kept < 19, `kept ${kept}`);
    assert.equal(first.sink.text, '');
    // a write cut by a crash: the partial line is dropped on resume
    appendFileSync(file, '{"path":"half-writ');
    const second = await run([t], { jobs: 3, resume: file });
    assert.equal(second.result.skipped, kept);
    assert.equal(second.result.interrupted, false);
    assert.equal(readFileSync(file, 'utf8'), full.sink.text);
    assert.equal(second.result.exitCode, full.result.exitCode);
    assert.deepEqual(second.result.counts, full.result.counts);
    // nothing left to do: a third run appends nothing
    const third = await run([t], { resume: file });
    assert.equal(third.result.skipped, 19);
    assert.equal(readFileSync(file, 'utf8'), full.sink.text);
  });

  it('splits the input into shards whose union is the unsharded output', async () => {
    const t = mixedCorpus();
    const full = await run([t], { jobs: 2 });
    const fullLines = full.sink.text.split('\n').filter((l) => l);
    const union: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const s = await run([t], { jobs: 2, shard: `${k}/3` });
      const lines = s.sink.text.split('\n').filter((l) => l);
      assert.ok(lines.length < fullLines.length);
      union.push(...lines);
    }
    assert.equal(union.length, fullLines.length);
    assert.deepEqual([...union].sort(), [...fullLines].sort());
    // order within a shard is the input order
    const s1 = (await run([t], { shard: '1/3' })).sink.text.split('\n').filter((l) => l);
    assert.deepEqual(s1, fullLines.filter((l) => s1.includes(l)));
    assert.deepEqual(parseShard('2/4'), { k: 2, n: 4 });
    assert.equal(parseShard('0/4'), null);
    assert.equal(parseShard('5/4'), null);
    assert.equal(inShard('a/b.pcap', { k: 1, n: 1 }), true);
  });

  it('aggregates exit codes: error > finding > inconclusive > clean', async () => {
    assert.equal(worseExit(0, 3), 3);
    assert.equal(worseExit(3, 1), 1);
    assert.equal(worseExit(1, 3), 1);
    assert.equal(worseExit(1, 2), 2);
    assert.equal(worseExit(2, 0), 2);
    const root = tempDir();
    put(root, 'a/healthy.pcap', pcapBytes(0));
    put(root, 'a/nosmtp.pcap', pcapBytes(4));
    assert.equal((await run([root])).result.exitCode, 0);
    put(root, 'b/inconclusive.pcap', pcapBytes(3));
    assert.equal((await run([root])).result.exitCode, 3);
    put(root, 'c/misconfigured.pcap', pcapBytes(1));
    assert.equal((await run([root])).result.exitCode, 1);
    put(root, 'd/junk.pcap', 'junk');
    assert.equal((await run([root])).result.exitCode, 2);
  });

  it('writes a JSON array, and a summary table grouped by ticket', async () => {
    const t = mixedCorpus();
    const json = await run([t], { format: 'json', jobs: 2 });
    const arr = JSON.parse(json.sink.text) as unknown[];
    assert.equal(arr.length, 19);
    const out = join(tempDir(), 'out.json');
    await run([t], { format: 'json', output: out });
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), arr);
    const table = await run([t], { format: 'table', jobs: 2 });
    assert.match(table.sink.text, /misconfigured\s*│\s*2/);
    assert.match(table.sink.text, /1004\s*│.*1004\.zip!\/cap1\.pcap/);
    assert.match(table.sink.text, /Splice abort reached the host AV/);
    assert.equal(table.sink.text, renderTriageTable({ ...table.result, rows: table.result.rows.map((r) => ({ ...r })) }));
    const empty = await run([tempDir()], { format: 'json' });
    assert.deepEqual(JSON.parse(empty.sink.text), []);
  });

  it('reads its CLI options and rejects bad ones', () => {
    assert.deepEqual(triageOptionsFromArgs({ jobs: 3, 'max-size': '2MiB', format: 'ndjson', shard: '1/2', quiet: true }), {
      jobs: 3, maxSize: 2 * 1024 * 1024, format: 'ndjson', shard: '1/2', quiet: true,
    });
    assert.equal(parseSize('500M'), 500_000_000);
    assert.throws(() => triageOptionsFromArgs({ shard: '3/2' }), /--shard/);
    assert.throws(() => triageOptionsFromArgs({ 'ticket-pattern': '(' }), /--ticket-pattern/);
    assert.throws(() => triageOptionsFromArgs({ jobs: 0 }), /--jobs/);
    assert.throws(() => triageOptionsFromArgs({ resume: 'a', output: 'b' }), /--resume/);
    assert.throws(() => triageOptionsFromArgs({ 'max-size': 'lots' }), /--max-size/);
  });

  it('drops a cut-off last line of a resume file and keeps complete ones', () => {
    const file = join(tempDir(), 'r.ndjson');
    writeFileSync(file, '{"path":"a","size":1,"mtimeMs":2,"verdict":"healthy","exitCode":0}\n{"path":"b","size":1,"mtimeMs":2,"error":{"message":"x"}}\n{"path":"c"');
    const st = loadResume(file);
    assert.equal(st.records, 2);
    assert.deepEqual(st.counts, { healthy: 1, error: 1 });
    assert.equal(st.exitCode, 2);
    assert.equal(st.droppedBytes, 11);
    assert.ok(readFileSync(file, 'utf8').endsWith('"x"}}\n'));
  });
});

describe('triage under Ctrl-C', () => {
  it('stops scheduling on SIGINT, leaves a valid NDJSON file, and --resume completes it', async () => {
    const { spawn } = await import('node:child_process');
    const { existsSync, statSync } = await import('node:fs');
    const root = tempDir();
    for (let i = 0; i < 80; i++) put(root, `t${i % 4}/c${String(i).padStart(2, '0')}.pcap`, pcapBytes(i % 9));
    const file = join(tempDir(), 'run.ndjson');
    const child = spawn(process.execPath, [new URL('./sigint-child.js', import.meta.url).pathname, root, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    // wait for a few records, then interrupt
    const t0 = Date.now();
    while (!(existsSync(file) && statSync(file).size > 600) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0, err);
    const summary = JSON.parse(out) as { interrupted: boolean; rows: number };
    assert.equal(summary.interrupted, true);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.endsWith('\n'));
    const lines = text.split('\n').filter((l) => l);
    lines.forEach((l) => JSON.parse(l));
    assert.ok(lines.length < 80 && lines.length === summary.rows, `${lines.length} lines, ${summary.rows} rows`);
    const rest = await run([root], { resume: file, jobs: 2 });
    assert.equal(rest.result.skipped, lines.length);
    const full = await run([root], { jobs: 2 });
    assert.equal(readFileSync(file, 'utf8'), full.sink.text);
  });
});

describe('triage progress', () => {
  it('draws a progress line only on a terminal, and not with --quiet', async () => {
    const root = tempDir();
    for (let i = 0; i < 5; i++) put(root, `t/c${i}.pcap`, pcapBytes(i));
    const tty = Object.assign(new Sink(), { isTTY: true, columns: 200 });
    await run([root], { quiet: false, stderr: tty as unknown as NodeJS.WritableStream });
    assert.match(tty.text, /\r\x1b\[Ktriage \d+\/5 [\d.]+ MB\/s/);
    assert.match(tty.text, /healthy 1/);
    const pipe = new Sink();
    await run([root], { quiet: false, stderr: pipe as unknown as NodeJS.WritableStream });
    assert.equal(pipe.text, '');
    const quiet = Object.assign(new Sink(), { isTTY: true });
    await run([root], { quiet: true, stderr: quiet as unknown as NodeJS.WritableStream });
    assert.equal(quiet.text, '');
  });
});

describe('triage worker crashes', () => {
  it('reports the crashing capture, replaces the worker and still analyses the captures queued behind it', async () => {
    const root = tempDir();
    put(root, 't/a-crash.pcap', 'CRASH');
    put(root, 't/b.pcap', pcapBytes(0));
    put(root, 't/c-crash.pcap', 'CRASH');
    put(root, 't/d.pcap', pcapBytes(1));
    put(root, 't/e.pcap', pcapBytes(2));
    for (const jobs of [1, 2]) {
      const { sink, result } = await run([root], { jobs });
      const lines = sink.lines();
      assert.deepEqual(lines.map((l) => l.verdict ?? 'error'), ['error', 'healthy', 'error', 'misconfigured', 'at-risk']);
      assert.match(String((lines[0].error as { message: string }).message), /analysis crashed.*simulated crash/);
      assert.equal(result.exitCode, 2);
    }
  });

  it('never blames the capture finished just before a crash', async () => {
    const root = tempDir();
    for (let i = 0; i < 12; i++) {
      put(root, `t/${String(i).padStart(2, '0')}-a.pcap`, pcapBytes(0));
      put(root, `t/${String(i).padStart(2, '0')}-b.pcap`, 'CRASH');
    }
    const { sink } = await run([root], { jobs: 1 });
    const lines = sink.lines();
    assert.equal(lines.length, 24);
    lines.forEach((l, i) => assert.equal(l.verdict ?? 'error', i % 2 ? 'error' : 'healthy', String(l.path)));
  });
});

describe('triage output', () => {
  it('stops quietly when the reader of stdout goes away (EPIPE)', async () => {
    const { EventEmitter } = await import('node:events');
    const root = tempDir();
    for (let i = 0; i < 30; i++) put(root, `t/c${String(i).padStart(2, '0')}.pcap`, pcapBytes(i));
    let writes = 0;
    const pipe = Object.assign(new EventEmitter(), {
      write(): boolean {
        if (++writes === 3) setImmediate(() => pipe.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
        return true;
      },
    });
    const r = await triage([root], { ...base, format: 'ndjson', jobs: 2, analyzeOptions: { maxDelayMs: 20 }, stdout: pipe as unknown as NodeJS.WritableStream });
    assert.equal(r.interrupted, true);
    assert.ok(r.rows.length < 30);
  });

  it('passes analyze options through and rejects bad ones once, up front', () => {
    assert.deepEqual(triageOptionsFromArgs({ fortigate: '10.0.0.1', 'host-av': '10.0.0.2:10025', fortios: '7.2' }).analyzeOptions, {
      fortigate: '10.0.0.1',
      hostAv: '10.0.0.2:10025',
      fortios: '7.2',
    });
  });
});

describe('triage setup failures', () => {
  it('fails once, before any output, when the analysis cannot be loaded', async () => {
    const root = tempDir();
    put(root, 't/a.pcap', pcapBytes(1));
    const out = join(tempDir(), 'keep.ndjson');
    writeFileSync(out, 'earlier results\n');
    await assert.rejects(
      triage([root], { ...base, analyzerModule: new URL('./no-such-module.js', import.meta.url).href, output: out, format: 'ndjson' }),
      /analysis cannot be loaded/,
    );
    assert.equal(readFileSync(out, 'utf8'), 'earlier results\n');
    await assert.rejects(triage([root], { ...base, output: join(root, 'no/such/dir/out.ndjson'), format: 'ndjson' }), /cannot write/);
  });

  it('does not triage its own output file when it lies in the folder being triaged', async () => {
    const root = tempDir();
    put(root, 't/a.pcap', pcapBytes(1));
    const file = join(root, 't/results.ndjson');
    await run([root], { resume: file });
    const again = await run([root], { resume: file });
    assert.equal(again.result.skipped, 1);
    assert.equal(again.result.total, 1);
    assert.equal(readFileSync(file, 'utf8').split('\n').filter((l) => l).length, 1);
  });
});
