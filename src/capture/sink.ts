// Shared reader state: frame numbering, interface table, link types, timestamps and counters for one capture.

import type { CaptureError, CaptureInterface, RawFrame } from './types.js';

/** Where every reader delivers frames; it numbers them (1-based, file-wide) and keeps the summary facts. */
export class FrameSink {
  packets = 0;
  /** Last frame number given out; ahead of `packets` when Wireshark numbers non-packet blocks as frames. */
  frameNo = 0;
  /** Packets whose format carries no timestamp (pcapng SPB): kept out of first/last. */
  untimed = 0;
  private timed = 0;
  capturedBytes = 0;
  firstSec = 0;
  firstNsec = 0;
  lastSec = 0;
  lastNsec = 0;
  readonly interfaces: CaptureInterface[] = [];
  readonly linkTypes: number[] = [];
  readonly skipped: Record<string, number> = {};

  /** The one frame object handed out when frames are reused (ReadOptions.reuseFrame). */
  private readonly scratch: ReusedFrame | null;

  constructor(
    private readonly onFrame: (f: RawFrame) => void,
    reuseFrame = false,
  ) {
    this.scratch = reuseFrame ? new ReusedFrame() : null;
  }

  /** Registers an interface and returns its file-wide index. */
  addInterface(iface: Omit<CaptureInterface, 'index'>): number {
    const index = this.interfaces.length;
    this.interfaces.push({ index, ...iface });
    this.noteLinkType(iface.linkType);
    return index;
  }

  noteLinkType(linkType: number): void {
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
  }

  /** Wireshark shows some non-packet blocks (pcapng custom, systemd journal) as frames: keep its numbering. */
  reserveFrameNumber(): void {
    this.frameNo++;
  }

  skip(what: string, n = 1): void {
    this.skipped[what] = (this.skipped[what] ?? 0) + n;
  }

  /**
   * The `data` argument for emit() of a frame that lies in `buf` at `start` (`len` bytes): a view, or, with reused
   * frames, null after placing the frame so that no view is made unless someone reads `data` (the decoder reads the
   * buffer directly).
   */
  frameData(buf: Uint8Array, start: number, len: number): Uint8Array | null {
    if (this.scratch === null) return buf.subarray(start, start + len);
    this.scratch.place(buf, start);
    return null;
  }

  /** `data` null: the frame was placed by frameData() (reused frames only). */
  emit(
    tsSec: number,
    tsNsec: number,
    linkType: number,
    interfaceIndex: number,
    capLen: number,
    origLen: number,
    data: Uint8Array | null,
    offset: number,
    interfaceName?: string,
    direction?: 'in' | 'out',
    hasTs = true,
  ): void {
    this.packets++;
    const n = ++this.frameNo;
    this.capturedBytes += capLen;
    // First/last are the earliest and latest timestamps, as capinfos reports them.
    if (!hasTs) this.untimed++;
    else if (++this.timed === 1) {
      this.firstSec = this.lastSec = tsSec;
      this.firstNsec = this.lastNsec = tsNsec;
    } else {
      if (tsSec < this.firstSec || (tsSec === this.firstSec && tsNsec < this.firstNsec)) {
        this.firstSec = tsSec;
        this.firstNsec = tsNsec;
      }
      if (tsSec > this.lastSec || (tsSec === this.lastSec && tsNsec > this.lastNsec)) {
        this.lastSec = tsSec;
        this.lastNsec = tsNsec;
      }
    }
    // A fresh object for each frame unless frames are reused; the same shape either way.
    const f: RawFrame = this.scratch ?? blankFrame();
    if (data !== null) f.data = data;
    f.frame = n;
    f.tsSec = tsSec;
    f.tsNsec = tsNsec;
    f.linkType = linkType;
    f.interfaceIndex = interfaceIndex;
    f.interfaceName = interfaceName;
    f.direction = direction;
    f.capLen = capLen;
    f.origLen = origLen;
    f.offset = offset;
    this.onFrame(f);
  }
}

/**
 * The frame object of ReadOptions.reuseFrame. A frame placed by frameData() has its bytes at buf[start..start+capLen)
 * and gets its `data` view only when something reads it; one given a view (emit) has buf === data and start 0.
 */
