// Worker thread that runs parseMessage (MIME facts) beside the main thread's read/reassembly/SMTP work.

import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { CHUNK_BYTES } from './body.js';
import { parseMessage, type MimeResult } from './mime.js';
import type { MimeBatch, MimeJob } from './mime-pool.js';

/** The main thread's chunk slabs, by id (see Slab in body.ts); chunks are read in place, never written. */
const slabs = new Map<number, Uint8Array>();
/** One message at a time, joined into a reused buffer (fresh memory costs more than the copy). */
let scratch = new Uint8Array(0);
let queue: Promise<void> = Promise.resolve();

async function run(m: MimeJob): Promise<{ id: number; result: MimeResult & { sha256?: string } }> {
  if (scratch.length < m.length) scratch = new Uint8Array(Math.max(m.length, scratch.length * 2, 256 * 1024));
  let o = 0;
  for (let i = 0; i < m.chunks.length; i += 2) {
    const slab = slabs.get(m.chunks[i])!;
    const at = m.chunks[i + 1];
    const n = Math.min(CHUNK_BYTES, m.length - o);
    scratch.set(slab.subarray(at, at + n), o);
    o += n;
  }
  // The main thread may reuse the chunks once this batch is answered; the parse works on the private copy, and
  // parseMessage never rejects and keeps no reference to its input once it has resolved.
  const raw = scratch.subarray(0, m.length);
  const sha256 = m.hash ? createHash('sha256').update(raw).digest('hex') : undefined;
  const result = await parseMessage(raw, m.truncated);
  return { id: m.id, result: sha256 === undefined ? result : { ...result, sha256 } };
}

// A batch of jobs (see flush() in mime-pool.ts) is answered with one message.
parentPort!.on('message', (m: MimeBatch) => {
  for (const s of m.slabs) slabs.set(s.id, new Uint8Array(s.sab));
  for (const id of m.drop) slabs.delete(id);
  queue = queue.then(async () => {
    const results = [];
    for (const j of m.jobs) results.push(await run(j));
    parentPort!.postMessage({ results });
  });
});
