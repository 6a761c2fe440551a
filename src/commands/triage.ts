// `triage`: analyse many captures in a pool of worker threads and emit one entry per capture, in input order.

import { closeSync, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { renderTriageTable, triageRow } from '../report/triage-table.js';
import { triageJsonArray, triageNdjsonLine } from '../report/triage-ndjson.js';
import { TriageProgress } from '../report/triage-progress.js';
import { DEFAULT_ANALYZER } from '../triage/analyzer.js';
import { ERROR_EXIT_CODE, documentExitCode, worseExit } from '../triage/exit.js';
import { WorkerPool } from '../triage/pool.js';
import { loadResume, resumeKey, type ResumeState } from '../triage/resume.js';
import { expandInputs, inShard, parseShard } from '../triage/source.js';
import type { CaptureSource, TriageEntry, TriageFormat, TriageOptions, TriageResult, TriageRow, WorkerReply } from '../triage/types.js';
import { UsageError } from '../util/errors.js';

export type { TriageEntry, TriageOptions, TriageResult } from '../triage/types.js';

export const DEFAULT_MAX_SIZE = 1024 ** 3;

/** Option descriptions for the CLI wiring (yargs option shapes); `triageOptionsFromArgs` checks the values. */
export const triageOptions = {
  jobs: {
    type: 'number',
    alias: 'j',
    description: 'Worker threads analysing captures in parallel',
    defaultDescription: 'number of cores',
  },
  'max-size': {
    type: 'string',
    default: '1GiB',
    description: 'Captures larger than this become error entries (bytes, or with K, M, G, KiB, MiB, GiB)',
  },
  format: {
    type: 'string',
    choices: ['table', 'ndjson', 'json', 'html'],
    default: 'table',
    description: 'table: summary for people; ndjson: one analyze document per line plus path and ticket; json: one array; html: a summary page linking a report per capture (--output DIR)',
  },
  output: { type: 'string', alias: 'o', description: 'Write the output to this file (a folder for html) instead of stdout' },
  'ticket-pattern': {
    type: 'string',
    description: 'Regular expression matched against each path; its first group is the ticket id (default: first folder below the root)',
  },
  resume: {
    type: 'string',
    description: 'NDJSON file of an earlier run: skip captures it holds (same path, size and mtime) and append the rest to it',
  },
  shard: { type: 'string', description: 'K/N: process only the K-th (1..N) of N deterministic slices of the inputs' },
  quiet: { type: 'boolean', alias: 'q', default: false, description: 'No progress line on stderr' },
  fortigate: { type: 'string', description: "The FortiGate's IP address, for every capture" },
  'host-av': { type: 'string', description: 'The host AV proxy as IP or IP:PORT, for every capture' },
  'mail-server': { type: 'string', description: 'The mail server as IP or IP:PORT, for every capture' },
  fortios: { type: 'string', description: 'FortiOS version for the fix' },
  profile: { type: 'string', description: 'Protocol-options profile of the mail policy, for the fix' },
  'fortigate-config': { type: 'string', description: 'FortiGate configuration backup cross-checked with every capture' },
} as const;

/** analyze's options that apply to every capture of a batch (CLI flag -> AnalyzeOptions key). */
const ANALYZE_FLAGS: ReadonlyArray<[string, string]> = [
  ['fortigate', 'fortigate'],
  ['host-av', 'hostAv'],
  ['mail-server', 'mailServer'],
  ['fortios', 'fortios'],
  ['profile', 'profile'],
  ['fortigate-config', 'fortigateConfig'],
];

/** Turns parsed CLI values into TriageOptions; throws UsageError for values yargs cannot check. */
export function triageOptionsFromArgs(a: Record<string, unknown>): TriageOptions {
  const o: TriageOptions = {};
  if (a.jobs !== undefined) o.jobs = Number(a.jobs);
  if (a['max-size'] !== undefined) o.maxSize = parseSize(String(a['max-size']));
  if (a.format !== undefined) o.format = String(a.format) as TriageFormat;
  if (typeof a.output === 'string') o.output = a.output;
  if (typeof a['ticket-pattern'] === 'string') o.ticketPattern = a['ticket-pattern'];
  if (typeof a.resume === 'string') o.resume = a.resume;
  if (typeof a.shard === 'string') o.shard = a.shard;
  if (a.quiet !== undefined) o.quiet = Boolean(a.quiet);
  // What analyze accepts about the network and the fix is passed to every capture's analysis unchanged.
  const analyzeOptions: Record<string, unknown> = {};
  for (const [flag, key] of ANALYZE_FLAGS) if (typeof a[flag] === 'string') analyzeOptions[key] = a[flag];
  if (Object.keys(analyzeOptions).length) o.analyzeOptions = analyzeOptions;
  validate(o);
  return o;
}

/** `1048576`, `500M`, `2GiB`, `1.5g`: decimal (K, M, G) or binary (KiB, MiB, GiB) multiples. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|m|mb|g|gb|t|tb|kib|mib|gib|tib)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`--max-size: cannot read '${text}' as a size (e.g. 500M, 2GiB, 1048576)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult: Record<string, number> = {
    b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12,
    kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
  };
  return Math.floor(Number(m[1]) * mult[unit]);
}

function validate(o: TriageOptions): { shard: { k: number; n: number } | null; pattern: RegExp | undefined } {
  if (o.jobs !== undefined && !(Number.isInteger(o.jobs) && o.jobs >= 1 && o.jobs <= 256)) {
    throw new UsageError(`--jobs must be a whole number from 1 to 256, not ${o.jobs}`);
  }
  if (o.maxSize !== undefined && !(o.maxSize >= 0)) throw new UsageError(`--max-size must be a size, not ${o.maxSize}`);
  if (o.format !== undefined && !['table', 'ndjson', 'json'].includes(o.format)) {
    throw new UsageError(`--format must be table, ndjson or json, not ${o.format}`);
  }
  let shard: { k: number; n: number } | null = null;
  if (o.shard !== undefined) {
    shard = parseShard(o.shard);
    if (!shard) throw new UsageError(`--shard must be K/N with 1 <= K <= N (e.g. 1/4), not '${o.shard}'`);
  }
  let pattern: RegExp | undefined;
  if (o.ticketPattern !== undefined) {
    try {
      pattern = new RegExp(o.ticketPattern);
    } catch (e) {
      throw new UsageError(`--ticket-pattern: ${(e as Error).message}`);
    }
  }
  if (o.resume !== undefined) {
    if (o.output !== undefined) throw new UsageError('--resume FILE already names the output file; drop --output');
    if (o.format === 'json') throw new UsageError('--resume appends NDJSON; it cannot be combined with --format json');
  }
  return { shard, pattern };
}

/** Output target: a file descriptor (one writeSync per record) or a stream (one write per record). */
class Out {
  /** Set when the reader went away (EPIPE: `triage ... | head`); later writes are dropped. */
  broken = false;
  private constructor(
    private readonly fd: number | null,
    private readonly stream: NodeJS.WritableStream | null,
  ) {}
  static file(path: string, append: boolean): Out {
    try {
      return new Out(openSync(path, append ? 'a' : 'w'), null);
    } catch (e) {
      throw new UsageError(`cannot write ${path}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  /** `onBroken` runs once when the stream's reader has gone away. */
  static stream(s: NodeJS.WritableStream, onBroken: () => void): Out {
    const out = new Out(null, s);
    pipeGuard(s).current = () => {
      if (!out.broken) {
        out.broken = true;
        onBroken();
      }
    };
    return out;
  }
  write(s: string): void {
    if (this.broken) return;
    if (this.fd !== null) writeSync(this.fd, s);
    else this.stream!.write(s);
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    else pipeGuard(this.stream!).current = null;
  }
}

/**
 * One 'error' listener per output stream, installed once (repeated runs on process.stdout do not pile up
 * listeners): EPIPE goes to the run writing to it, or is swallowed after it (a late flush); anything else throws.
 */
const guards = new WeakMap<object, { current: (() => void) | null }>();
function pipeGuard(s: NodeJS.WritableStream): { current: (() => void) | null } {
  let g = guards.get(s);
  if (!g) {
    const guard: { current: (() => void) | null } = { current: null };
    g = guard;
    guards.set(s, guard);
    const emitter = s as NodeJS.WritableStream & { listenerCount?: (n: string) => number };
    emitter.on?.('error', (e: NodeJS.ErrnoException) => {
      if (e?.code === 'EPIPE') guard.current?.();
      // Other errors belong to whoever else listens; with nobody else, fail as Node would without us.
      else if ((emitter.listenerCount?.('error') ?? 1) <= 1) throw e;
    });
  }
  return g;
}

/**
 * Runs the triage. Writes the chosen format (to `output`, the `--resume` file, or `stdout`) as entries
 * complete, in input order, and returns the data. Never calls process.exit; a bad capture is an entry,
 * a bad option is a UsageError. With `handleSigint` (default), the first Ctrl-C stops scheduling and lets
 * captures in flight finish, a second one abandons them; either way the output stays well-formed.
 */
export async function triage(inputs: readonly string[], opts: TriageOptions = {}): Promise<TriageResult> {
  const t0 = Date.now();
  if (!inputs.length) throw new UsageError('triage needs at least one file, folder, zip or - (paths on stdin)');
  const { shard, pattern } = validate(opts);
  const jobs = opts.jobs ?? Math.max(1, availableParallelism());
  const maxSize = opts.maxSize ?? DEFAULT_MAX_SIZE;
  const format: TriageFormat = opts.format ?? 'table';

  // 1. The work list: expanded, sharded, minus what a resumed file already holds.
  let sources = await expandInputs(inputs, { ticketPattern: pattern, stdin: opts.stdin });
  // The run's own output, when it lies inside a folder being triaged, is not a capture of it.
  const own = new Set([opts.output, opts.resume].filter((p): p is string => !!p).map((p) => resolve(p)));
  if (own.size) sources = sources.filter((s) => !(s.location.kind === 'file' && own.has(resolve(s.location.file))));
  if (shard) sources = sources.filter((s) => inShard(s.path, shard));
  let resumed: ResumeState | null = null;
  let skipped = 0;
  if (opts.resume) {
    try {
      resumed = loadResume(opts.resume);
    } catch (e) {
      throw new UsageError(`--resume ${opts.resume}: ${(e as Error).message.split('\n')[0]}`);
    }
    const before = sources.length;
    sources = sources.filter((s) => !resumed!.done.has(resumeKey(s.path, s.size, s.mtimeMs)));
    skipped = before - sources.length;
  }
  const total = sources.length;
  sources = sources.map((s, index) => ({ ...s, index }));

  const needWorker = (s: CaptureSource): boolean => !s.error && !((s.size ?? 0) > maxSize);
  const poolSize = Math.min(jobs, sources.filter(needWorker).length);
  const analyzerModule = opts.analyzerModule ?? DEFAULT_ANALYZER;
  const pool = poolSize > 0 ? new WorkerPool(poolSize, { analyzerModule, analyzeOptions: opts.analyzeOptions ?? {} }) : null;
  // A broken installation is one clear failure before any output, not one error entry per capture.
  try {
    await pool?.ready();
  } catch (e) {
    await pool?.close();
    throw e;
  }

  // 2. Where records go. Nobody left reading stdout (EPIPE) is like a second Ctrl-C: stop at once.
  const broken = (): void => {
    stop();
    stop();
  };
  const stdout = opts.stdout ?? process.stdout;
  let records: Out | null = null; // ndjson / json stream
  let table: Out | null = null;
  try {
    if (opts.resume) {
      records = Out.file(opts.resume, true);
      if (format === 'table') table = Out.stream(stdout, () => broken());
    } else {
      const target = opts.output ? Out.file(opts.output, false) : Out.stream(stdout, () => broken());
      if (format === 'table') table = target;
      else records = target;
    }
  } catch (e) {
    await pool?.close();
    throw e;
  }
  const json = format === 'json' && !opts.resume;
  if (json) records!.write(triageJsonArray.open);

  // 3. Progress.
  const stderr = opts.stderr ?? process.stderr;
  const progress = !opts.quiet && (stderr as { isTTY?: boolean }).isTTY ? new TriageProgress(stderr) : null;
  const bytesTotal = sources.reduce((a, s) => a + (s.size ?? 0), 0);
  const runCounts: Record<string, number> = {};
  let bytesDone = 0;
  let note: string | undefined;
  const showProgress = (force = false): void =>
    progress?.update({ done: rows.length, total, bytesDone, bytesTotal, counts: runCounts, note }, force);

  // 4. Schedule, reorder, emit.
  const rows: TriageRow[] = [];
  let exitCode = resumed ? resumed.exitCode : 0;
  let first = true;
  const emit = (e: TriageEntry): void => {
    if (records) {
      if (json) records.write(triageJsonArray.element(e, first));
      else records.write(triageNdjsonLine(e));
    }
    first = false;
    const row = triageRow(e);
    rows.push(row);
    runCounts[row.verdict] = (runCounts[row.verdict] ?? 0) + 1;
    bytesDone += e.source.size ?? 0;
    exitCode = worseExit(exitCode, e.exitCode);
    opts.onEntry?.(e);
    showProgress();
  };

  // Results may run ahead of the oldest unfinished capture by this many entries; it bounds memory.
  const window = Math.max(64, jobs * 32);

  let interrupted = false;
  let stopping = false;
  let abandon: (() => void) | null = null;
  const stop = (): void => {
    if (!stopping) {
      stopping = true;
      interrupted = true;
      note = 'interrupted: finishing captures in flight (Ctrl-C again to abandon them)';
      showProgress(true);
      wake?.();
    } else abandon?.();
  };
  let wake: (() => void) | null = null;
  const onSigint = (): void => stop();
  if (opts.handleSigint !== false) process.on('SIGINT', onSigint);
  const onAbort = (): void => stop();
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', onAbort);

  try {
    await new Promise<void>((resolve) => {
      const pending = new Map<number, TriageEntry>();
      let next = 0;
      let emitNext = 0;
      let inflight = 0;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        resolve();
      };
      abandon = () => {
        interrupted = true;
        finish();
      };
      const check = (): void => {
        if (emitNext === total || (stopping && inflight === 0)) finish();
      };
      wake = check;
      const flush = (): void => {
        if (done) return;
        for (let e = pending.get(emitNext); e; e = pending.get(emitNext)) {
          pending.delete(emitNext);
          emitNext++;
          emit(e);
        }
      };
      const pump = (): void => {
        while (!stopping && !done && next < total && next - emitNext < window) {
          const s = sources[next];
          if (s.error) {
            next++;
            pending.set(s.index, { kind: 'error', source: s, error: s.error, ms: 0, exitCode: ERROR_EXIT_CODE });
            continue;
          }
          if ((s.size ?? 0) > maxSize) {
            next++;
            const error = { message: `larger than --max-size (${s.size} > ${maxSize} bytes)` };
            pending.set(s.index, { kind: 'error', source: s, error, ms: 0, exitCode: ERROR_EXIT_CODE });
            continue;
          }
          if (inflight >= pool!.capacity) break;
          next++;
          inflight++;
          pool!.run({ id: s.index, location: s.location, path: s.path }).then((reply: WorkerReply) => {
            inflight--;
            pending.set(s.index, entryFromReply(s, reply));
            flush();
            pump();
            check();
          });
        }
        flush();
      };
      pump();
      check();
    });
  } finally {
    process.removeListener('SIGINT', onSigint);
    opts.signal?.removeEventListener('abort', onAbort);
    await pool?.close();
    progress?.finish();
  }

  const counts: Record<string, number> = { ...(resumed?.counts ?? {}) };
  for (const [k, v] of Object.entries(runCounts)) counts[k] = (counts[k] ?? 0) + v;
  if (rows.length < total) interrupted = true;
  const result: TriageResult = {
    exitCode,
    counts,
    rows,
    total: total + skipped,
    skipped,
    interrupted,
    elapsedMs: Date.now() - t0,
    bytes: bytesDone,
  };
  if (json) records!.write(triageJsonArray.close(first));
  if (table) table.write(renderTriageTable(result));
  records?.close();
  if (table !== records) table?.close();
  return result;
}

function entryFromReply(s: CaptureSource, r: WorkerReply): TriageEntry {
  if (r.ok) return { kind: 'document', source: s, document: r.document, ms: r.ms, exitCode: documentExitCode(r.document) };
  return { kind: 'error', source: s, error: r.error, ms: r.ms, exitCode: ERROR_EXIT_CODE };
}
