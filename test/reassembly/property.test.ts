// Property: any permutation / duplication / re-segmentation of a stream's segments, within the buffer
// limit, reassembles to the original bytes, one chunk per carrying segment.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Harness, TCP_ACK, TCP_SYN, type PktSpec } from './helpers.js';

const arbCase = fc
  .record({
    stream: fc.uint8Array({ minLength: 1, maxLength: 1500 }),
    isn: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0xfffffc00, max: 0xffffffff })),
    cuts: fc.array(fc.nat(), { maxLength: 40 }),
    extra: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 300 })), { maxLength: 15 }),
    seed: fc.integer(),
  })
  .map(({ stream, isn, cuts, extra, seed }) => {
    const n = stream.length;
    const points = [...new Set(cuts.map((c) => c % n))].filter((c) => c > 0).sort((a, b) => a - b);
    const ranges: Array<[number, number]> = [];
    let prev = 0;
    for (const p of [...points, n]) {
      ranges.push([prev, p]);
      prev = p;
    }
    // Retransmissions and re-segmented overlapping copies (same bytes: consistent).
    for (const [s, l] of extra) {
      const a = s % n;
      ranges.push([a, Math.min(n, a + 1 + l)]);
    }
    // Deterministic shuffle from the seed.
    let x = seed >>> 0;
    for (let i = ranges.length - 1; i > 0; i--) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const j = x % (i + 1);
      [ranges[i], ranges[j]] = [ranges[j], ranges[i]];
    }
    return { stream, isn, ranges };
  });

describe('Reassembler property', () => {
  it('reassembles both directions when their segments are shuffled together', () => {
    fc.assert(
      fc.property(arbCase, arbCase, fc.integer(), (c2s, s2c, seed) => {
        const t = new Harness({ maxBufferedBytesPerDirection: 8192 });
        const cb = (c2s.isn + 1) >>> 0;
        const sb = (s2c.isn + 1) >>> 0;
        const client = { src: '10.0.0.1', sport: 40000, dst: '10.0.0.2', dport: 25 };
        const server = { src: '10.0.0.2', sport: 25, dst: '10.0.0.1', dport: 40000 };
        const data: PktSpec[] = [
          ...c2s.ranges.map(([a, b]): PktSpec => ({ ...client, seq: (cb + a) >>> 0, ack: sb, flags: TCP_ACK, data: c2s.stream.subarray(a, b) })),
          ...s2c.ranges.map(([a, b]): PktSpec => ({ ...server, seq: (sb + a) >>> 0, ack: cb, flags: TCP_ACK, data: s2c.stream.subarray(a, b) })),
        ];
        let x = seed >>> 0;
        for (let i = data.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          const j = x % (i + 1);
          [data[i], data[j]] = [data[j], data[i]];
        }
        t.push({ ...client, seq: c2s.isn, flags: TCP_SYN }, { ...server, seq: s2c.isn, ack: cb, flags: TCP_SYN | TCP_ACK }, ...data);
        t.finish();
        const h = t.h();
        assert.equal(t.r.totals.connections, 1);
        assert.equal(t.r.totals.gaps, 0);
        for (const [dir, want] of [['c2s', c2s.stream], ['s2c', s2c.stream]] as const) {
          const got = Buffer.concat(h.events.flatMap((e) => (e.t === 'data' && e.c.dir === dir ? [e.c.bytes] : [])));
          assert.ok(got.equals(want), dir);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reassembles any permutation and duplication of segments to the original bytes', () => {
    fc.assert(
      fc.property(arbCase, ({ stream, isn, ranges }) => {
        const t = new Harness({ maxBufferedBytesPerDirection: 4096 });
        const sisn = (isn ^ 0x5a5a5a5a) >>> 0;
        const frames = new Map<number, [number, number]>();
        const base = (isn + 1) >>> 0;
        const pkts: PktSpec[] = [
          { seq: isn, flags: TCP_SYN },
          { src: '10.0.0.2', sport: 25, dst: '10.0.0.1', dport: 40000, seq: sisn, ack: base, flags: TCP_SYN | TCP_ACK },
        ];
        ranges.forEach(([a, b], i) => {
          frames.set(3 + i, [a, b]);
          pkts.push({ seq: (base + a) >>> 0, ack: (sisn + 1) >>> 0, flags: TCP_ACK, data: stream.subarray(a, b), frame: 3 + i });
        });
        t.push(...pkts).finish();
        const h = t.h();
        const got: number[] = [];
        for (const e of h.events) {
          if (e.t === 'gap') assert.fail('unexpected gap');
          if (e.t !== 'data') continue;
          assert.equal(e.c.offset, got.length);
          const carrier = frames.get(e.c.ref.frame);
          assert.ok(carrier !== undefined, 'chunk cites a data frame');
          assert.ok(carrier[0] <= e.c.offset && e.c.offset + e.c.bytes.length <= carrier[1], 'chunk within its frame');
          got.push(...e.c.bytes);
        }
        assert.deepEqual(Uint8Array.from(got), stream);
        assert.equal(t.r.totals.inconsistentOverlaps, 0);
        assert.equal(t.r.totals.connections, 1);
        assert.equal(h.closed, 1);
      }),
      { numRuns: 300 },
    );
  });
});
