// MIME parsing off the main thread: large retained messages are parsed by one worker, which reads them in the
// shared slots their chunks were copied into (slots.ts).

import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { joinChunks, releaseChunks } from './body.js';
import { parseMessage, type MimeResult } from './mime.js';
import { slots } from './slots.js';
import { Fifo } from '../util/fifo.js';

/** Smaller messages are parsed inline: posting one costs about as much as parsing it. */
const WORKER_MIN_BYTES = 16 * 1024;
/**
 * Bytes handed to the worker and not yet parsed. A message that would go beyond waits for the worker to catch up
 * (DEFER_MAX_BYTES), then is parsed inline: memory stays bounded, and the main thread slows down to the worker's pace.
 */
const QUEUE_MAX_BYTES = 24 * 1024 * 1024;
/**
 * A message the queue cannot take right now waits (its chunks held) for the worker to catch up, up to this many bytes
 * in all; beyond, it is parsed inline. Parsing inline costs the main thread ~1.3 ms per 260 KiB message and its
 * garbage; waiting costs only the chunks, for the few milliseconds the worker needs.
 */
const DEFER_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Finished messages not yet parsed, beyond which the reader waits for the worker (mimeBacklog): their slots are the
 * memory that would otherwise pile up when the worker falls behind for a moment.
 */
const PACE_BYTES = 8 * 1024 * 1024;

/**
 * The worker's young generation (V8 makes it 3x the semi-space: 4 MiB semi-spaces). Left to V8, it doubled to 16 MiB
 * semi-spaces over a long run (1 -> 3 GiB of capture), as survivors add up, for a parser whose live data is one message.
 */
const WORKER_YOUNG_MB = 12;

/** The retained start of a message as MessageSink.finish() gives it: chunks and slots (see body.ts). */
export interface RetainedMessage {
  /** Exactly `retainedBytes` bytes in all. */
  parts: Uint8Array[];
  retainedBytes: number;
}

/** The MIME facts, and the message's SHA-256 when it was asked for (see SinkResult.sha256). */
export interface RetainedResult extends MimeResult {
  sha256?: string;
}

/** A job as the worker gets it: the message is the slots in order, each full but the last. */
export interface MimeJob {
  id: number;
  slots: number[];
  length: number;
  truncated: boolean;
  /** Also hash the message (MessageSink deferred it: see SinkResult.sha256). */
  hash: boolean;
}

/** One post to the worker: the slots' shared memory (in the first post only) and jobs. */
export interface MimeBatch {
  slots?: SharedArrayBuffer;
  jobs: MimeJob[];
}

interface Waiting {
  bytes: number;
  truncated: boolean;
  /** The message's slots, released when the worker has answered. */
  parts: Uint8Array[];
  resolve: (r: RetainedResult) => void;
}

let worker: Worker | null = null;
let broken = false;
let nextId = 1;
const waiting = new Map<number, Waiting>();
let queuedBytes = 0;
let slotsSent = false;

interface Deferred {
  m: RetainedMessage;
  truncated: boolean;
  hash: boolean;
  resolve: (r: RetainedResult) => void;
}
/** Messages waiting for the worker to catch up, in arrival order (they go to it before any later message). */
const deferred = new Fifo<Deferred>();
let deferredBytes = 0;
/** Resolved when the backlog is back under PACE_BYTES (or the worker failed). */
let drained: { promise: Promise<void>; resolve: () => void } | null = null;

/**
 * Undefined while the messages waiting for the worker are under PACE_BYTES; otherwise a promise that resolves once
 * the worker has caught up. The pipeline's reader awaits it between file chunks (ReadOptions.pace), so a worker that
 * falls behind slows the reading down instead of letting finished messages pile up or be parsed on this thread.
 */
export function mimeBacklog(): Promise<void> | undefined {
  if (queuedBytes + deferredBytes <= PACE_BYTES) return undefined;
  if (drained === null) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    drained = { promise, resolve };
  }
  return drained.promise;
}

function wake(force = false): void {
  if (drained !== null && (force || queuedBytes + deferredBytes <= PACE_BYTES)) {
    const d = drained;
    drained = null;
    d.resolve();
  }
}

function fail(): void {
  // The worker died (a bug, or out of memory): its messages get an error; everything from now on is parsed inline.
  broken = true;
  worker = null;
  slots.disable();
  const jobs = [...waiting.values()];
  waiting.clear();
  queuedBytes = 0;
  for (let d = deferred.shift(); d !== undefined; d = deferred.shift()) {
    deferredBytes -= d.m.retainedBytes;
    const { m, truncated, hash, resolve } = d;
    parseInline(m, truncated, hash).then(resolve);
  }
  wake(true);
  for (const j of jobs) {
    releaseChunks(j.parts);
    j.resolve({
      info: { to: [], attachments: [], eicar: false, avHeaders: [], retainedBytes: j.bytes, truncated: j.truncated },
      error: 'the MIME worker thread failed',
    });
  }
}

