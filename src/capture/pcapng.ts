// pcapng reader: sections of either byte order, IDB/EPB/SPB/PB; other blocks are counted and passed over.

import { FrameSink, MAX_RECORD, RecordParser, hex32, u16be, u16le, u32be, u32le } from './sink.js';
import type { CaptureFormat } from './types.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;
const IDB = 1;
const PB = 2;
const SPB = 3;
const NRB = 4;
const ISB = 5;
const EPB = 6;
const DSB = 0x0a;

const BLOCK_NAMES: Record<number, string> = {
  [NRB]: 'pcapng name resolution blocks',
  [ISB]: 'pcapng interface statistics blocks',
  [DSB]: 'pcapng decryption secrets blocks',
  0x0bad: 'pcapng custom blocks',
  0x40000bad: 'pcapng custom blocks',
  0x9: 'pcapng systemd journal blocks',
};

/** How one interface's timestamp ticks become seconds and nanoseconds. */
interface TsConv {
  /** Ticks per second when it is 10^k with k <= 9 (fast exact path), else 0. */
  div: number;
  /** Nanoseconds per tick on the fast path. */
  nsPerTick: number;
  /** Exponent and base for the BigInt path (10^-k with k > 9, or 2^-k). */
  pow2: boolean;
  exp: number;
  offsetSec: number;
}

interface SectionIface {
  fileIndex: number;
  linkType: number;
  snapLen: number;
  ts: TsConv;
  name?: string;
}

const TEN_POW = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Result of convertTicks (module scratch: no array per packet). */
let outSec = 0;
let outNsec = 0;

/** Converts a 64-bit tick count (hi:lo) to seconds and nanoseconds into outSec/outNsec, exactly. */
function convertTicks(hi: number, lo: number, ts: TsConv): void {
  const div = ts.div;
  if (div > 0) {
    // Long division by 16-bit digits in doubles: every intermediate stays below 2^53, so it is exact.
    const q1 = Math.floor(hi / div);
    let r = hi - q1 * div;
    let t = r * 65536 + (lo >>> 16);
    const q2 = Math.floor(t / div);
    r = t - q2 * div;
    t = r * 65536 + (lo & 0xffff);
    const q3 = Math.floor(t / div);
    r = t - q3 * div;
    outSec = q1 * 4294967296 + q2 * 65536 + q3 + ts.offsetSec;
    outNsec = r * ts.nsPerTick;
    return;
  }
  const ticks = (BigInt(hi) << 32n) | BigInt(lo);
  let sec: bigint;
  let nsec: bigint;
  if (ts.pow2) {
    const e = BigInt(ts.exp);
    sec = ticks >> e;
    const frac = ticks & ((1n << e) - 1n);
    // Round to the nearest nanosecond; a fraction that rounds up to a full second carries.
    nsec = (frac * 1_000_000_000n + (1n << (e - 1n))) >> e;
  } else {
    const d = 10n ** BigInt(ts.exp);
    sec = ticks / d;
    nsec = ((ticks % d) * 1_000_000_000n) / d;
  }
  if (nsec >= 1_000_000_000n) {
    sec += 1n;
    nsec -= 1_000_000_000n;
  }
  outSec = Number(sec) + ts.offsetSec;
  outNsec = Number(nsec);
}

/** Seconds and nanoseconds of a 64-bit tick count (hi:lo) at an interface's resolution and offset. */
export function ticksToTime(hi: number, lo: number, ts: TsConv): [number, number] {
  convertTicks(hi, lo, ts);
  return [outSec, outNsec];
}

export function tsConv(tsresol: number | undefined, offsetSec: number): TsConv {
  const r = tsresol ?? 6;
  const pow2 = (r & 0x80) !== 0;
  const exp = r & 0x7f;
  if (!pow2 && exp <= 9) return { div: TEN_POW[exp], nsPerTick: TEN_POW[9 - exp], pow2, exp, offsetSec };
  if (pow2 && exp === 0) return { div: 1, nsPerTick: 1e9, pow2, exp, offsetSec };
  return { div: 0, nsPerTick: 0, pow2, exp, offsetSec };
}

function tsResolutionText(tsresol: number | undefined): string {
  const r = tsresol ?? 6;
  return r & 0x80 ? `2^-${r & 0x7f}` : `10^-${r}`;
}

export class PcapngParser extends RecordParser {
  format: CaptureFormat = 'pcapng';
  sections = 0;
  private le = true;
  private sawLe = false;
  private sawBe = false;
  private rd32: (b: Uint8Array, i: number) => number = u32le;
  private rd16: (b: Uint8Array, i: number) => number = u16le;
  private ifaces: SectionIface[] = [];

  constructor(sink: FrameSink) {
    super(sink);
    this.need = 12;
  }

  get byteOrder(): 'little' | 'big' | 'mixed' {
    return this.sawLe && this.sawBe ? 'mixed' : this.sawBe ? 'big' : 'little';
  }

  protected override needsMore(): boolean {
    return this.sections === 0;
  }

  protected cutMessage(have: number): string {
    return `pcapng block runs past the end of the file (${have} of ${this.need} bytes present)`;
  }

