// MIME parsing off the main thread: large retained messages are copied into a shared ring that one worker reads.

import { createHash } from 'node:crypto';
import { Worker, isMainThread } from 'node:worker_threads';
import { joinChunks, releaseChunks } from './body.js';
import { parseMessage, type MimeResult } from './mime.js';
import { RingSpace } from './ring.js';
import { Fifo } from '../util/fifo.js';

/** Smaller messages are parsed inline: posting one costs about as much as parsing it. */
const WORKER_MIN_BYTES = 16 * 1024;
/**
 * The shared ring that carries messages to the worker, i.e. the bytes handed over and not yet parsed; a message
 * that does not fit waits for room (DEFER_MAX_BYTES), then is parsed inline (memory stays bounded, and the main
 * thread slows down to the worker's pace).
 */
const RING_BYTES = 24 * 1024 * 1024;
/**
 * A message the ring cannot take right now waits (its chunks held) for the worker to free space, up to this many bytes
 * in all; beyond, it is parsed inline. Parsing inline costs the main thread ~1.3 ms per 260 KiB message and its
 * garbage; waiting costs only the chunks, for the few milliseconds the worker needs.
 */
const DEFER_MAX_BYTES = 8 * 1024 * 1024;
/** Messages start on this boundary, so that copying a chunk into the ring runs at memcpy speed (see body.ts). */
const RING_ALIGN = 64;

/** The retained start of a message as MessageSink.finish() gives it: pooled chunks (see body.ts). */
export interface RetainedMessage {
  parts: Uint8Array[];
  retainedBytes: number;
}

/** The MIME facts, and the message's SHA-256 when it was asked for (see SinkResult.sha256). */
export interface RetainedResult extends MimeResult {
  sha256?: string;
}

/** A job as the worker gets it: the message is ring[offset, offset + length). */
export interface MimeJob {
  id: number;
  offset: number;
  length: number;
  truncated: boolean;
  /** Also hash the message (MessageSink deferred it: see SinkResult.sha256). */
  hash: boolean;
}

/** One post to the worker: the ring (in the first post only) and jobs. */
export interface MimeBatch {
  ring?: SharedArrayBuffer;
  jobs: MimeJob[];
}

interface Waiting {
  bytes: number;
  truncated: boolean;
  /** End of its space in the ring, freed when the worker has answered (answers come in job order). */
  end: number;
  resolve: (r: RetainedResult) => void;
}

let worker: Worker | null = null;
let broken = false;
let nextId = 1;
const waiting = new Map<number, Waiting>();

/** The shared ring and its space; jobs are answered in the order they were posted, so space is freed in order. */
let ring: SharedArrayBuffer | null = null;
let ringView: Uint8Array | null = null;
let ringSent = false;
const space = new RingSpace(RING_BYTES, RING_ALIGN);

interface Deferred {
  m: RetainedMessage;
  truncated: boolean;
  hash: boolean;
  resolve: (r: RetainedResult) => void;
}
/** Messages waiting for ring space, in arrival order (they go to the worker before any later message). */
const deferred = new Fifo<Deferred>();
let deferredBytes = 0;

function fail(): void {
  // The worker died (a bug, or out of memory): its messages get an error; everything from now on is parsed inline.
  broken = true;
  worker = null;
  const jobs = [...waiting.values()];
  waiting.clear();
  space.reset();
  for (let d = deferred.shift(); d !== undefined; d = deferred.shift()) {
    deferredBytes -= d.m.retainedBytes;
    const { m, truncated, hash, resolve } = d;
    parseInline(m, truncated, hash).then(resolve);
  }
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
    w.on('message', (m: { results: Array<{ id: number; result: RetainedResult }> }) => {
      for (const r of m.results) {
        const j = waiting.get(r.id);
        if (!j) continue;
        waiting.delete(r.id);
        space.freeOldest(j.end);
        j.resolve(r.result);
      }
      placeDeferred();
      if (waiting.size === 0) w.unref();
    });
    w.on('error', fail);
    w.on('exit', () => {
      if (worker === w) fail();
    });
    w.unref();
    worker = w;
    ring ??= new SharedArrayBuffer(RING_BYTES);
    ringView ??= new Uint8Array(ring);
    ringSent = false;
  } catch {
    broken = true;
  }
  return worker;
}

