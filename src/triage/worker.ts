// Worker thread of the triage pool: analyses one capture at a time and posts back the document or a one-line error.

import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { analyzeSource, loadAnalyzer, type Analyzer } from './analyzer.js';
import type { WorkerJob, WorkerReply } from './types.js';

interface Data {
  analyzerModule: string;
  analyzeOptions: Record<string, unknown>;
}

const data = workerData as Data;
let analyzer: Analyzer | Error;
try {
  analyzer = await loadAnalyzer(data.analyzerModule);
} catch (e) {
  analyzer = e instanceof Error ? e : new Error(String(e));
}

// Tell the pool whether the analysis loaded and accepts the options, so that a broken installation or a bad
// --fortigate fails the run once, up front, instead of once per capture.
let usage: string | null = null;
if (!(analyzer instanceof Error) && analyzer.validate) {
  try {
    analyzer.validate(data.analyzeOptions);
  } catch (e) {
    if ((e as Error)?.name === 'UsageError') usage = (e as Error).message;
    else throw e;
  }
}
parentPort!.postMessage(
  analyzer instanceof Error
    ? { ready: false, message: analyzer.message.split('\n')[0] }
    : usage !== null
      ? { ready: false, message: usage, usage: true }
      : { ready: true },
);

// The pool may queue a second capture behind the running one; they are analysed strictly one after the other.
const queue: WorkerJob[] = [];
let busy = false;

async function drain(): Promise<void> {
  busy = true;
  for (let job = queue.shift(); job; job = queue.shift()) {
    const t0 = performance.now();
    const r = await analyzeSource(analyzer, job, data.analyzeOptions);
    const ms = Math.round(performance.now() - t0);
    const reply: WorkerReply = r.ok ? { id: job.id, ok: true, document: r.document, ms } : { id: job.id, ok: false, error: r.error, ms };
    parentPort!.postMessage(reply);
  }
  busy = false;
}

parentPort!.on('message', (job: WorkerJob) => {
  queue.push(job);
  // analyzeSource never rejects; if drain does, it is a bug: rethrown outside the promise, the pool sees a crash.
  if (!busy) drain().catch((e: unknown) => setImmediate(() => { throw e; }));
});
