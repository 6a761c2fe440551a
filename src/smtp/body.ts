// Message body mechanics: DATA end-of-data detection with dot-unstuffing, message hashing/retention, the wire-byte series.

import { createHash, type Hash } from 'node:crypto';
import type { SegmentRef } from '../reassembly/types.js';
import type { BodyPoint as SmtpBodyPoint } from './types.js';
import { SLOT_BYTES, slots } from './slots.js';

const LF = 10;
const CR = 13;
const DOT = 46;
const CR_BYTE = new Uint8Array([CR]);
const indexOf = Buffer.prototype.indexOf as (this: Uint8Array, value: number, byteOffset: number) => number;

export interface ByteSink {
  write(bytes: Uint8Array, start: number, end: number): void;
}

// DotDecoder states.
const BOL = 0; // at the start of a line
const MID = 1; // inside a line (also: position unknown after a gap)
const DOT_ = 2; // a '.' at the start of a line, not yet resolved
const DOTCR = 3; // '.' '\r' at the start of a line, not yet resolved

/**
 * Streaming DATA body reader (RFC 5321 4.5.2). Finds `<CRLF>.<CRLF>` (also `\n.\n`, `\r\n.\n`, `\n.\r\n`),
 * removes the stuffed leading dot of lines, and passes unstuffed runs to the sink as views (no per-byte copies).
 * The message includes the line break before the terminating '.'.
 */
export class DotDecoder {
  private state = BOL;
  /** Bytes of the body as sent (dot-stuffed), excluding the terminating '.' line; includes gap lengths. */
  wire = 0;
  /** Unstuffed message bytes handed to the sink. */
  bytes = 0;
  /** Bytes of an unresolved '.' or '.\r' at a line start (not yet counted in `wire`). */
  private pending = 0;

  constructor(private readonly sink: ByteSink) {}

  /** Bytes missing from the capture: the body continues at an unknown line position. */
  gap(length: number): void {
    this.wire += this.pending + length;
    this.pending = 0;
    this.state = MID;
  }

  /**
   * Consumes b[from..]. Returns the index just after the end-of-data line, or -1 when all bytes were body.
   */
  feed(b: Uint8Array, from: number): number {
    const end = b.length;
    let i = from;
    let run = from;
    let state = this.state;
    while (i < end) {
      if (state === MID) {
        // Only line starts with a dot matter: jump to the next dot that follows a line feed. Dots are searched, not
        // line feeds: base64 parts (most of mail's bytes) hold none, so a segment is one memchr instead of a search
        // stopping at every line. Position i is not a line start, so its line feed can be at i at the earliest.
        // Buffer's native search runs on the view itself (no Buffer object made per call).
        let j = i + 1 < end ? indexOf.call(b, DOT, i + 1) : -1;
        while (j >= 0 && b[j - 1] !== LF) j = j + 1 < end ? indexOf.call(b, DOT, j + 1) : -1;
        if (j < 0) {
          if (b[end - 1] === LF) state = BOL;
          i = end;
          break;
        }
        i = j;
        state = BOL;
      } else if (state === BOL) {
        if (b[i] === DOT) {
          this.emit(b, run, i);
          this.pending = 1;
          state = DOT_;
          i++;
          run = i;
        } else {
          state = MID;
        }
      } else if (state === DOT_) {
        const c = b[i];
        if (c === LF) {
          return this.finish(i + 1);
        } else if (c === CR) {
          this.pending = 2;
          state = DOTCR;
          i++;
          run = i;
        } else {
          // A stuffed dot: dropped from the message, counted on the wire.
          this.wire += 1;
          this.pending = 0;
          state = MID;
          run = i;
        }
      } else {
        // DOTCR
        if (b[i] === LF) {
          return this.finish(i + 1);
        }
        // '.' '\r' then something else: the dot was stuffed, the CR is message content.
        this.wire += 2;
        this.pending = 0;
        this.emitConst(CR_BYTE);
        state = MID;
        run = i;
      }
    }
    this.state = state;
    if (state === BOL || state === MID) this.emit(b, run, end);
    return -1;
  }

  private finish(next: number): number {
    this.pending = 0;
    this.state = BOL;
    return next;
  }

