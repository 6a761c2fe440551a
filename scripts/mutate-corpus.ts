// Mutation run over the public capture corpus: >= 10,000 mutated inputs through the CLI's pipeline and renderers
// (sessions, replay, analyze), each in a child process with a timeout, checking no crash, no hang and bounded RSS.
// Failing inputs are saved under /tmp.
//
//   node dist/scripts/mutate-corpus.js [--count 10000] [--seed 1] [--timeout 10000] [--rss-mb 1024] [--jobs 2]
//                                      [--corpus /work/shared/captures/public] [--out /tmp/splice-mutate-failures]

import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { diagnose } from '../src/analysis/analyze.js';
import { sniffFormat } from '../src/capture/read.js';
import { InputError } from '../src/capture/types.js';
import { replaySession } from '../src/commands/replay.js';
import { sessions } from '../src/commands/sessions.js';
import { renderAnalysisMarkdown } from '../src/report/analysis-markdown.js';
import { renderAnalysisText } from '../src/report/analysis-text.js';
import { replayHeader, replayLine } from '../src/report/replay-text.js';
import { renderSessionsText, sessionsJson } from '../src/report/sessions-text.js';
import { applyMutations, randomMutations, rng, type Mutation } from '../test/hardening/mutate.js';

interface Job {
  id: number;
  path: string;
  limits: { maxDecompressed: number; maxBuffer: number; maxConnections: number; maxLine: number; maxMessage: number };
}

interface JobResult {
  id: number;
  outcome: 'result' | 'damaged' | 'input-error' | 'crash' | 'unsafe-output';
  detail?: string;
  rss: number;
  ms: number;
}

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/** Child side: run each job the way `sessions` and `replay` do (pipeline, renderers), report the outcome. */
async function child(): Promise<void> {
  process.on('message', async (job: Job) => {
    const t0 = performance.now();
    let outcome: JobResult['outcome'] = 'result';
    let detail: string | undefined;
    try {
      const l = job.limits;
      const r = await sessions(job.path, {
        read: { maxDecompressedBytes: l.maxDecompressed },
        reassembly: { maxBufferedBytesPerDirection: l.maxBuffer, maxConnections: l.maxConnections },
        smtp: { maxLineBytes: l.maxLine, maxMessageBytes: l.maxMessage },
      });
      const texts = [renderSessionsText(r)];
      JSON.stringify(sessionsJson(r));
      for (const s of r.sessions) {
        const rs = replaySession(s);
        texts.push(replayHeader(rs));
        for (const line of rs.lines) texts.push(replayLine(rs, line));
      }
      // analyze: the diagnosis and its renderers.
      const doc = diagnose({ capture: r.capture, sessions: r.sessions });
      texts.push(renderAnalysisText(doc, { color: false }), renderAnalysisMarkdown(doc));
      JSON.stringify(doc);
      for (const t of texts) {
        const m = CONTROL.exec(t.replace(/\n/g, ''));
        if (m) {
          outcome = 'unsafe-output';
          detail = `raw U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} in text output`;
          break;
        }
      }
      if (outcome === 'result' && r.capture.error) {
        outcome = 'damaged';
        if (/[\r\n]/.test(r.capture.error.message)) {
          outcome = 'crash';
          detail = `multi-line capture error: ${r.capture.error.message}`;
        }
      }
    } catch (e) {
      if (e instanceof InputError && !/[\r\n]/.test(e.message)) outcome = 'input-error';
      else {
        outcome = 'crash';
        detail = (e as Error)?.stack ?? String(e);
      }
    }
    const res: JobResult = { id: job.id, outcome, detail, rss: process.resourceUsage().maxRSS * 1024, ms: performance.now() - t0 };
    process.send!(res);
  });
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}

function listCaptures(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size > 0) {
        const head = readFileSync(p).subarray(0, 16384);
        if (sniffFormat(head).kind !== 'unknown') out.push(p);
      }
    }
  };
  walk(dir);
  return out.sort();
}

