// Benchmark: throughput (MB/s) and peak RSS of each pipeline stage over the cached ~1 GiB SMTP capture, one child process per run.

import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../src/capture/read.js';
import { decodeFrame } from '../src/decode/index.js';
import type { DecodeStats } from '../src/decode/types.js';
import { ensureBenchCapture, TARGET_BYTES } from './gen.js';

interface StageResult {
  packets: number;
  note?: string;
}

/** A named stage: what one child process runs over the whole capture. Add later stages at the end. */
export interface Stage {
  name: string;
  run(path: string): Promise<StageResult>;
  /** Targets from issues 2 and 3, checked when present. */
  minMBps?: number;
  maxRssMiB?: number;
}

export const STAGES: Stage[] = [
  {
    name: 'read',
    async run(path) {
      let bytes = 0;
      const s = await readCapture(path, (f) => {
        bytes += f.data.length;
      });
      return { packets: s.packets, note: s.error ? `error: ${s.error.message}` : `${bytes} captured bytes` };
    },
  },
  {
    name: 'read+decode',
    minMBps: 600,
    maxRssMiB: 120,
    async run(path) {
      const stats: DecodeStats = {};
      let tcp = 0;
      let payload = 0;
      const s = await readCapture(path, (f) => {
        const p = decodeFrame(f, stats);
        if (p) {
          tcp++;
          payload += p.payload.length;
        }
      });
      return { packets: s.packets, note: `${tcp} TCP segments, ${payload} payload bytes` };
    },
  },
  {
    // Issue 3: the whole `sessions --format json` pass (read, decode, reassembly, SMTP, MIME facts in a worker
    // thread, each session's JSON made as it completes), without the write to stdout.
    name: 'sessions',
    minMBps: 300,
    maxRssMiB: 200,
    async run(path) {
      // Loaded lazily so the reader benchmarks run without the later stages.
      const { sessionsStream } = await import('../src/commands/sessions.js');
      const { sessionsJsonWriter } = await import('../src/report/sessions-text.js');
      const { limitHeapGrowth } = await import('../src/util/heap.js');
      // As `splice-doctor sessions` does before its streamed pass.
      limitHeapGrowth();
      let jsonBytes = 0;
      const w = sessionsJsonWriter((t) => (jsonBytes += t.length));
      const r = await sessionsStream(path, {}, (s) => w.add(s));
      w.end();
      return { packets: r.capture.packets, note: `${r.count} SMTP sessions, ${(jsonBytes / 1e6).toFixed(1)} MB of JSON` };
    },
  },
  {
    // What `analyze` reads before its diagnosis: the same pass with every session kept (memory grows with them).
    name: 'sessions-kept',
    async run(path) {
      const { runPipeline } = await import('../src/pipeline.js');
      const r = await runPipeline(path);
      return { packets: r.capture.packets, note: `${r.sessions.length} SMTP sessions kept` };
    },
  },
];

interface Measurement {
  stage: string;
  seconds: number;
  /** User + system CPU seconds of the whole child (all threads). */
  cpuSeconds: number;
  /** User + system CPU seconds of the main (JavaScript) thread alone, from /proc (Linux); null elsewhere. */
  mainCpuSeconds: number | null;
  fileBytes: number;
  packets: number;
  maxRssKiB: number;
  note?: string;
  error?: string;
}

