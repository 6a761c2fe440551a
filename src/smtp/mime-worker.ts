// Worker thread that runs parseMessage (MIME facts) beside the main thread's read/reassembly/SMTP work.

import { parentPort } from 'node:worker_threads';
import { parseMessage } from './mime.js';

interface Job {
  id: number;
  chunks: ArrayBuffer[];
  length: number;
  truncated: boolean;
}

/** One message at a time, joined into a reused buffer (fresh memory costs more than the copy). */
let scratch = new Uint8Array(0);
let queue: Promise<void> = Promise.resolve();

parentPort!.on('message', (m: Job) => {
  queue = queue.then(async () => {
    if (scratch.length < m.length) scratch = new Uint8Array(Math.max(m.length, scratch.length * 2, 256 * 1024));
    let o = 0;
    for (const c of m.chunks) {
      const n = Math.min(c.byteLength, m.length - o);
      scratch.set(new Uint8Array(c, 0, n), o);
      o += n;
    }
    // parseMessage never rejects and keeps no reference to its input once it has resolved.
    const result = await parseMessage(scratch.subarray(0, m.length), m.truncated);
    parentPort!.postMessage({ id: m.id, result, chunks: m.chunks }, m.chunks);
  });
});