/**
 * Offload only from the main thread: inside a worker (a triage worker, one per core) the other captures already keep
 * the cores busy, and a MIME thread per worker would only compete with them. SPLICE_DOCTOR_MIME_INLINE=1 turns it off.
 */
const OFFLOAD = isMainThread && !process.env.SPLICE_DOCTOR_MIME_INLINE;

/**
 * parseMessage of a retained message, in a worker thread when the message is large and fits in the ring (now, or
 * once earlier messages are parsed), otherwise inline; with `hash`, also the SHA-256 of the retained bytes (the
 * whole message, when MessageSink deferred it). The parts are consumed: they go back to the chunk pool and must not
 * be used afterwards. The result is the same either way; never rejects.
 */
export function parseRetained(m: RetainedMessage, truncated: boolean, hash = false): Promise<RetainedResult> {
  const bytes = m.retainedBytes;
  const w = OFFLOAD && bytes >= WORKER_MIN_BYTES && bytes <= RING_BYTES ? start() : null;
  if (!w) return parseInline(m, truncated, hash);
  if (deferred.length === 0) {
    const at = space.allocate(bytes);
    if (at >= 0) return new Promise((resolve) => post(w, m, at, truncated, hash, resolve));
  }
  if (deferredBytes + bytes > DEFER_MAX_BYTES) return parseInline(m, truncated, hash);
  deferredBytes += bytes;
  return new Promise((resolve) => deferred.push({ m, truncated, hash, resolve }));
}

function parseInline(m: RetainedMessage, truncated: boolean, hash: boolean): Promise<RetainedResult> {
  const raw = joinChunks(m.parts, m.retainedBytes);
  releaseChunks(m.parts);
  const sha256 = hash ? createHash('sha256').update(raw).digest('hex') : undefined;
  return parseMessage(raw, truncated).then((r) => (sha256 === undefined ? r : { ...r, sha256 }));
}

/** Hands waiting messages to the worker, oldest first, while the ring has room for them. */
function placeDeferred(): void {
  for (let d = deferred.peek(); d !== undefined && worker !== null; d = deferred.peek()) {
    const at = space.allocate(d.m.retainedBytes);
    if (at < 0) return;
    deferred.shift();
    deferredBytes -= d.m.retainedBytes;
    post(worker, d.m, at, d.truncated, d.hash, d.resolve);
  }
}

/** Copies a message into the ring at `at` and queues its job. */
function post(w: Worker, m: RetainedMessage, at: number, truncated: boolean, hash: boolean, resolve: (r: RetainedResult) => void): void {
  const bytes = m.retainedBytes;
  // Each chunk lands on a RING_ALIGN boundary: the copies into shared memory run at memcpy speed.
  const view = ringView!;
  let o = at;
  let left = bytes;
  for (const p of m.parts) {
    const n = Math.min(p.length, left);
    view.set(n === p.length ? p : p.subarray(0, n), o);
    o += n;
    left -= n;
  }
  releaseChunks(m.parts);
  const id = nextId++;
  waiting.set(id, { bytes, truncated, end: space.end(at, bytes), resolve });
  if (waiting.size === 1) w.ref();
  if (outbox.length === 0) setImmediate(flush);
  outbox.push({ id, offset: at, length: bytes, truncated, hash });
}

/** Jobs not yet posted: the messages finished during one read chunk go to the worker in one message. */
let outbox: MimeJob[] = [];

/**
 * Posts the outbox. Waking a sleeping thread costs ~60-200 µs on this kind of VM (measured: 61 µs a post with one
 * message each, against 4 µs for back-to-back posts), so posting once per event-loop turn, not per message, saves
 * most of it; the worker answers a batch with one message too.
 */
function flush(): void {
  const jobs = outbox;
  outbox = [];
  // The worker failed after these were queued: fail() has answered them.
  if (jobs.length === 0 || !worker) return;
  const batch: MimeBatch = { jobs };
  if (!ringSent) {
    batch.ring = ring!;
    ringSent = true;
  }
  worker.postMessage(batch);
}

/** Ring bookkeeping, for tests. */
export function ringState(): { inRing: number; wraps: number; deferred: number } {
  return { inRing: space.count, wraps: space.wraps, deferred: deferred.length };
}
