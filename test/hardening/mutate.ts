// Hardening helper: structure-aware mutations of capture bytes (bit flips, truncations, corrupted lengths, shuffled
// records/blocks/lines, inserted text), described as plain data so fast-check can shrink them and scripts can replay them.

import { concatBytes } from '../../src/util/bytes.js';

export type MutationKind = 'flip' | 'byte' | 'truncate' | 'length' | 'shuffle' | 'duplicate' | 'delete' | 'text' | 'splice';

export interface Mutation {
  kind: MutationKind;
  /** Position selectors; reduced modulo the relevant size. */
  a: number;
  b: number;
  /** Value selector (bit number, byte value, length choice, line choice). */
  v: number;
}

export const MUTATION_KINDS: MutationKind[] = ['flip', 'byte', 'truncate', 'length', 'shuffle', 'duplicate', 'delete', 'text', 'splice'];

/** Length values that break readers: zero, tiny, unaligned, huge, sign bit, all ones. */
const HOSTILE_U32 = [0, 1, 3, 4, 7, 8, 11, 12, 15, 16, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 0x10000000, 0x0fffffff, 65535, 65536, 262144, 0x40000000];

const TEXT_LINES = [
  '',
  '0x0000\t 4500 0028 0000 4000 4006 0000 0a00 0001\tE..(..@.@.......',
  '0x0010\t zzzz',
  '0xffff\t 0000',
  '2026-11-27 10:00:00.000000 port1 in 10.0.0.1.1025 -> 10.0.0.2.25: syn 1',
  '99999999999999999999.999999 10.0.0.1.1 -> 10.0.0.2.2: psh 4294967295 ack 4294967295',
  '1.000000 port1 out 10.0.0.1.1025 -> 10.0.0.2.25: fin 1 ack 1',
  'interfaces=[any]',
  'filters=[port 25]',
  '\x1b[2J\x1b]8;;http://x\x07link\x1b]8;;\x07',
  '0x0000\t 4500',
  '0x0000\t ' + '4500 '.repeat(200),
  'truncated-ip - 20 bytes missing!',
  '12 packets received by filter',
  '\t\t\t',
  'A'.repeat(5000),
];

/** Record/block boundaries for pcap and pcapng (best effort on damaged input); other inputs get fixed-size pieces. */
export function units(b: Uint8Array): { header: number; starts: number[]; lenFields: Array<{ at: number; le: boolean }> } {
  const starts: number[] = [];
  const lenFields: Array<{ at: number; le: boolean }> = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24) {
    const m = dv.getUint32(0, true);
    const pcapLe = m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34;
    const pcapBe = dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d || dv.getUint32(0, false) === 0xa1b2cd34;
    if (pcapLe || pcapBe) {
      const hdr = m === 0xa1b2cd34 || dv.getUint32(0, false) === 0xa1b2cd34 ? 24 : 16;
      lenFields.push({ at: 16, le: pcapLe });
      let p = 24;
      while (p + hdr <= b.length && starts.length < 100_000) {
        starts.push(p);
        lenFields.push({ at: p + 8, le: pcapLe }, { at: p + 12, le: pcapLe });
        const n = dv.getUint32(p + 8, pcapLe);
        if (n > b.length) break;
        p += hdr + n;
      }
      return { header: 24, starts, lenFields };
    }
    if (m === 0x0a0d0d0a) {
      let p = 0;
      let le = true;
      while (p + 12 <= b.length && starts.length < 100_000) {
        const type = dv.getUint32(p, le);
        if (type === 0x0a0d0d0a) le = dv.getUint32(p + 8, true) === 0x1a2b3c4d;
        const n = dv.getUint32(p + 4, le);
        starts.push(p);
        lenFields.push({ at: p + 4, le });
        if (n < 12 || p + n > b.length) break;
        lenFields.push({ at: p + n - 4, le });
        if (type === 6) lenFields.push({ at: p + 20, le }, { at: p + 24, le });
        if (type === 1) lenFields.push({ at: p + 12, le });
        p += n;
      }
      return { header: 0, starts, lenFields };
    }
  }
  for (let p = 0; p < b.length; p += 64) starts.push(p);
  return { header: 0, starts, lenFields };
}

