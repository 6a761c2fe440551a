// MIME parsing off the main thread: large retained messages go to one shared worker, within a byte budget.

import { createHash } from 'node:crypto';
import { Worker, isMainThread } from 'node:worker_threads';
import { drainDroppedSlabs, joinChunks, releaseChunks, slabOf, type Slab } from './body.js';
import { parseMessage, type MimeResult } from './mime.js';

/** Smaller messages are parsed inline: posting one costs about as much as parsing it. */
const WORKER_MIN_BYTES = 16 * 1024;
/** Bytes handed to the worker and not yet parsed; beyond this, messages are parsed inline (memory stays bounded). */
const WORKER_BUDGET_BYTES = 24 * 1024 * 1024;

/** The retained start of a message as MessageSink.finish() gives it: pooled chunks (slots of shared slabs). */
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
  /** The message's chunks: read by the worker in place, back to the pool once it has answered. */
  parts: Uint8Array[];
  resolve: (r: RetainedResult) => void;
}

let worker: Worker | null = null;
let broken = false;
let nextId = 1;
let queuedBytes = 0;
const waiting = new Map<number, Waiting>();
/** Slabs the worker has been sent (it keeps a view of each until told it was dropped). */
const sentSlabs = new Set<number>();

function fail(): void {
  // The worker died (a bug, or out of memory): its messages were transferred and are gone, so they get an error;
  // everything from now on is parsed inline.
  broken = true;
  worker = null;
  const jobs = [...waiting.values()];
  waiting.clear();
  queuedBytes = 0;
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
    const w = new Worker(new URL('./mime-worker.js', import.meta.url));
    w.on('message', (m: { results: Array<{ id: number; result: RetainedResult }> }) => {
      for (const r of m.results) {
        const j = waiting.get(r.id);
        if (!j) continue;
        waiting.delete(r.id);
        queuedBytes -= j.bytes;
        releaseChunks(j.parts);
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

/** Each part is a chunk of a shared slab (the worker reads it in place); the slabs, or undefined. */
function slabsOf(parts: readonly Uint8Array[]): Slab[] | undefined {
  const out: Slab[] = [];
  for (const p of parts) {
    const s = slabOf(p);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
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
  const offload = OFFLOAD && bytes >= WORKER_MIN_BYTES && queuedBytes + bytes <= WORKER_BUDGET_BYTES;
  const owners = offload ? slabsOf(m.parts) : undefined;
  const w = owners ? start() : null;
  if (!w || !owners) {
    // Parsed from a private copy (the parser never sees shared memory); the chunks go back to the pool at once.
    const raw = joinChunks(m.parts, bytes);
    releaseChunks(m.parts);
    const sha256 = hash ? createHash('sha256').update(raw).digest('hex') : undefined;
    return parseMessage(raw, truncated).then((r) => (sha256 === undefined ? r : { ...r, sha256 }));
  }
  const newSlabs: Array<{ id: number; sab: SharedArrayBuffer }> = [];
  const chunks: number[] = [];
  for (let i = 0; i < owners.length; i++) {
    const s = owners[i];
    if (!sentSlabs.has(s.id)) {
      sentSlabs.add(s.id);
      newSlabs.push({ id: s.id, sab: s.sab });
    }
    chunks.push(s.id, m.parts[i].byteOffset);
  }
  const id = nextId++;
  return new Promise<RetainedResult>((resolve) => {
    waiting.set(id, { bytes, truncated, parts: m.parts, resolve });
    queuedBytes += bytes;
    if (waiting.size === 1) w.ref();
    if (outbox.length === 0) setImmediate(flush);
    outbox.push({ id, chunks, length: bytes, truncated, hash });
    for (const s of newSlabs) outSlabs.push(s);
  });
}

/** A job as the worker gets it: `chunks` holds (slab id, byte offset) pairs, CHUNK_BYTES each but the last. */
export interface MimeJob {
  id: number;
  chunks: number[];
  length: number;
  truncated: boolean;
  /** Also hash the message (MessageSink deferred it: see SinkResult.sha256). */
  hash: boolean;
}

/** What one post to the worker holds: slabs it has not seen, slabs to forget, and jobs. */
export interface MimeBatch {
  slabs: Array<{ id: number; sab: SharedArrayBuffer }>;
  drop: number[];
  jobs: MimeJob[];
}

/** Jobs not yet posted: the messages finished during one read chunk go to the worker in one message. */
let outbox: MimeJob[] = [];
let outSlabs: Array<{ id: number; sab: SharedArrayBuffer }> = [];

/**
 * Posts the outbox. Waking a sleeping thread costs ~60-200 µs on this kind of VM (measured: 61 µs a post with one
 * message each, against 4 µs for back-to-back posts), so posting once per event-loop turn, not per message, saves
 * most of it; the worker answers a batch with one message too.
 */
function flush(): void {
  const jobs = outbox;
  const slabsToSend = outSlabs;
  outbox = [];
  outSlabs = [];
  if (jobs.length === 0) return;
  // The worker failed after these were queued: fail() has answered them and released their chunks.
  if (!worker) return;
  const drop = drainDroppedSlabs().filter((id) => sentSlabs.delete(id));
  const batch: MimeBatch = { slabs: slabsToSend, drop, jobs };
  worker.postMessage(batch);
}
