// Sequence arithmetic across the 2^32 wrap.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seqAdd, seqDiff, seqDistance, seqGt, seqGte, seqLt, seqLte } from '../../src/reassembly/seq.js';

describe('seq arithmetic', () => {
  it('compares across the wrap', () => {
    assert.equal(seqDiff(5, 0xfffffffb), 10);
    assert.equal(seqDiff(0xfffffffb, 5), -10);
    assert.ok(seqLt(0xffffff00, 0x10));
    assert.ok(seqGt(0x10, 0xffffff00));
    assert.ok(seqLte(7, 7) && seqGte(7, 7) && !seqLt(7, 7));
    assert.equal(seqDistance(1, 0xffffffff), 2);
  });
  it('adds modulo 2^32', () => {
    assert.equal(seqAdd(0xffffffff, 1), 0);
    assert.equal(seqAdd(0, -1), 0xffffffff);
    assert.equal(seqAdd(10, 2 ** 32 + 5), 15);
  });
});
