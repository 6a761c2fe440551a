// Reassembly over every public capture: invariants, and bytes equal to a naive first-wins reassembly (skips without the corpus).

import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCapture } from '../../src/capture/read.js';
import { decodeFrame } from '../../src/decode/index.js';
import { TCP_SYN, type DecodeStats } from '../../src/decode/types.js';
import { Reassembler } from '../../src/reassembly/reassembler.js';
import { seqDiff } from '../../src/reassembly/seq.js';
import type { ConnectionInfo, StreamChunk, StreamGap, StreamHandler, TcpEnd } from '../../src/reassembly/types.js';

const CORPUS = process.env.SPLICE_DOCTOR_CORPUS ?? join(process.cwd(), '..', 'shared', 'captures', 'public');
const have = existsSync(CORPUS);

function listCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listCaptures(p));
    else if (!name.endsWith('.md')) out.push(p);
  }
  return out;
}

/** Per direction of one connection: delivered bytes up to the first gap, and whether a gap came. */
class Collect implements StreamHandler {
  readonly chunks = { c2s: [] as Uint8Array[], s2c: [] as Uint8Array[] };
  readonly gapped = { c2s: false, s2c: false };
  readonly next = { c2s: 0, s2c: 0 };
  closes = 0;
  constructor(readonly info: ConnectionInfo) {}
  onData(c: StreamChunk): void {
    assert.equal(this.closes, 0);
    assert.equal(c.offset, this.next[c.dir], 'contiguous offsets');
    assert.ok(c.ref.frame >= 1, 'chunk cites a frame');
    this.next[c.dir] += c.bytes.length;
    if (!this.gapped[c.dir]) this.chunks[c.dir].push(c.bytes.slice());
  }
  onGap(g: StreamGap): void {
    assert.equal(this.closes, 0);
    assert.equal(g.offset, this.next[g.dir], 'contiguous gap');
    assert.ok(g.length > 0);
    assert.ok(g.ref.frame >= 1, 'gap cites a frame');
    this.next[g.dir] += g.length;
    this.gapped[g.dir] = true;
  }
  onEnd(e: TcpEnd): void {
    assert.equal(this.closes, 0);
    assert.ok(e.ref.frame >= 1, 'end cites a frame');
  }
  onClose(): void {
    this.closes++;
  }
  prefix(dir: 'c2s' | 's2c'): Buffer {
    return Buffer.concat(this.chunks[dir]);
  }
}

/** Naive reference: per directional tuple, bytes placed by sequence number, first data wins, up to the first hole. */
class Naive {
  private readonly dirs = new Map<string, { base: number; segs: Array<[number, Uint8Array]> }>();
  add(key: string, seq: number, syn: boolean, payload: Uint8Array): void {
    let d = this.dirs.get(key);
    const dataSeq = syn ? (seq + 1) >>> 0 : seq;
    if (d === undefined) this.dirs.set(key, (d = { base: dataSeq, segs: [] }));
    if (payload.length > 0) d.segs.push([seqDiff(dataSeq, d.base), payload.slice()]);
  }
  stream(key: string): Buffer {
    const d = this.dirs.get(key);
    if (d === undefined) return Buffer.alloc(0);
    let size = 0;
    for (const [off, b] of d.segs) size = Math.max(size, off + b.length);
    const out = Buffer.alloc(size);
    const have = new Uint8Array(size);
    for (const [off, b] of d.segs) {
      for (let i = 0; i < b.length; i++) {
        const o = off + i;
        if (o >= 0 && have[o] === 0) {
          have[o] = 1;
          out[o] = b[i];
        }
      }
    }
    const hole = have.indexOf(0);
    return hole < 0 ? out : out.subarray(0, hole);
  }
}

/** Totals checked per file (against tshark's view of the same capture, see docs/decisions-reassembly.md). */
const EXPECT: Record<string, Record<string, number>> = {
  // A real 1000-byte hole inside BDAT data.
  'zeek/smtp-bdat-gap.pcap': { connections: 1, gaps: 1, gapBytes: 1000 },
  // ACKs captured a few packets before the data they acknowledge: no bytes are missing.
  'suricata-verify/issue-4220-01-ids_1flowB.pcap': { connections: 1, gaps: 0 },
  'arkime/smtp-decrypted.pcap': { connections: 4, gaps: 0 },
  // Every packet captured twice (same IP id and TTL, ~100 us apart).
  'tcpdump/pptp.pcap': { connections: 1, duplicatesAcrossInterfaces: 8, retransmissions: 0 },
  // A hand-made oversize segment overlapping five later ones with other bytes.
  'suricata-verify/smtp-bug-5989_input.pcap': { connections: 1, overlaps: 1, gaps: 0 },
  'zeek/smtp.pcap': { overlaps: 1, gaps: 0 },
  // Frames 7 and 8 re-use the sequence numbers of frames 1 and 2 with other text.
  'PcapPlusPlus/Smtp.pcap': { retransmissions: 2, inconsistentOverlaps: 2 },
};

describe('reassembly on public captures', { skip: have ? false : `corpus not found at ${CORPUS}` }, () => {
  const files = have ? listCaptures(CORPUS) : [];
  for (const file of files) {
    it(file.slice(CORPUS.length + 1), async () => {
      const handlers: Collect[] = [];
      const r = new Reassembler((info) => {
        const h = new Collect(info);
        handlers.push(h);
        return h;
      });
      const naive = new Naive();
      const stats: DecodeStats = {};
      let frames = 0;
      try {
        await readCapture(file, (f) => {
          frames++;
          const p = decodeFrame(f, stats);
          if (p === null) return;
          naive.add(`${p.src}|${p.srcPort}>${p.dst}|${p.dstPort}`, p.seq, (p.flags & TCP_SYN) !== 0, p.payload);
          r.push(p);
        });
      } catch {
        return; // not a capture the readers accept: nothing to reassemble
      }
      r.finish();
      const perTuple = new Map<string, number>();
      const tupleOf = (i: ConnectionInfo): string => `${i.client.ip}|${i.client.port}>${i.server.ip}|${i.server.port}`;
      for (const c of r.connections()) perTuple.set(tupleOf(c), (perTuple.get(tupleOf(c)) ?? 0) + 1);
      const want = EXPECT[file.slice(CORPUS.length + 1)];
      if (want !== undefined) {
        const totals = r.totals;
        for (const [k, v] of Object.entries(want)) assert.equal(totals[k], v, k);
      }
      let compared = 0;
      for (const h of handlers) {
        assert.equal(h.closes, 1, 'closed once');
        if (perTuple.get(tupleOf(h.info)) !== 1) continue;
        const c2s = `${h.info.client.ip}|${h.info.client.port}>${h.info.server.ip}|${h.info.server.port}`;
        const s2c = `${h.info.server.ip}|${h.info.server.port}>${h.info.client.ip}|${h.info.client.port}`;
        for (const [dir, key] of [['c2s', c2s], ['s2c', s2c]] as const) {
          const ref = naive.stream(key);
          const got = h.prefix(dir);
          // Up to the first gap (or the first hole of the naive view), both must agree byte for byte.
          const n = Math.min(ref.length, got.length);
          assert.ok(got.subarray(0, n).equals(ref.subarray(0, n)), `conn ${h.info.id} ${dir} bytes`);
          compared += n;
          if (!h.gapped[dir]) assert.equal(got.length, ref.length, `conn ${h.info.id} ${dir} complete`);
        }
      }
      assert.ok(frames >= 0);
      void compared;
    });
  }
});