/** CPU seconds of the main thread: utime + stime of /proc/self/task/<pid>/stat, in clock ticks of 1/100 s. */
function mainThreadCpu(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function child(stageName: string, path: string): Promise<void> {
  const stage = STAGES.find((s) => s.name === stageName);
  if (!stage) throw new Error(`unknown stage ${stageName}`);
  const fileBytes = statSync(path).size;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  const main0 = mainThreadCpu();
  let m: Measurement;
  try {
    const r = await stage.run(path);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const cpuSeconds = (c.user + c.system) / 1e6;
    const main1 = mainThreadCpu();
    const mainCpuSeconds = main0 !== null && main1 !== null ? main1 - main0 : null;
    m = { stage: stageName, seconds, cpuSeconds, mainCpuSeconds, fileBytes, packets: r.packets, maxRssKiB: process.resourceUsage().maxRSS, note: r.note };
  } catch (e) {
    const error = String((e as Error).message ?? e).split('\n')[0];
    m = { stage: stageName, seconds: 0, cpuSeconds: 0, mainCpuSeconds: null, fileBytes, packets: 0, maxRssKiB: process.resourceUsage().maxRSS, error };
  }
  process.stdout.write(JSON.stringify(m) + '\n');
}

function measure(stage: string, path: string): Measurement {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', stage, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Measurement;
  } catch {
    return { stage, seconds: 0, cpuSeconds: 0, mainCpuSeconds: null, fileBytes: 0, packets: 0, maxRssKiB: 0, error: (r.stderr || 'no output').trim().split('\n').slice(-1)[0] };
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--child') {
    await child(argv[1], argv[2]);
    return 0;
  }
  let runs = 3;
  const wanted: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Math.max(1, Number(argv[++i]));
    else wanted.push(argv[i]);
  }
  const stages = wanted.length ? STAGES.filter((s) => wanted.includes(s.name)) : STAGES;
  const withTriage = wanted.length === 0 || wanted.includes('triage');
  const path = ensureBenchCapture((s) => console.log(s));
  const size = statSync(path).size;
  // Warm the page cache so the first stage does not pay for the disk.
  measure('read', path);
  console.log(`capture: ${path} (${(size / 1024 ** 2).toFixed(0)} MiB), best of ${runs} run(s) per stage, one child process per run\n`);
  const rows: string[][] = [['stage', 'MB/s', 'seconds', 'CPU s', 'main CPU s', 'MB/main-CPU-s', 'peak RSS MiB', 'target', 'notes']];
  let missed = 0;
  let sessionsRss: number | undefined;
  for (const stage of stages) {
    const ms: Measurement[] = [];
    for (let i = 0; i < runs; i++) ms.push(measure(stage.name, path));
    const failed = ms.find((m) => m.error);
    if (failed) {
      rows.push([stage.name, '-', '-', '-', '-', '-', '-', '-', `unavailable: ${failed.error}`]);
      continue;
    }
    const best = ms.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const mbps = best.fileBytes / 1e6 / best.seconds;
    const rssMiB = Math.max(...ms.map((m) => m.maxRssKiB)) / 1024;
    if (stage.name === 'sessions') sessionsRss = rssMiB;
    let target = '';
    if (stage.minMBps !== undefined || stage.maxRssMiB !== undefined) {
      const ok = (stage.minMBps === undefined || mbps >= stage.minMBps) && (stage.maxRssMiB === undefined || rssMiB <= stage.maxRssMiB);
      if (!ok) missed++;
      target = `${ok ? 'met' : 'MISSED'} (>= ${stage.minMBps ?? '-'} MB/s, <= ${stage.maxRssMiB ?? '-'} MiB)`;
    }
    const main = best.mainCpuSeconds;
    rows.push([
      stage.name,
      mbps.toFixed(0),
      best.seconds.toFixed(2),
      best.cpuSeconds.toFixed(2),
      main === null ? '-' : main.toFixed(2),
      main ? (best.fileBytes / 1e6 / main).toFixed(0) : '-',
      rssMiB.toFixed(0),
      target,
      best.note ?? '',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 || i >= 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
  if (sessionsRss !== undefined && TARGET_BYTES >= 64 * 1024 ** 2) {
    // Issue 3 asks for memory that stays flat as the file grows: the same pass over a capture a quarter of the size.
    const quarter = ensureBenchCapture((s) => console.log(s), TARGET_BYTES / 4);
    const ms: Measurement[] = [];
    for (let i = 0; i < runs; i++) ms.push(measure('sessions', quarter));
    const q = ms.every((m) => !m.error) ? Math.max(...ms.map((m) => m.maxRssKiB)) / 1024 : NaN;
    const mib = (b: number): string => (b / 1024 ** 2).toFixed(0);
    console.log(`\nsessions peak RSS as the capture grows: ${mib(TARGET_BYTES / 4)} MiB: ${q.toFixed(0)} MiB, ${mib(TARGET_BYTES)} MiB: ${sessionsRss.toFixed(0)} MiB`);
  }
  console.log('\nMB/s = file bytes (10^6) per second of wall time, page cache warm; CPU s = user+system time of all the');
  console.log("child's threads (the sha256 worker included); main CPU s = the JavaScript thread alone, so MB/main-CPU-s");
  console.log("is what one free core sustains whatever else runs; peak RSS = the child's maxRSS.");
  console.log(`load average while measuring: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs (other work on the machine slows the wall time).`);
  if (withTriage) {
    // Issue 5: triage --jobs 2 against --jobs 1, and peak memory as the number of captures grows.
    console.log('');
    const { runTriageBench } = await import('./triage.js');
    const t = await runTriageBench({ runs });
    if (t.speedup < 1.6) missed++;
  }
  return missed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 2;
  },
);
