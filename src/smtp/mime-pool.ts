// MIME parsing off the main thread: large retained messages go to one shared worker, within a byte budget.

import { createHash } from 'node:crypto';
import { Worker, isMainThread } from 'node:worker_threads';
import { joinChunks, releaseChunks } from './body.js';
import { parseMessage, type MimeResult } from './mime.js';

/** Smaller messages are parsed inline: posting one costs about as much as parsing it. */
const WORKER_MIN_BYTES = 16 * 1024;
/** Bytes handed to the worker and not yet parsed; beyond this, messages are parsed inline (memory stays bounded). */
const WORKER_BUDGET_BYTES = 24 * 1024 * 1024;

/** The retained start of a message as MessageSink.finish() gives it: pooled chunks, each its own ArrayBuffer. */
export interface RetainedMessage {
  parts: Uint8Array[];
  retainedBytes: number;
}

/** The MIME facts, and the message's SHA-256 when it was asked for (see SinkResult.sha256). */
export interface RetainedResult extends MimeResult {
  sha256?: string;
}

interface Waiting {
  bytes: number;
  truncated: boolean;
  resolve: (r: RetainedResult) => void;
}

let worker: Worker | null = null;
let broken = false;
let nextId = 1;
let queuedBytes = 0;
const waiting = new Map<number, Waiting>();

function fail(): void {
  // The worker died (a bug, or out of memory): its messages were transferred and are gone, so they get an error;
  // everything from now on is parsed inline.
  broken = true;
  worker = null;
  const jobs = [...waiting.values()];
  waiting.clear();
  queuedBytes = 0;
  for (const j of jobs) {
    j.resolve({
      info: { to: [], attachments: [], eicar: false, avHeaders: [], retainedBytes: j.bytes, truncated: j.truncated },
      error: 'the MIME worker thread failed',
    });
  }
}

function start(): Worker | null {
  if (worker || broken) return worker;
  try {
    const w = new Worker(new URL('./mime-worker.js', import.meta.url));
    w.on('message', (m: { results: Array<{ id: number; result: RetainedResult; chunks: ArrayBuffer[] }> }) => {
      for (const r of m.results) {
        const j = waiting.get(r.id);
        if (!j) continue;
        waiting.delete(r.id);
        queuedBytes -= j.bytes;
        releaseChunks(r.chunks.map((c) => new Uint8Array(c)));
        j.resolve(r.result);
      }
      if (waiting.size === 0) w.unref();
    });
    w.on('error', fail);
    w.on('exit', () => {
      if (worker === w) fail();
    });
    w.unref();
    worker = w;
  } catch {
    broken = true;
  }
  return worker;
}

/** Each part is a view from offset 0 of its own ArrayBuffer, none shared: safe to transfer. */
function transferable(parts: readonly Uint8Array[]): boolean {
  const seen = new Set<ArrayBufferLike>();
  for (const p of parts) {
    if (p.byteOffset !== 0 || !(p.buffer instanceof ArrayBuffer) || seen.has(p.buffer)) return false;
    seen.add(p.buffer);
  }
  return true;
}

/**
 * Offload only from the main thread: inside a worker (a triage worker, one per core) the other captures already keep
 * the cores busy, and a MIME thread per worker would only compete with them. SPLICE_DOCTOR_MIME_INLINE=1 turns it off.
 */
const OFFLOAD = isMainThread && !process.env.SPLICE_DOCTOR_MIME_INLINE;

/**
 * parseMessage of a retained message, in a worker thread when the message is large and the worker's backlog is
 * under budget, otherwise inline; with `hash`, also the SHA-256 of the retained bytes (the whole message, when
 * MessageSink deferred it). The parts are consumed: they go back to the chunk pool and must not be used
 * afterwards. The result is the same either way; never rejects.
 */
export function parseRetained(m: RetainedMessage, truncated: boolean, hash = false): Promise<RetainedResult> {
  const bytes = m.retainedBytes;
  const w =
    OFFLOAD && bytes >= WORKER_MIN_BYTES && queuedBytes + bytes <= WORKER_BUDGET_BYTES && transferable(m.parts)
      ? start()
      : null;
  if (!w) {
    const raw = m.parts.length === 1 ? m.parts[0].subarray(0, bytes) : joinChunks(m.parts, bytes);
    // Several chunks were joined into a copy: they can go back to the pool now. One chunk is parsed in place and
    // pooled again once the parse (which keeps no reference to it) is done.
    if (m.parts.length !== 1) releaseChunks(m.parts);
    const sha256 = hash ? createHash('sha256').update(raw).digest('hex') : undefined;
    return parseMessage(raw, truncated).then((r) => {
      if (m.parts.length === 1) releaseChunks(m.parts);
      return sha256 === undefined ? r : { ...r, sha256 };
    });
  }
  const chunks = m.parts.map((p) => p.buffer as ArrayBuffer);
  const id = nextId++;
  return new Promise<RetainedResult>((resolve) => {
    waiting.set(id, { bytes, truncated, resolve });
    queuedBytes += bytes;
    if (waiting.size === 1) w.ref();
    if (outbox.length === 0) setImmediate(flush);
    outbox.push({ id, chunks, length: bytes, truncated, hash });
  });
}

/** Jobs not yet posted: the messages finished during one read chunk go to the worker in one message. */
let outbox: Array<{ id: number; chunks: ArrayBuffer[]; length: number; truncated: boolean; hash: boolean }> = [];

/**
 * Posts the outbox. Waking a sleeping thread costs ~60-200 µs on this kind of VM (measured: 61 µs a post with one
 * message each, against 4 µs for back-to-back posts), so posting once per event-loop turn, not per message, saves
 * most of it; the worker answers a batch with one message too.
 */
function flush(): void {
  const jobs = outbox;
  outbox = [];
  if (jobs.length === 0) return;
  if (!worker) {
    // The worker failed after these were queued: fail() has answered them; their chunks are still ours.
    for (const j of jobs) releaseChunks(j.chunks.map((c) => new Uint8Array(c)));
    return;
  }
  worker.postMessage({ jobs }, jobs.flatMap((j) => j.chunks));
}