  private emit(b: Uint8Array, s: number, e: number): void {
    if (e <= s) return;
    this.wire += e - s;
    this.bytes += e - s;
    this.sink.write(b, s, e);
  }

  private emitConst(b: Uint8Array): void {
    this.bytes += b.length;
    this.sink.write(b, 0, b.length);
  }
}

export interface SinkResult {
  /**
   * SHA-256 of the message, or undefined when every byte was retained: the hash is then left to whoever reads the
   * retained bytes (the MIME stage, off the main thread when it can), which must hash `parts` up to `retainedBytes`.
   */
  sha256: string | undefined;
  prefixSha256: string;
  /**
   * The retained bytes in chunks of CHUNK_BYTES (only the last may be shorter): each is a pooled private chunk (a
   * view from offset 0 of its own ArrayBuffer) or, where messages go to the MIME worker, a shared slot (slots.ts).
   */
  parts: Uint8Array[];
  retainedBytes: number;
  truncated: boolean;
  /** Unstuffed bytes hashed (the bytes before the first gap). */
  hashedBytes: number;
}

const PREFIX_BYTES = 4096;
/**
 * 32 KiB: at the peak every in-progress message holds a partly filled chunk, so smaller chunks mean less fresh memory
 * (page faults, ~1.5 ms per MiB here); measured 2-3% faster than 64 KiB on the benchmark, same peak RSS. One chunk is
 * one slot of the shared memory that carries messages to the MIME worker (slots.ts).
 */
export const CHUNK_BYTES = SLOT_BYTES;
/** Idle chunks kept for reuse (fresh memory costs page faults: ~1.5 ms per MiB here, more than copying into it). */
const POOL_MAX = 512;
/**
 * Private chunks never leave this thread. Where messages go to the MIME worker, a full chunk is copied into a slot of
 * shared memory (slots.ts) and the private chunk is refilled. V8 copies into a SharedArrayBuffer with relaxed atomics,
 * slow for the many small, unequally aligned body writes: writing them straight into the slot measured no faster than
 * this extra whole-chunk copy (~0.3 s per GiB of main thread either way). Transferring chunks instead made every byte
 * count as new external memory each time a chunk came back (~37 extra young-generation collections per GiB here).
 */
const pool: Buffer[] = [];

function takeChunk(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
}

/**
 * Returns chunks (from SinkResult.parts) to the pool, and slots to theirs; they must not be used after, and each at
 * most once.
 */
export function releaseChunks(chunks: readonly Uint8Array[]): void {
  for (const c of chunks) {
    const slot = slots.indexOf(c);
    if (slot >= 0) {
      slots.release(slot);
      continue;
    }
    if (pool.length >= POOL_MAX) continue;
    if (c.byteOffset === 0 && c.buffer.byteLength === CHUNK_BYTES && c.buffer instanceof ArrayBuffer) {
      pool.push(c instanceof Buffer && c.length === CHUNK_BYTES ? c : Buffer.from(c.buffer, 0, CHUNK_BYTES));
    }
  }
}

/** Idle chunks in the pool (for tests). */
export function chunkPoolIdle(): number {
  return pool.length;
}

/** Joins chunks holding `length` bytes into one buffer. */
export function joinChunks(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 0) return new Uint8Array(0);
  return Buffer.concat(chunks, length);
}

/**
 * Hashes the unstuffed message (whole and first 4096 bytes) and keeps its first `maxBytes` for MIME parsing.
 * Bytes are copied once into pooled chunks (uninitialised memory, never grown). While every byte is retained the
 * whole-message hash is deferred (finish() leaves it to the reader of the retained bytes); once the message
 * outgrows the limit, the retained chunks are hashed and the rest is hashed as it comes, a full chunk per update
 * (small updates cost about three times more per byte), with one chunk reused as a staging area.
 */
export class MessageSink implements ByteSink {
  private readonly hash: Hash = createHash('sha256');
  private prefix: Hash | undefined = createHash('sha256');
  private prefixSha?: string;
  private prefixLen = 0;
  /** Full retained chunks, private or in slots (hashed already unless the hash is deferred). */
  private readonly chunks: Uint8Array[] = [];
  /** The chunk being filled: retained while `len < maxBytes`, otherwise a staging area. */
  private cur: Buffer | undefined;
  private curLen = 0;
  /** Bytes of `cur` that are retained (the rest, after the limit, is staging). */
  private curKept = 0;
  /** Bytes of `cur` already hashed (by startOverflow). */
  private curHashed = 0;
  /** No byte hashed yet: all of them are retained, and the hash is left to the reader (see SinkResult.sha256). */
  private deferred = true;
  private len = 0;
  private hashed = 0;
  /** Bytes offered after the retention limit was reached. */
  overflow = false;
  private stopped = false;
  private result?: SinkResult;

