// Fifo against an array model: push, shift, drop, at, length and toArray agree after any sequence of operations.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Fifo } from '../../src/util/fifo.js';

describe('Fifo', () => {
  it('behaves like an array used as a queue', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), n: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ k: fc.constant('shift' as const), n: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ k: fc.constant('drop' as const), n: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const q = new Fifo<number>();
        const model: number[] = [];
        let next = 0;
        for (const o of ops) {
          if (o.k === 'push') for (let i = 0; i < o.n; i++) (q.push(next), model.push(next++));
          else if (o.k === 'shift') for (let i = 0; i < o.n; i++) assert.equal(q.shift(), model.shift());
          else (q.drop(o.n), model.splice(0, o.n));
          assert.equal(q.length, model.length);
          assert.equal(q.peek(), model[0]);
          assert.equal(q.at(model.length - 1), model[model.length - 1]);
          assert.equal(q.at(model.length), undefined);
        }
        assert.deepEqual(q.toArray(), model);
      }),
      { numRuns: 500 },
    );
  });
});