function isText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  for (let i = 0; i < n; i++) if (b[i] === 0) return false;
  return n > 0 && !(b[0] === 0x1f && b[1] === 0x8b);
}

function splitLines(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x0a) {
      out.push(b.subarray(s, i + 1));
      s = i + 1;
    }
  }
  if (s < b.length) out.push(b.subarray(s));
  return out;
}

/** Applies one mutation; never throws, returns a new array (the input is not modified). */
export function applyMutation(input: Uint8Array, m: Mutation): Uint8Array {
  const b = new Uint8Array(input);
  const n = b.length;
  if (n === 0) return m.kind === 'text' ? new TextEncoder().encode(TEXT_LINES[m.v % TEXT_LINES.length]) : b;
  switch (m.kind) {
    case 'flip': {
      b[m.a % n] ^= 1 << (m.v % 8);
      return b;
    }
    case 'byte': {
      b[m.a % n] = m.v & 0xff;
      return b;
    }
    case 'truncate':
      return b.subarray(0, m.a % n);
    case 'length': {
      const u = units(b);
      const v = HOSTILE_U32[m.v % HOSTILE_U32.length];
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      if (u.lenFields.length) {
        const f = u.lenFields[m.a % u.lenFields.length];
        if (f.at + 4 <= n) dv.setUint32(f.at, v, f.le);
      } else if (n >= 4) {
        dv.setUint32(m.a % (n - 3), v, (m.b & 1) === 0);
      }
      return b;
    }
    case 'shuffle':
    case 'duplicate':
    case 'delete': {
      let pieces: Uint8Array[];
      let head: Uint8Array;
      if (isText(b)) {
        head = new Uint8Array(0);
        pieces = splitLines(b);
      } else {
        const u = units(b);
        head = b.subarray(0, u.starts.length ? u.starts[0] : 0);
        pieces = u.starts.map((s, i) => b.subarray(s, i + 1 < u.starts.length ? u.starts[i + 1] : n));
      }
      if (pieces.length === 0) return b;
      const i = m.a % pieces.length;
      const j = m.b % pieces.length;
      if (m.kind === 'shuffle') [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
      else if (m.kind === 'duplicate') pieces.splice(j, 0, pieces[i]);
      else pieces.splice(i, 1);
      return concatBytes([head, ...pieces]);
    }
    case 'text': {
      const line = new TextEncoder().encode(`${TEXT_LINES[m.v % TEXT_LINES.length]}\n`);
      if (isText(b)) {
        const lines = splitLines(b);
        lines.splice(m.a % (lines.length + 1), 0, line);
        return concatBytes(lines);
      }
      const at = m.a % (n + 1);
      return concatBytes([b.subarray(0, at), line, b.subarray(at)]);
    }
    case 'splice': {
      // Copies a run of the file over another place (a block header pasted mid-record, and similar).
      const from = m.a % n;
      const to = m.b % n;
      const len = 1 + (m.v % 64);
      b.copyWithin(to, from, Math.min(n, from + len));
      return b;
    }
  }
}

export function applyMutations(input: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = input;
  for (const m of ms) b = applyMutation(b, m);
  return b;
}

/** Seeded PRNG (mulberry32) for the scripts. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1-4 random mutations from a PRNG. */
export function randomMutations(next: () => number): Mutation[] {
  const count = 1 + Math.floor(next() * next() * 4);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      kind: MUTATION_KINDS[Math.floor(next() * MUTATION_KINDS.length)],
      a: Math.floor(next() * 2 ** 31),
      b: Math.floor(next() * 2 ** 31),
      v: Math.floor(next() * 2 ** 16),
    });
  }
  return out;
}