  constructor(private readonly maxBytes: number) {}

  write(b: Uint8Array, s: number, e: number): void {
    if (this.stopped || e <= s) return;
    const n = e - s;
    this.hashed += n;
    if (this.prefixLen < PREFIX_BYTES) {
      const k = Math.min(PREFIX_BYTES - this.prefixLen, n);
      this.prefix!.update(new Uint8Array(b.buffer, b.byteOffset + s, k));
      this.prefixLen += k;
      if (this.prefixLen >= PREFIX_BYTES) {
        this.prefixSha = this.prefix!.digest('hex');
        this.prefix = undefined;
      }
    }
    if (this.len < this.maxBytes) {
      const k = Math.min(this.maxBytes - this.len, n);
      this.copy(b, s, s + k, true);
      this.len += k;
      if (k < n) {
        this.startOverflow();
        this.copy(b, s + k, e, false);
      }
    } else {
      this.startOverflow();
      this.copy(b, s, e, false);
    }
  }

  /** The message outgrew the limit: hash what was retained so far, then hash as bytes come. */
  private startOverflow(): void {
    this.overflow = true;
    if (!this.deferred) return;
    this.deferred = false;
    for (const c of this.chunks) this.hash.update(c);
    if (this.cur !== undefined && this.curLen > 0) this.hash.update(this.cur.subarray(0, this.curLen));
    this.curHashed = this.curLen;
  }

  /** Copies b[s..e) into chunks; `keep`: the bytes are retained (else staged for the hash only). */
  private copy(b: Uint8Array, s: number, e: number, keep: boolean): void {
    if (!keep && e - s >= CHUNK_BYTES) {
      this.flushCur();
      this.hash.update(new Uint8Array(b.buffer, b.byteOffset + s, e - s));
      return;
    }
    while (s < e) {
      let c = this.cur;
      if (c === undefined) {
        c = this.cur = takeChunk();
        this.curLen = 0;
        this.curKept = 0;
        this.curHashed = 0;
      }
      const k = Math.min(CHUNK_BYTES - this.curLen, e - s);
      c.set(k === b.length ? b : new Uint8Array(b.buffer, b.byteOffset + s, k), this.curLen);
      this.curLen += k;
      if (keep) this.curKept = this.curLen;
      s += k;
      if (this.curLen === CHUNK_BYTES) this.flushCur();
    }
  }

  /** Hashes the current chunk; keeps it when it holds retained bytes, else reuses it as the staging area. */
  private flushCur(): void {
    const c = this.cur;
    if (c === undefined || this.curLen === 0) return;
    if (!this.deferred && this.curLen > this.curHashed) this.hash.update(c.subarray(this.curHashed, this.curLen));
    this.curHashed = 0;
    if (this.curKept > 0) {
      // A full chunk goes to shared memory when it can, and the private one is refilled.
      const slot = this.curKept === CHUNK_BYTES ? slots.store(c, CHUNK_BYTES) : null;
      if (slot !== null) {
        this.chunks.push(slot);
      } else {
        this.chunks.push(this.curKept === c.length ? c : c.subarray(0, this.curKept));
        this.cur = undefined;
      }
    }
    this.curLen = 0;
    this.curKept = 0;
  }

  /** A gap: later bytes are not part of the hash (which covers the captured prefix only). */
  stop(): void {
    this.stopped = true;
  }

  get finished(): boolean {
    return this.result !== undefined;
  }

  finish(): SinkResult {
    if (this.result) return this.result;
    this.stopped = true;
    this.flushCur();
    if (this.cur) releaseChunks([this.cur]);
    this.cur = undefined;
    const parts = this.chunks.splice(0);
    this.result = {
      sha256: this.deferred ? undefined : this.hash.digest('hex'),
      prefixSha256: this.prefixSha ?? this.prefix!.digest('hex'),
      parts,
      retainedBytes: Math.min(this.len, this.maxBytes),
      truncated: this.overflow,
      hashedBytes: this.hashed,
    };
    this.prefix = undefined;
    return this.result;
  }
}