  protected parse(b: Uint8Array, start: number, end: number): number {
    let p = start;
    const base = this.base - start;
    for (;;) {
      if (end - p < 12) {
        this.need = 12;
        break;
      }
      let type = this.rd32(b, p);
      let len: number;
      if (type === PCAPNG_SHB) {
        const bomLe = u32le(b, p + 8);
        if (bomLe === BOM) this.setOrder(true);
        else if (u32be(b, p + 8) === BOM) this.setOrder(false);
        else {
          this.fail(`pcapng section header with a bad byte-order magic ${hex32(bomLe)}`, base + p);
          break;
        }
        len = this.rd32(b, p + 4);
      } else {
        if (this.sections === 0) {
          this.fail('pcapng file does not start with a section header block', base + p);
          break;
        }
        len = this.rd32(b, p + 4);
      }
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
        this.fail(`impossible pcapng block length ${len} (block type ${hex32(type)})`, base + p);
        break;
      }
      if (end - p < len) {
        this.need = len;
        break;
      }
      const trail = this.rd32(b, p + len - 4);
      if (trail !== len) {
        this.fail(`pcapng block length ${len} does not match its trailing length ${trail} (block type ${hex32(type)})`, base + p);
        break;
      }
      this.block(type, b, p, len, base + p);
      if (this.error) break;
      p += len;
    }
    const used = p - start;
    this.base += used;
    return used;
  }

  private setOrder(le: boolean): void {
    this.le = le;
    this.rd32 = le ? u32le : u32be;
    this.rd16 = le ? u16le : u16be;
  }

  private block(type: number, b: Uint8Array, p: number, len: number, off: number): void {
    switch (type) {
      case PCAPNG_SHB: {
        if (len < 28) return this.fail(`pcapng section header block too short (${len} bytes)`, off);
        this.sections++;
        if (this.le) this.sawLe = true;
        else this.sawBe = true;
        this.ifaces = [];
        return;
      }
      case IDB:
        return this.idb(b, p, len, off);
      case EPB: {
        if (len < 32) return this.fail(`pcapng enhanced packet block too short (${len} bytes)`, off);
        const iface = this.iface(this.rd32(b, p + 8), off);
        if (!iface) return;
        const capLen = this.rd32(b, p + 20);
        if (capLen > len - 32) {
          return this.fail(`pcapng enhanced packet block: captured length ${capLen} exceeds the block (${len} bytes)`, off);
        }
        convertTicks(this.rd32(b, p + 12), this.rd32(b, p + 16), iface.ts);
        const data = new Uint8Array(b.buffer, b.byteOffset + p + 28, capLen);
        this.sink.emit(outSec, outNsec, iface.linkType, iface.fileIndex, capLen, this.rd32(b, p + 24), data, off, iface.name);
        return;
      }
      case SPB: {
        if (len < 16) return this.fail(`pcapng simple packet block too short (${len} bytes)`, off);
        const iface = this.iface(0, off);
        if (!iface) return;
        const origLen = this.rd32(b, p + 8);
        let capLen = Math.min(origLen, len - 16);
        if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
        // A simple packet block has no timestamp.
        this.sink.emit(0, 0, iface.linkType, iface.fileIndex, capLen, origLen, new Uint8Array(b.buffer, b.byteOffset + p + 12, capLen), off, iface.name, undefined, false);
        return;
      }
      case PB: {
        if (len < 32) return this.fail(`pcapng packet block too short (${len} bytes)`, off);
        const iface = this.iface(this.rd16(b, p + 8), off);
        if (!iface) return;
        const capLen = this.rd32(b, p + 20);
        if (capLen > len - 32) {
          return this.fail(`pcapng packet block: captured length ${capLen} exceeds the block (${len} bytes)`, off);
        }
        convertTicks(this.rd32(b, p + 12), this.rd32(b, p + 16), iface.ts);
        const data = new Uint8Array(b.buffer, b.byteOffset + p + 28, capLen);
        this.sink.emit(outSec, outNsec, iface.linkType, iface.fileIndex, capLen, this.rd32(b, p + 24), data, off, iface.name);
        return;
      }
      case 0x0bad:
      case 0x40000bad:
      case 0x9:
        this.sink.reserveFrameNumber();
        this.sink.skip(BLOCK_NAMES[type]);
        return;
      default:
        this.sink.skip(BLOCK_NAMES[type] ?? 'pcapng unknown blocks');
    }
  }

  private iface(id: number, off: number): SectionIface | null {
    const iface = this.ifaces[id];
    if (!iface) {
      this.fail(`pcapng packet refers to interface ${id}, but its section declares ${this.ifaces.length}`, off);
      return null;
    }
    return iface;
  }

  private idb(b: Uint8Array, p: number, len: number, off: number): void {
    if (len < 20) return this.fail(`pcapng interface description block too short (${len} bytes)`, off);
    const linkType = this.rd16(b, p + 8);
    const snapLen = this.rd32(b, p + 12);
    let name: string | undefined;
    let tsresol: number | undefined;
    let tsoffset = 0;
    // Options: code, length, value padded to 4 bytes; a damaged option list ends the options, not the file.
    let o = p + 16;
    const end = p + len - 4;
    while (o + 4 <= end) {
      const code = this.rd16(b, o);
      const olen = this.rd16(b, o + 2);
      const v = o + 4;
      if (code === 0 || v + olen > end) break;
      if (code === 2) name = Buffer.from(b.buffer, b.byteOffset + v, olen).toString('utf8').replace(/\0+$/, '');
      else if (code === 9 && olen >= 1) tsresol = b[v];
      else if (code === 14 && olen >= 8) {
        const hi = this.rd32(b, this.le ? v + 4 : v);
        const lo = this.rd32(b, this.le ? v : v + 4);
        // Signed 64-bit seconds; realistic offsets fit a double exactly.
        tsoffset = (hi | 0) * 4294967296 + lo;
      }
      o = v + ((olen + 3) & ~3);
    }
    const fileIndex = this.sink.addInterface({
      name,
      linkType,
      snapLen,
      tsResolution: tsResolutionText(tsresol),
    });
    this.ifaces.push({ fileIndex, linkType, snapLen, ts: tsConv(tsresol, tsoffset), name });
  }
}
