// Timestamp text: exact nanoseconds, clamped beyond Date's range, and the same whatever order timestamps come in.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isoNs, isoUs } from '../../src/util/time.js';

/** The formatting without the one-second cache. */
function plain(sec: number, nsec: number, digits: 9 | 6): string {
  const s = Number.isFinite(sec) ? Math.max(-8.64e12, Math.min(8.64e12, Math.floor(sec))) : 0;
  const base = new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return `${base}.${String(digits === 9 ? nsec : Math.floor(nsec / 1000)).padStart(digits, '0')}Z`;
}

describe('isoNs / isoUs', () => {
  it('formats known instants exactly', () => {
    assert.equal(isoNs(1_700_000_000, 5), '2023-11-14T22:13:20.000000005Z');
    assert.equal(isoUs(1_700_000_000, 123_456_789), '2023-11-14T22:13:20.123456Z');
    assert.equal(isoNs(0, 0), '1970-01-01T00:00:00.000000000Z');
    assert.equal(isoNs(1e20, 0), '+275760-09-13T00:00:00.000000000Z');
  });

  it('gives the uncached text for any sequence of timestamps, repeated seconds included', () => {
    const sec = fc.oneof(fc.integer({ min: 1_600_000_000, max: 1_600_000_003 }), fc.integer({ min: -1e10, max: 1e10 }), fc.constantFrom(NaN, Infinity, 1e20, -1e20));
    const ts = fc.record({ sec, nsec: fc.integer({ min: 0, max: 999_999_999 }) });
    fc.assert(
      fc.property(fc.array(ts, { maxLength: 50 }), (list) => {
        for (const t of list) {
          assert.equal(isoNs(t.sec, t.nsec), plain(t.sec, t.nsec, 9));
          assert.equal(isoUs(t.sec, t.nsec), plain(t.sec, t.nsec, 6));
        }
      }),
      { numRuns: 500 },
    );
  });
});
