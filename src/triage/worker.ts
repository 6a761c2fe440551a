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

// Tell the pool whether the analysis loaded, so a broken installation fails the run once, up front.
parentPort!.postMessage(analyzer instanceof Error ? { ready: false, message: analyzer.message.split('\n')[0] } : { ready: true });

parentPort!.on('message', (job: WorkerJob) => {
  const t0 = performance.now();
  analyzeSource(analyzer, job, data.analyzeOptions).then(
    (r) => {
      const ms = Math.round(performance.now() - t0);
      const reply: WorkerReply = r.ok ? { id: job.id, ok: true, document: r.document, ms } : { id: job.id, ok: false, error: r.error, ms };
      parentPort!.postMessage(reply);
    },
    (e: unknown) => {
      // analyzeSource never rejects; if it does, it is a bug: let the pool see a crash.
      throw e;
    },
  );
});
