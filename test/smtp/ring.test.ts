// RingSpace against a model: live allocations never overlap, stay inside the ring, and are freed in order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RingSpace } from '../../src/smtp/ring.js';

describe('RingSpace', () => {
  it('never hands out space that overlaps a live allocation or leaves the ring', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(1024, 256),
        fc.array(fc.oneof(fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 64 }), fc.constant(0)), { minLength: 1, maxLength: 300 }),
        (cap, ops) => {
          const ring = new RingSpace(cap, 16);
          const live: Array<{ at: number; end: number }> = [];
          for (const op of ops) {
            if (op === 0) {
              // 0: free the oldest.
              const x = live.shift();
              if (x) ring.freeOldest(x.end);
              continue;
            }
            const at = ring.allocate(op);
            if (at < 0) {
              // Refused: then the request cannot fit after head nor (wrapping) before tail; an empty ring takes anything.
              assert.ok(live.length > 0 || op > cap, `empty ring refused ${op}`);
              continue;
            }
            const end = ring.end(at, op);
            assert.equal(at % 16, 0);
            assert.ok(end - at >= op && end <= cap, `[${at}, ${end}) for ${op}`);
            for (const y of live) assert.ok(end <= y.at || at >= y.end, `[${at}, ${end}) overlaps [${y.at}, ${y.end})`);
            live.push({ at, end });
          }
          assert.equal(ring.count, live.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('wraps around when the end is full and the start is free', () => {
    const ring = new RingSpace(1000, 100);
    const a = ring.allocate(400); // [0, 400)
    const b = ring.allocate(400); // [400, 800)
    assert.deepEqual([a, b], [0, 400]);
    assert.equal(ring.allocate(300), -1); // 800 + 300 > 1000 and the start is in use
    ring.freeOldest(ring.end(a, 400));
    assert.equal(ring.allocate(300), 0); // wraps: [0, 300)
    assert.equal(ring.wraps, 1);
    assert.equal(ring.allocate(200), -1); // [300, 500) would overlap b
    assert.equal(ring.allocate(100), 300);
    ring.freeOldest(ring.end(b, 400)); // the last before the wrap: used is [0, 400) now
    assert.equal(ring.allocate(600), 400);
    assert.equal(ring.allocate(1), -1);
  });
});
