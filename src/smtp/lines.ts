// Line splitter for one direction: CRLF canonical, bare LF tolerated, lines beyond a limit truncated (never grown).

import type { SegmentRef } from '../reassembly/types.js';

const LF = 10;
const CR = 13;

export class LineReader {
  private buf: Uint8Array;
  private len = 0;
  private partial = false;
  private startOffset = 0;
  private startRef: SegmentRef = { frame: 0, tsSec: 0, tsNsec: 0 };
  private overLimit = false;
  /** Discard bytes up to and including the next LF (after a gap the position inside a line is unknown). */
  skipToLf = false;

  /** The last complete line (set when read() returned with `ready`). */
  ready = false;
  line = '';
  lineOffset = 0;
  lineRef: SegmentRef = this.startRef;
  bareLf = false;
  tooLong = false;
  /** Length of the line on the wire, without its line break. */
  lineBytes = 0;

  constructor(private readonly maxLineBytes: number) {
    this.buf = new Uint8Array(Math.min(256, maxLineBytes));
  }

  get hasPartial(): boolean {
    return this.partial;
  }

  /** Drops a partial line (gap). */
  reset(): void {
    this.partial = false;
    this.len = 0;
    this.overLimit = false;
  }

  /**
   * Reads from b[i..]; returns the index after the consumed bytes. When a line completed, `ready` is true and
   * the line fields are set; otherwise all bytes were buffered as a partial line.
   */
  read(b: Uint8Array, i: number, base: number, ref: SegmentRef): number {
    this.ready = false;
    const end = b.length;
    if (this.skipToLf) {
      const j = b.indexOf(LF, i);
      if (j < 0) return end;
      this.skipToLf = false;
      return j + 1;
    }
    const j = b.indexOf(LF, i);
    if (j < 0) {
      this.append(b, i, end, base, ref);
      return end;
    }
    if (!this.partial) {
      let e = j;
      this.bareLf = !(e > i && b[e - 1] === CR);
      if (!this.bareLf) e--;
      this.lineBytes = e - i;
      this.tooLong = e - i > this.maxLineBytes;
      if (this.tooLong) e = i + this.maxLineBytes;
      this.line = Buffer.from(b.buffer, b.byteOffset + i, e - i).toString('utf8');
      this.lineOffset = base + i;
      this.lineRef = ref;
    } else {
      this.append(b, i, j, base, ref);
      this.finishPartial();
    }
    this.ready = true;
    return j + 1;
  }

  /** Completes a partial line at the end of the stream; returns false if there is none. */
  flush(): boolean {
    this.ready = false;
    if (!this.partial) return false;
    this.finishPartial();
    this.bareLf = false;
    this.ready = true;
    return true;
  }

  private finishPartial(): void {
    const hadCr = this.lastByte === CR && this.lineBytesSoFar > 0;
    this.bareLf = !hadCr;
    this.lineBytes = this.lineBytesSoFar - (hadCr ? 1 : 0);
    this.tooLong = this.lineBytes > this.maxLineBytes;
    const n = Math.min(this.len - (hadCr && !this.overLimit ? 1 : 0), this.maxLineBytes);
    this.line = Buffer.from(this.buf.buffer, this.buf.byteOffset, n).toString('utf8');
    this.lineOffset = this.startOffset;
    this.lineRef = this.startRef;
    this.partial = false;
    this.len = 0;
    this.overLimit = false;
    this.lineBytesSoFar = 0;
  }

  private lineBytesSoFar = 0;
  private lastByte = -1;

  private append(b: Uint8Array, s: number, e: number, base: number, ref: SegmentRef): void {
    if (!this.partial) {
      this.partial = true;
      this.startOffset = base + s;
      this.startRef = ref;
      this.len = 0;
      this.lineBytesSoFar = 0;
    }
    this.lineBytesSoFar += e - s;
    if (e > s) this.lastByte = b[e - 1];
    // One byte beyond the limit so that a trailing CR of a maximal line is still seen.
    const room = this.maxLineBytes + 1 - this.len;
    let n = e - s;
    if (n > room) {
      n = room;
      this.overLimit = true;
    }
    if (n <= 0) return;
    if (this.len + n > this.buf.length) {
      // From at least 64: a zero-length buffer (maxLineBytes 0) would never grow and the loop would not end.
      let cap = Math.max(64, this.buf.length * 2);
      while (cap < this.len + n) cap *= 2;
      const nb = new Uint8Array(Math.min(cap, this.maxLineBytes + 1));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(b.subarray(s, s + n), this.len);
    this.len += n;
  }
}