function start(): Worker | null {
  if (worker || broken) return worker;
  try {
    const w = new Worker(new URL('./mime-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
    w.on('message', (m: { results: Array<{ id: number; result: RetainedResult }> }) => {
      for (const r of m.results) {
        const j = waiting.get(r.id);
        if (!j) continue;
        waiting.delete(r.id);
        queuedBytes -= j.bytes;
        releaseChunks(j.parts);
        j.resolve(r.result);
      }
      placeDeferred();
      wake();
      if (waiting.size === 0) w.unref();
    });
    w.on('error', fail);
    w.on('exit', () => {
      if (worker === w) fail();
    });
    w.unref();
    worker = w;
    slotsSent = false;
  } catch {
    broken = true;
    slots.disable();
  }
  return worker;
}

/*
 * Offload only from the main thread (slots.enabled): inside a worker (a triage worker, one per core) the other
 * captures already keep the cores busy, and a MIME thread per worker would only compete with them.
 * SPLICE_DOCTOR_MIME_INLINE=1 turns it off.
 */

/**
 * parseMessage of a retained message, in a worker thread when the message is large, every chunk of it is (or can be
 * put) in a slot and the worker's queue has room for it (now, or once earlier messages are parsed), otherwise inline;
 * with `hash`, also the SHA-256 of the retained bytes (the whole message, when MessageSink deferred it). The parts
 * are consumed: they go back to the chunk pool or their slots and must not be used afterwards. The result is the same
 * either way; never rejects.
 */
export function parseRetained(m: RetainedMessage, truncated: boolean, hash = false): Promise<RetainedResult> {
  const bytes = m.retainedBytes;
  const w = slots.enabled && bytes >= WORKER_MIN_BYTES && bytes <= QUEUE_MAX_BYTES ? start() : null;
  if (!w || !intoSlots(m)) return parseInline(m, truncated, hash);
  if (deferred.length === 0 && queuedBytes + bytes <= QUEUE_MAX_BYTES) {
    return new Promise((resolve) => post(w, m, truncated, hash, resolve));
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

/**
 * Moves the chunks of a message that are not in slots yet (its last, partly filled chunk; any chunk that found no free
 * slot) into slots. False when slots ran out: the message is then parsed inline (joinChunks reads either kind).
 */
function intoSlots(m: RetainedMessage): boolean {
  const parts = m.parts;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (slots.indexOf(p) >= 0) continue;
    const v = slots.store(p, p.length);
    if (v === null) return false;
    releaseChunks([p]);
    parts[i] = v;
  }
  return true;
}

/** Hands waiting messages to the worker, oldest first, while its queue has room for them. */
function placeDeferred(): void {
  for (let d = deferred.peek(); d !== undefined && worker !== null; d = deferred.peek()) {
    if (queuedBytes + d.m.retainedBytes > QUEUE_MAX_BYTES) return;
    deferred.shift();
    deferredBytes -= d.m.retainedBytes;
    post(worker, d.m, d.truncated, d.hash, d.resolve);
  }
}

/** Queues the job of a message whose chunks are all in slots (intoSlots). */
function post(w: Worker, m: RetainedMessage, truncated: boolean, hash: boolean, resolve: (r: RetainedResult) => void): void {
  const bytes = m.retainedBytes;
  const id = nextId++;
  queuedBytes += bytes;
  waiting.set(id, { bytes, truncated, parts: m.parts, resolve });
  if (waiting.size === 1) w.ref();
  if (outbox.length === 0) setImmediate(flush);
  outbox.push({ id, slots: m.parts.map((p) => slots.indexOf(p)), length: bytes, truncated, hash });
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
  if (!slotsSent) {
    batch.slots = slots.buffer();
    slotsSent = true;
  }
  worker.postMessage(batch);
}

/** Stops the worker as if it had died (for tests of that path): its messages get an error, the rest go inline. */
export async function stopMimeWorkerForTests(): Promise<void> {
  await worker?.terminate();
}

/** Queue bookkeeping, for tests: jobs not answered, messages waiting, slots held, and chunks ever put in slots. */
export function queueState(): { queued: number; deferred: number; slotsInUse: number; slotsStored: number } {
  return { queued: waiting.size, deferred: deferred.length, slotsInUse: slots.inUse, slotsStored: slots.stored };
}
