// The MIME worker dying mid-run: its messages get an error instead of facts, every slot comes back, and messages after
// that are parsed inline with the same results. (Its own file: the worker is process-wide and stays stopped.)

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { MessageSink } from '../../src/smtp/body.js';
import { parseRetained, queueState, stopMimeWorkerForTests } from '../../src/smtp/mime-pool.js';

function message(seed: number, n: number): Buffer {
  const head = Buffer.from(`Message-ID: <f${seed}@x>\r\n\r\n`, 'latin1');
  const body = Buffer.alloc(n - head.length, 97 + (seed % 26));
  for (let k = 76; k < body.length; k += 78) body[k] = 10;
  return Buffer.concat([head, body]);
}

function retained(m: Buffer): ReturnType<typeof parseRetained> {
  const sink = new MessageSink(1 << 21);
  for (let k = 0; k < m.length; k += 5_000) sink.write(m, k, Math.min(k + 5_000, m.length));
  const r = sink.finish();
  return parseRetained({ parts: r.parts, retainedBytes: r.retainedBytes }, r.truncated, r.sha256 === undefined);
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('the MIME worker failing', () => {
  it('answers its queued messages with an error, frees their slots, and parses later ones inline', async () => {
    // Enough at once that some are queued and some wait when the worker goes.
    const first = Array.from({ length: 40 }, (_, i) => ({ msg: message(i, 1 << 20), p: retained(message(i, 1 << 20)) }));
    assert.ok(queueState().slotsInUse > 0);
    await stopMimeWorkerForTests();
    let failed = 0;
    for (const [i, x] of first.entries()) {
      const r = await x.p;
      if (r.error !== undefined) {
        failed++;
        assert.equal(r.error, 'the MIME worker thread failed');
      } else {
        assert.equal(r.info.messageId, `<f${i}@x>`);
        assert.equal(r.sha256, sha(x.msg));
      }
    }
    assert.ok(failed > 0, 'some messages were with the worker when it stopped');
    assert.equal(queueState().slotsInUse, 0);
    const later = message(99, 300_000);
    const r = await retained(later);
    assert.equal(r.error, undefined);
    assert.equal(r.sha256, sha(later));
    assert.equal(r.info.messageId, '<f99@x>');
    assert.deepEqual({ ...queueState(), slotsStored: 0 }, { queued: 0, deferred: 0, slotsInUse: 0, slotsStored: 0 });
  });
});
