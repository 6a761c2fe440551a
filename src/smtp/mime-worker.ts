// Worker thread that runs parseMessage (MIME facts) beside the main thread's read/reassembly/SMTP work.

import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { parseMessage, type MimeResult } from './mime.js';

interface Job {
  id: number;
  chunks: ArrayBuffer[];
  length: number;
  truncated: boolean;
  /** Also hash the message (the main thread deferred it: see SinkResult.sha256). */
  hash: boolean;
}

/** One message at a time, joined into a reused buffer (fresh memory costs more than the copy). */
let scratch = new Uint8Array(0);
let queue: Promise<void> = Promise.resolve();

async function run(m: Job): Promise<{ id: number; result: MimeResult & { sha256?: string }; chunks: ArrayBuffer[] }> {
  if (scratch.length < m.length) scratch = new Uint8Array(Math.max(m.length, scratch.length * 2, 256 * 1024));
  let o = 0;
  for (const c of m.chunks) {
    const n = Math.min(c.byteLength, m.length - o);
    scratch.set(new Uint8Array(c, 0, n), o);
    o += n;
  }
  // parseMessage never rejects and keeps no reference to its input once it has resolved.
  const raw = scratch.subarray(0, m.length);
  const sha256 = m.hash ? createHash('sha256').update(raw).digest('hex') : undefined;
  const result = await parseMessage(raw, m.truncated);
  return { id: m.id, result: sha256 === undefined ? result : { ...result, sha256 }, chunks: m.chunks };
}

// A batch of jobs (see flush() in mime-pool.ts) is answered with one message.
parentPort!.on('message', (m: { jobs: Job[] }) => {
  queue = queue.then(async () => {
    const results = [];
    for (const j of m.jobs) results.push(await run(j));
    parentPort!.postMessage({ results }, results.flatMap((r) => r.chunks));
  });
});
