// Classic libpcap reader: both byte orders, micro/nanosecond magics, the "modified" (Kuznetzov) variant.

import { FrameSink, MAX_RECORD, RecordParser, hex32, u16be, u16le, u32be, u32le } from './sink.js';
import type { CaptureFormat } from './types.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
export const PCAP_MAGIC_MODIFIED = 0xa1b2cd34;

/** Wireshark accepts records up to this size whatever the snaplen says (TSO/GRO captures exceed 65535). */
const WIRESHARK_MAX_SNAPLEN = 262144;

export function pcapMagic(b: Uint8Array): { le: boolean; kind: 'usec' | 'nsec' | 'modified' } | null {
  if (b.length < 4) return null;
  for (const le of [true, false]) {
    const m = le ? u32le(b, 0) : u32be(b, 0);
    if (m === PCAP_MAGIC_USEC) return { le, kind: 'usec' };
    if (m === PCAP_MAGIC_NSEC) return { le, kind: 'nsec' };
    if (m === PCAP_MAGIC_MODIFIED) return { le, kind: 'modified' };
  }
  return null;
}

export class PcapParser extends RecordParser {
  format: CaptureFormat = 'pcap';
  byteOrder: 'little' | 'big' = 'little';
  snapLen = 0;
  linkType = 0;
  versionMajor = 0;
  versionMinor = 0;
  private headerDone = false;
  private rd32: (b: Uint8Array, i: number) => number = u32le;
  private recHdr = 16;
  private nsecMul = 1000;
  private maxCap = MAX_RECORD;
  private ifIndex = 0;

  constructor(sink: FrameSink) {
    super(sink);
    this.need = 24;
  }

  protected override needsMore(): boolean {
    return !this.headerDone;
  }

  protected cutMessage(have: number): string {
    if (!this.headerDone) return `pcap file header cut short (${have} of 24 bytes)`;
    return `packet record runs past the end of the file (${have} of ${this.need} bytes present)`;
  }

  private readHeader(b: Uint8Array, p: number): void {
    const m = pcapMagic(b.subarray(p, p + 4))!;
    const le = m.le;
    this.byteOrder = le ? 'little' : 'big';
    this.rd32 = le ? u32le : u32be;
    const rd16 = le ? u16le : u16be;
    this.versionMajor = rd16(b, p + 4);
    this.versionMinor = rd16(b, p + 6);
    this.snapLen = this.rd32(b, p + 16);
    // The upper bits of the link-type field carry FCS information (pcap spec); the type is the low 16 bits.
    this.linkType = this.rd32(b, p + 20) & 0xffff;
    if (m.kind === 'nsec') {
      this.format = 'pcap-nsec';
      this.nsecMul = 1;
    } else if (m.kind === 'modified') {
      this.format = 'pcap-modified';
      this.recHdr = 24;
    }
    const sane = this.snapLen > 0 && this.snapLen <= MAX_RECORD;
    this.maxCap = sane ? Math.max(this.snapLen, WIRESHARK_MAX_SNAPLEN) : MAX_RECORD;
    this.ifIndex = this.sink.addInterface({ linkType: this.linkType, snapLen: this.snapLen });
    this.headerDone = true;
  }

  protected parse(b: Uint8Array, start: number, end: number): number {
    let p = start;
    if (!this.headerDone) {
      if (end - p < 24) {
        this.need = 24;
        return 0;
      }
      this.readHeader(b, p);
      p += 24;
    }
    const hl = this.recHdr;
    const sink = this.sink;
    const maxCap = this.maxCap;
    const base = this.base - start;
    // DataView reads compile to single loads; frames are views on the chunk (or, reused, placed in it: no view).
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const le = this.byteOrder === 'little';
    for (;;) {
      if (end - p < hl) {
        this.need = hl;
        break;
      }
      const capLen = dv.getUint32(p + 8, le);
      if (capLen > maxCap) {
        this.fail(
          `impossible packet record: captured length ${capLen} exceeds ${capLen > MAX_RECORD ? 'the 256 MiB limit' : `the snapshot length ${this.snapLen}`} (record header ${hex32(capLen)})`,
          base + p,
        );
        break;
      }
      const total = hl + capLen;
      if (end - p < total) {
        this.need = total;
        break;
      }
      let sec = dv.getUint32(p, le);
      let frac = dv.getUint32(p + 4, le);
      let nsec: number;
      if (this.nsecMul === 1) {
        if (frac >= 1e9) {
          sec += Math.floor(frac / 1e9);
          frac %= 1e9;
        }
        nsec = frac;
      } else {
        if (frac >= 1e6) {
          sec += Math.floor(frac / 1e6);
          frac %= 1e6;
        }
        nsec = frac * 1000;
      }
      sink.emit(sec, nsec, this.linkType, this.ifIndex, capLen, dv.getUint32(p + 12, le), sink.frameData(b, p + hl, capLen), base + p);
      p += total;
    }
    const used = p - start;
    this.base += used;
    return used;
  }
}