export class ReusedFrame implements RawFrame {
  frame = 0;
  tsSec = 0;
  tsNsec = 0;
  linkType = 0;
  interfaceIndex = 0;
  interfaceName: string | undefined = undefined;
  direction: 'in' | 'out' | undefined = undefined;
  capLen = 0;
  origLen = 0;
  offset = 0;
  buf: Uint8Array = EMPTY;
  start = 0;
  private view: Uint8Array | null = EMPTY;

  place(buf: Uint8Array, start: number): void {
    this.buf = buf;
    this.start = start;
    this.view = null;
  }

  get data(): Uint8Array {
    return (this.view ??= this.buf.subarray(this.start, this.start + this.capLen));
  }

  set data(v: Uint8Array) {
    this.view = v;
    this.buf = v;
    this.start = 0;
  }
}

function blankFrame(): RawFrame {
  return { frame: 0, tsSec: 0, tsNsec: 0, linkType: 0, interfaceIndex: 0, interfaceName: undefined, direction: undefined, capLen: 0, origLen: 0, data: EMPTY, offset: 0 };
}

const EMPTY = new Uint8Array(0);

/**
 * Push parser base for binary record formats. Subclasses implement `parse(buf, start, end)`, which consumes
 * whole units only, returns the bytes consumed and sets `need` to the size of the next unit measured from its
 * start. A unit that spans chunks is gathered in a small carry buffer; everything else is parsed in place.
 */
export abstract class RecordParser {
  error: CaptureError | null = null;
  /** File (or decompressed stream) offset of the first byte not yet consumed. */
  protected base = 0;
  protected need = 0;
  private carry = new Uint8Array(0);
  private carryLen = 0;

  constructor(protected readonly sink: FrameSink) {}

  protected abstract parse(buf: Uint8Array, start: number, end: number): number;
  /** Message for input that ends inside a unit (`need` bytes wanted, `have` present). */
  protected abstract cutMessage(have: number): string;

  protected fail(message: string, offset: number): void {
    if (!this.error) this.error = { message, offset, unit: 'byte' };
  }

  push(chunk: Uint8Array): void {
    if (this.error) return;
    let pos = 0;
    while (this.carryLen > 0) {
      const take = Math.min(this.need - this.carryLen, chunk.length - pos);
      if (take > 0) {
        this.appendCarry(chunk, pos, take);
        pos += take;
      }
      if (this.carryLen < this.need) return;
      const before = this.need;
      const used = this.parse(this.carry, 0, this.carryLen);
      if (this.error) return;
      if (used === this.carryLen) this.carryLen = 0;
      else if (used > 0) {
        this.carry.copyWithin(0, used, this.carryLen);
        this.carryLen -= used;
      } else if (this.need <= before) {
        this.fail('internal reader error: no progress', this.base);
        return;
      }
    }
    if (pos >= chunk.length) return;
    const used = this.parse(chunk, pos, chunk.length);
    if (this.error) return;
    const rest = chunk.length - pos - used;
    if (rest > 0) this.appendCarry(chunk, pos + used, rest);
  }

  end(): void {
    if (this.error) return;
    if (this.carryLen > 0 || this.needsMore()) this.fail(this.cutMessage(this.carryLen), this.base);
  }

  /** True when the format requires more bytes even with nothing carried (e.g. a missing file header). */
  protected needsMore(): boolean {
    return false;
  }

  private appendCarry(src: Uint8Array, from: number, len: number): void {
    const want = this.carryLen + len;
    if (want > this.carry.length) {
      const grown = new Uint8Array(Math.max(want, this.carry.length * 2, 4096));
      grown.set(this.carry.subarray(0, this.carryLen));
      this.carry = grown;
    }
    this.carry.set(src.subarray(from, from + len), this.carryLen);
    this.carryLen = want;
  }
}

export function u32le(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}
export function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
export function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
export function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

/** Largest record or block accepted at all (Wireshark's limit for pcapng blocks is the same order). */
export const MAX_RECORD = 256 * 1024 * 1024;

export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}
