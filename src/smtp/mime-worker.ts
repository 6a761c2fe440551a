// Worker thread that runs parseMessage (MIME facts) beside the main thread's read/reassembly/SMTP work.

import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { parseMessage, type MimeResult } from './mime.js';
import type { MimeBatch, MimeJob } from './mime-pool.js';
import { SLOT_BYTES } from './slots.js';

/** The main thread's slots of message chunks (see slots.ts): read here, never written. */
let shared: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
/** One message at a time, copied into a reused private buffer: the parser never sees shared memory. */
let scratch = new Uint8Array(0);
let queue: Promise<void> = Promise.resolve();

async function run(m: MimeJob): Promise<{ id: number; result: MimeResult & { sha256?: string } }> {
  if (scratch.length < m.length) scratch = new Uint8Array(Math.max(m.length, scratch.length * 2, 256 * 1024));
  // The slots are reused once this batch is answered; parseMessage never rejects and keeps no reference to its
  // input once it has resolved.
  let o = 0;
  for (const i of m.slots) {
    const n = Math.min(SLOT_BYTES, m.length - o);
    scratch.set(shared.subarray(i * SLOT_BYTES, i * SLOT_BYTES + n), o);
    o += n;
  }
  const raw = scratch.subarray(0, m.length);
  const sha256 = m.hash ? createHash('sha256').update(raw).digest('hex') : undefined;
  const result = await parseMessage(raw, m.truncated);
  return { id: m.id, result: sha256 === undefined ? result : { ...result, sha256 } };
}

// A batch of jobs (see flush() in mime-pool.ts) is answered with one message.
parentPort!.on('message', (m: MimeBatch) => {
  if (m.slots) shared = new Uint8Array(m.slots);
  queue = queue.then(async () => {
    const results = [];
    for (const j of m.jobs) results.push(await run(j));
    parentPort!.postMessage({ results });
  });
});
