// Pool of worker threads, each analysing one capture at a time; a worker that crashes is replaced and its capture reported.

import { Worker } from 'node:worker_threads';
import { UsageError } from '../util/errors.js';
import type { WorkerJob, WorkerReply } from './types.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/**
 * Jobs handed to one worker at once: the one it runs plus one waiting in its queue, so that it starts the next capture
 * without a round trip through the main thread (measured: workers sat idle ~20% of the time with depth 1).
 */
export const QUEUE_DEPTH = 2;

interface Pending {
  job: WorkerJob;
  resolve: (r: WorkerReply) => void;
  sent: number;
}

interface Slot {
  worker: Worker;
  /** In the order sent; the worker runs them in this order, one at a time, so the first is the running one. */
  queue: Pending[];
}

/**
 * `run(job)` resolves with the worker's reply; callers keep at most `capacity` jobs in flight. A worker that dies
 * (an uncaught exception, out of memory) resolves the capture it was running with an error reply and is replaced;
 * captures queued behind it are handed to the replacement.
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

  get capacity(): number {
    return this.size * QUEUE_DEPTH;
  }

  /** Resolves when every first worker has loaded the analysis; rejects with the load error of the first that could not. */
  ready(): Promise<void> {
    return Promise.all(this.readiness).then(() => undefined);
  }

  run(job: WorkerJob): Promise<WorkerReply> {
    let slot: Slot | undefined;
    for (const s of this.slots) if (s.queue.length < QUEUE_DEPTH && (!slot || s.queue.length < slot.queue.length)) slot = s;
    if (!slot) return Promise.reject(new Error('worker pool: every worker queue is full'));
    const target = slot;
    return new Promise((resolve) => this.send(target, { job, resolve, sent: Date.now() }));
  }

  /** Stops every worker; jobs still in flight are abandoned (their promises never resolve). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => 0)));
  }

  private send(slot: Slot, p: Pending): void {
    slot.queue.push(p);
    slot.worker.postMessage(p.job);
  }

  private spawn(initial = false): Slot {
    const worker = new Worker(WORKER_URL, { workerData: this.workerData });
    const slot: Slot = { worker, queue: [] };
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
    worker.on('message', (reply: WorkerReply | { ready: boolean; message?: string; usage?: boolean }) => {
      if ('ready' in reply) {
        if (reply.ready) readyResolve();
        else if (reply.usage) readyReject(new UsageError(reply.message ?? 'bad analyze option'));
        else readyReject(new Error(`the analysis cannot be loaded: ${reply.message}`));
        return;
      }
      const i = slot.queue.findIndex((p) => p.job.id === reply.id);
      if (i < 0) return;
      const [p] = slot.queue.splice(i, 1);
      p.resolve(reply);
    });
    const died = (why: string): void => {
      readyReject(new Error(`a triage worker could not start: ${why}`));
      if (this.closed) return;
      const at = this.slots.indexOf(slot);
      if (at < 0) return;
      worker.removeAllListeners();
      worker.on('error', () => undefined);
      const [running, ...waiting] = slot.queue;
      slot.queue = [];
      // Replace first, so that the caller's next dispatch (made when the crashed capture resolves) finds room.
      const fresh = this.spawn();
      this.slots[at] = fresh;
      for (const p of waiting) this.send(fresh, p);
      if (running) {
        const ms = Date.now() - running.sent;
        running.resolve({ id: running.job.id, ok: false, error: { message: `analysis crashed (a bug, please report it): ${why}` }, ms });
      }
    };
    // Act on 'exit', not 'error': replies the worker posted before it died are delivered before 'exit', so the
    // capture still in the queue's head is really the one that was running.
    let reason: string | null = null;
    worker.on('error', (e) => (reason ??= e instanceof Error ? e.message.split('\n')[0] : String(e)));
    worker.on('messageerror', (e) => (reason ??= `unreadable reply: ${e.message}`));
    worker.on('exit', (code) => died(reason ?? `worker exited with code ${code}`));
    return slot;
  }
}
