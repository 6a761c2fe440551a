// Pool of worker threads, one capture per worker at a time; a worker that crashes is replaced and its job reported.

import { Worker } from 'node:worker_threads';
import type { WorkerJob, WorkerReply } from './types.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

interface Slot {
  worker: Worker;
  job: WorkerJob | null;
  resolve: ((r: WorkerReply) => void) | null;
  started: number;
}

/**
 * `run(job)` resolves with the worker's reply; callers keep at most `size` jobs in flight. A worker that dies
 * (an uncaught exception, out of memory) resolves its job with an error reply and is replaced.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private closed = false;
  private readonly readiness: Promise<void>[] = [];

  constructor(
    readonly size: number,
    private readonly workerData: { analyzerModule: string; analyzeOptions: Record<string, unknown> },
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(true));
  }

  /** Resolves when every first worker has loaded the analysis; rejects with the load error of the first that could not. */
  ready(): Promise<void> {
    return Promise.all(this.readiness).then(() => undefined);
  }

  get idle(): number {
    return this.slots.filter((s) => s.job === null).length;
  }

  run(job: WorkerJob): Promise<WorkerReply> {
    const slot = this.slots.find((s) => s.job === null);
    if (!slot) return Promise.reject(new Error('worker pool: no idle worker'));
    return new Promise((resolve) => {
      slot.job = job;
      slot.resolve = resolve;
      slot.started = Date.now();
      slot.worker.postMessage(job);
    });
  }

  /** Stops every worker; jobs still in flight are abandoned (their promises never resolve). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => 0)));
  }

  private spawn(initial = false): Slot {
    const worker = new Worker(WORKER_URL, { workerData: this.workerData });
    const slot: Slot = { worker, job: null, resolve: null, started: 0 };
    let readyResolve: () => void = () => undefined;
    let readyReject: (e: Error) => void = () => undefined;
    if (initial) {
      const p = new Promise<void>((res, rej) => {
        readyResolve = res;
        readyReject = rej;
      });
      p.catch(() => undefined);
      this.readiness.push(p);
    }
    worker.on('message', (reply: WorkerReply | { ready: boolean; message?: string }) => {
      if ('ready' in reply) {
        if (reply.ready) readyResolve();
        else readyReject(new Error(`the analysis cannot be loaded: ${reply.message}`));
        return;
      }
      if (!slot.job || reply.id !== slot.job.id) return;
      const resolve = slot.resolve!;
      slot.job = null;
      slot.resolve = null;
      resolve(reply);
    });
    const died = (why: string): void => {
      readyReject(new Error(`a triage worker could not start: ${why}`));
      if (this.closed) return;
      const job = slot.job;
      const resolve = slot.resolve;
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      // Replace first, so the caller's next dispatch (run from the resolution below) finds an idle worker.
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      worker.terminate().catch(() => 0);
      this.slots[i] = this.spawn();
      if (job && resolve) resolve({ id: job.id, ok: false, error: { message: `analysis crashed (a bug, please report it): ${why}` }, ms: Date.now() - slot.started });
    };
    worker.on('error', (e) => died(e instanceof Error ? e.message.split('\n')[0] : String(e)));
    worker.on('messageerror', (e) => died(`unreadable reply: ${e.message}`));
    worker.on('exit', (code) => died(`worker exited with code ${code}`));
    return slot;
  }
}