async function parent(): Promise<void> {
  const count = Number(arg('count', '10000'));
  const seed = Number(arg('seed', '1'));
  const timeout = Number(arg('timeout', '10000'));
  const rssLimit = Number(arg('rss-mb', '1024')) * 1024 * 1024;
  const jobs = Math.max(1, Number(arg('jobs', '2')));
  const corpus = arg('corpus', '/work/shared/captures/public');
  const failDir = arg('out', '/tmp/splice-mutate-failures');
  let files: string[];
  try {
    files = listCaptures(corpus);
  } catch {
    process.stdout.write(`mutate-corpus: ${corpus} is absent; skipped\n`);
    return;
  }
  if (!files.length) {
    process.stdout.write(`mutate-corpus: no captures in ${corpus}; skipped\n`);
    return;
  }
  const originals = files.map((f) => readFileSync(f));
  const work = mkdtempSync(join(tmpdir(), 'splice-mutate-'));
  mkdirSync(failDir, { recursive: true });
  const next = rng(seed);
  const limits: Job['limits'] = { maxDecompressed: 64 * 1024 * 1024, maxBuffer: 1024 * 1024, maxConnections: 2000, maxLine: 64 * 1024, maxMessage: 2 * 1024 * 1024 };
  const totals: Record<string, number> = { result: 0, damaged: 0, 'input-error': 0, crash: 0, 'unsafe-output': 0, hang: 0, 'rss-over-limit': 0, 'child-died': 0 };
  const failures: string[] = [];
  let peakRss = 0;
  let slowest = { ms: 0, input: '' };
  let issued = 0;
  let done = 0;
  const t0 = performance.now();
  const self = fileURLToPath(import.meta.url);

  const save = (id: number, kind: string, meta: { file: string; mutations: Mutation[]; gzip: boolean }, bytes: Uint8Array, detail?: string): void => {
    const name = `${kind}-${id}-${basename(meta.file)}`;
    writeFileSync(join(failDir, `${name}.bin`), bytes);
    writeFileSync(join(failDir, `${name}.json`), JSON.stringify({ kind, seed, id, source: relative(corpus, meta.file), ...meta, file: undefined, detail }, null, 2));
    failures.push(`${kind} #${id} ${relative(corpus, meta.file)}${detail ? `: ${detail.split('\n')[0].slice(0, 160)}` : ''}`);
  };

  await new Promise<void>((resolveAll) => {
    const startWorker = (): void => {
      const c: ChildProcess = fork(self, ['--child'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [`--max-old-space-size=${Math.ceil((rssLimit * 2) / 1024 / 1024)}`] });
      let current: { id: number; path: string; bytes: Uint8Array; meta: { file: string; mutations: Mutation[]; gzip: boolean } } | null = null;
      let timer: NodeJS.Timeout | null = null;
      let stderr = '';
      c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      const finish = (): void => {
        if (timer) clearTimeout(timer);
        timer = null;
        if (current) rmSync(current.path, { force: true });
        current = null;
        done++;
        if (done % 1000 === 0) process.stdout.write(`  ${done}/${count} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      };
      const give = (): void => {
        if (issued >= count) {
          c.kill();
          if (done >= count) resolveAll();
          return;
        }
        const id = issued++;
        const i = Math.floor(next() * files.length);
        const mutations = randomMutations(next);
        const gz = next() < 0.1;
        let bytes = applyMutations(originals[i], mutations);
        if (gz) bytes = gzipSync(bytes);
        const path = join(work, `in-${id}.bin`);
        writeFileSync(path, bytes);
        current = { id, path, bytes, meta: { file: files[i], mutations, gzip: gz } };
        timer = setTimeout(() => {
          if (!current) return;
          totals.hang++;
          save(current.id, 'hang', current.meta, current.bytes, `no answer within ${timeout} ms`);
          current.bytes = new Uint8Array(0);
          c.removeAllListeners('exit');
          c.kill('SIGKILL');
          finish();
          startWorker();
        }, timeout);
        c.send({ id, path, limits } satisfies Job);
      };
      c.on('message', (r: JobResult) => {
        if (!current || r.id !== current.id) return;
        totals[r.outcome]++;
        peakRss = Math.max(peakRss, r.rss);
        if (r.ms > slowest.ms) slowest = { ms: r.ms, input: `#${r.id} ${relative(corpus, current.meta.file)}` };
        if (r.outcome === 'crash' || r.outcome === 'unsafe-output') save(r.id, r.outcome, current.meta, current.bytes, r.detail);
        if (r.rss > rssLimit) {
          totals['rss-over-limit']++;
          save(r.id, 'rss', current.meta, current.bytes, `child RSS peaked at ${(r.rss / 1048576).toFixed(0)} MiB`);
          // A fresh child, so that one big input does not mark every later one.
          finish();
          c.removeAllListeners('exit');
          c.kill();
          startWorker();
          return;
        }
        finish();
        give();
      });
      c.on('exit', (code, signal) => {
        if (!current) return;
        totals['child-died']++;
        save(current.id, 'died', current.meta, current.bytes, `child exited (${signal ?? code}): ${stderr.slice(-1000)}`);
        finish();
        startWorker();
      });
      give();
    };
    for (let j = 0; j < jobs; j++) startWorker();
  });
  rmSync(work, { recursive: true, force: true });
  const secs = (performance.now() - t0) / 1000;
  process.stdout.write(`mutate-corpus: ${done} mutated inputs from ${files.length} captures, seed ${seed}, ${secs.toFixed(0)} s (${(done / secs).toFixed(0)}/s)\n`);
  process.stdout.write(`  results ${totals.result}, damaged (capture error, result kept) ${totals.damaged}, InputError ${totals['input-error']}\n`);
  process.stdout.write(`  crashes ${totals.crash}, unsafe text ${totals['unsafe-output']}, hangs (> ${timeout} ms) ${totals.hang}, RSS over ${rssLimit / 1048576} MiB ${totals['rss-over-limit']}, child deaths ${totals['child-died']}\n`);
  process.stdout.write(`  peak child RSS ${(peakRss / 1048576).toFixed(0)} MiB, slowest input ${slowest.ms.toFixed(0)} ms (${slowest.input})\n`);
  if (failures.length) {
    process.stdout.write(`  failing inputs saved in ${failDir}:\n`);
    for (const f of failures.slice(0, 30)) process.stdout.write(`    ${f}\n`);
  }
  process.exitCode = failures.length ? 1 : 0;
}

if (process.argv.includes('--child')) await child();
else await parent();