export const MAX_BODY_POINTS = 512;

/**
 * Cumulative wire bytes per frame, at most MAX_BODY_POINTS points: every `stride`-th frame point is kept and the
 * stride doubles (keeping every other point) when full; the first and the latest point are always exact.
 */
export class PointSeries {
  /** Kept points, four numbers each (frame, tsSec, tsNsec, bytes); grown by doubling up to MAX_BODY_POINTS. */
  private a = new Float64Array(4 * 16);
  /** Number of kept points. */
  private n = 0;
  private stride = 1;
  private count = 0;
  // The latest point as plain fields: most frames are not kept.
  private hasTail = false;
  private tailFrame = 0;
  private tailSec = 0;
  private tailNsec = 0;
  private tailBytes = 0;
  /** The latest point is the last kept one. */
  private tailKept = false;

  mark(ref: SegmentRef, bytes: number): void {
    if (this.hasTail) {
      if (this.tailFrame === ref.frame) {
        this.tailBytes = bytes;
        if (this.tailKept) this.a[this.n * 4 - 1] = bytes;
        return;
      }
      if (this.tailBytes === bytes) return;
    }
    let kept = false;
    if (this.count % this.stride === 0) {
      const a = this.a;
      if (this.n >= MAX_BODY_POINTS - 1) {
        // Full: keep every other point and double the stride.
        let w = 0;
        for (let r = 0; r < this.n; r += 2, w++) a.copyWithin(w * 4, r * 4, r * 4 + 4);
        this.n = w;
        this.stride *= 2;
      }
      if (this.count % this.stride === 0) {
        if ((this.n + 1) * 4 > a.length) {
          const grown = new Float64Array(Math.min(a.length * 2, MAX_BODY_POINTS * 4));
          grown.set(a);
          this.a = grown;
        }
        const o = this.n * 4;
        this.a[o] = ref.frame;
        this.a[o + 1] = ref.tsSec;
        this.a[o + 2] = ref.tsNsec;
        this.a[o + 3] = bytes;
        this.n++;
        kept = true;
      }
    }
    this.count++;
    this.hasTail = true;
    this.tailFrame = ref.frame;
    this.tailSec = ref.tsSec;
    this.tailNsec = ref.tsNsec;
    this.tailBytes = bytes;
    this.tailKept = kept;
  }

  points(): SmtpBodyPoint[] {
    return this.packed().points();
  }

  /** The points in a compact form, for transactions that are kept until the end of the capture. */
  packed(): PackedPoints {
    const extra = this.hasTail && !this.tailKept ? 1 : 0;
    const out = new Float64Array((this.n + extra) * 4);
    out.set(this.a.subarray(0, this.n * 4));
    if (extra) {
      const o = this.n * 4;
      out[o] = this.tailFrame;
      out[o + 1] = this.tailSec;
      out[o + 2] = this.tailNsec;
      out[o + 3] = this.tailBytes;
    }
    return new PackedPoints(out);
  }
}

/**
 * A finished series as four numbers a point in one typed array (32 bytes a point, outside the JavaScript heap,
 * against ~64 for an object in an array): a capture's sessions are all kept until its analysis, and their points
 * were most of that memory. points() builds the objects when a rule or a chart reads them.
 */
export class PackedPoints {
  constructor(private readonly a: Float64Array) {}

  points(): SmtpBodyPoint[] {
    const a = this.a;
    const out: SmtpBodyPoint[] = new Array<SmtpBodyPoint>(a.length / 4);
    for (let i = 0, o = 0; o < a.length; i++, o += 4) out[i] = { frame: a[o], tsSec: a[o + 1], tsNsec: a[o + 2], bytes: a[o + 3] };
    return out;
  }
}

/** Makes `body.points` read from packed points (an enumerable getter: JSON and structured clones see an array). */
export function attachPoints(body: { points: SmtpBodyPoint[] }, packed: PackedPoints): void {
  Object.defineProperty(body, 'points', { get: () => packed.points(), enumerable: true, configurable: true });
}
