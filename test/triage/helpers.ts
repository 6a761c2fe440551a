// Triage test helpers: small pcaps with a chosen packet count, junk files, and a minimal zip writer.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { buildFrame } from '../../fixtures/gen/packets.js';
import { writePcap } from '../../fixtures/gen/writers.js';
import { testTempDir } from '../tmp.js';

export const FAKE_ANALYZER = new URL('./fake-analyzer.js', import.meta.url).href;

export function tempDir(prefix = 'triage-'): string {
  return testTempDir(prefix);
}

/** A classic pcap holding `packets` TCP frames (the fake analyzer's verdict is packets % 5). */
export function pcapBytes(packets: number): Buffer {
  const frames = Array.from({ length: packets }, (_, i) => ({
    tsSec: 1_700_000_000 + i,
    tsNsec: 0,
    data: buildFrame('ethernet', { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 25, seq: 1000 + i, flags: 'A' }),
  }));
  return writePcap(frames, { linkType: 1 });
}

export function put(root: string, rel: string, data: Uint8Array | string): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  return p;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipMember {
  name: string;
  data?: Uint8Array;
  deflate?: boolean;
  /** Set the encryption flag (data is not really encrypted). */
  encrypted?: boolean;
  /** Uncompressed size to claim instead of the real one (a damaged archive). */
  claimSize?: number;
}

/** A zip archive (no zip64): stored or deflated members; names ending in '/' are folders. */
export function zipBytes(members: ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const raw = Buffer.from(m.data ?? new Uint8Array(0));
    const method = m.deflate ? 8 : 0;
    const plain = m.deflate ? deflateRawSync(raw) : raw;
    // An encrypted member carries a 12-byte encryption header before its data.
    const body = m.encrypted ? Buffer.concat([Buffer.alloc(12, 0x55), plain]) : plain;
    const crc = crc32(raw);
    const flags = 0x0800 | (m.encrypted ? 1 : 0);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(flags, 6);
    lh.writeUInt16LE(method, 8);
    lh.writeUInt16LE(0, 10);
    lh.writeUInt16LE(0x5821, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(m.claimSize ?? raw.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    locals.push(lh, name, body);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(0x031e, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(flags, 8);
    ch.writeUInt16LE(method, 10);
    ch.writeUInt16LE(0, 12);
    ch.writeUInt16LE(0x5821, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(m.claimSize ?? raw.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(offset, 42);
    centrals.push(ch, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Collects what triage writes to "stdout". */
export class Sink {
  text = '';
  write(s: string | Uint8Array): boolean {
    this.text += typeof s === 'string' ? s : Buffer.from(s).toString('utf8');
    return true;
  }
  lines(): Record<string, unknown>[] {
    return this.text.split('\n').filter((l) => l).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
