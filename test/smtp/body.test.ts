// Body mechanics: dot-unstuffing and end-of-data at every chunk boundary (fast-check), point thinning, retention.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chunkPoolIdle, DotDecoder, joinChunks, MAX_BODY_POINTS, MessageSink, PointSeries } from '../../src/smtp/body.js';
import { mimeBacklog, parseRetained, queueState } from '../../src/smtp/mime-pool.js';
import { opening, playOne } from './helper.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** RFC 5321 dot-stuffing of a message ending in a line break, plus the terminator (CRLF or bare LF style). */
function stuffBytes(msg: string, lf: boolean): string {
  return msg.replace(/(^|\n)\./g, '$1..') + (lf ? '.\n' : '.\r\n');
}

function collect(): { sink: { write(b: Uint8Array, s: number, e: number): void }; out: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    sink: { write: (b, s, e) => parts.push(Buffer.from(b.subarray(s, e))) },
    out: () => Buffer.concat(parts),
  };
}

// Message lines: text with dots, CRs, spaces, and lines that are only a dot or start with dots.
const lineArb = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', '.', ' ', '\t', '\r', 'é'), maxLength: 40 }),
  fc.constantFrom('.', '..', '...', '. ', '.\r', 'x.', ''),
);
const messageArb = fc.record({
  lines: fc.array(lineArb, { maxLength: 30 }),
  lf: fc.boolean(),
});

describe('DotDecoder', () => {
  it('unstuffs and finds end-of-data for any message split at any chunk boundaries', () => {
    fc.assert(
      fc.property(messageArb, fc.array(fc.nat(), { maxLength: 12 }), fc.string({ maxLength: 10 }), ({ lines, lf }, cutsRaw, after) => {
        const eol = lf ? '\n' : '\r\n';
        // A line ending in CR followed by the line break is fine; a bare line "." would be a terminator: avoid it as content.
        const msg = lines.map((l) => l + eol).join('');
        if (/(^|\n)\.\r?\n/.test(msg.replace(/(^|\n)\./g, '$1..'))) return; // cannot happen after stuffing; guard
        const wire = Buffer.from(stuffBytes(msg, lf) + after, 'utf8');
        const body = Buffer.from(msg, 'utf8');
        const termLen = lf ? 2 : 3;
        const endAt = wire.length - Buffer.byteLength(after, 'utf8');
        const cuts = [...new Set(cutsRaw.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        const { sink, out } = collect();
        const dec = new DotDecoder(sink);
        let prev = 0;
        let ended = -1;
        for (const c of [...cuts, wire.length]) {
          if (c <= prev) continue;
          const chunk = new Uint8Array(wire.subarray(prev, c));
          const r = dec.feed(chunk, 0);
          if (r >= 0) {
            ended = prev + r;
            break;
          }
          prev = c;
        }
        assert.equal(ended, endAt, 'end-of-data position');
        assert.deepEqual(out(), body);
        assert.equal(dec.bytes, body.length);
        assert.equal(dec.wire, endAt - termLen);
      }),
      { numRuns: 3000 },
    );
  });

  it('treats a dot line inside a line (not at a line start) as content', () => {
    const { sink, out } = collect();
    const dec = new DotDecoder(sink);
    assert.equal(dec.feed(Buffer.from('a.\r\n.b\r\n x\r\n.\r\n'), 0), 15);
    assert.equal(out().toString(), 'a.\r\nb\r\n x\r\n');
  });

  it('continues at an unknown line position after a gap', () => {
    const { sink, out } = collect();
    const dec = new DotDecoder(sink);
    dec.feed(Buffer.from('abc\r\n'), 0);
    dec.gap(100);
    // ".\r\n" right after a gap is not trusted as a terminator: the position inside the line is unknown.
    assert.equal(dec.feed(Buffer.from('.\r\nx\r\n.\r\n'), 0), 9);
    assert.equal(dec.wire, 5 + 100 + 6);
    assert.equal(out().toString(), 'abc\r\n.\r\nx\r\n');
  });
});

describe('PointSeries', () => {
  it('stays within MAX_BODY_POINTS, evenly spaced, first and last exact', () => {
    for (const n of [1, 2, 511, 512, 513, 1000, 5000, 100_000]) {
      const ps = new PointSeries();
      for (let k = 1; k <= n; k++) ps.mark({ frame: k * 2, tsSec: k, tsNsec: 0 }, k * 10);
      const pts = ps.points();
      assert.ok(pts.length <= MAX_BODY_POINTS, `${n}: ${pts.length}`);
      assert.deepEqual(pts[0], { frame: 2, tsSec: 1, tsNsec: 0, bytes: 10 });
      assert.deepEqual(pts[pts.length - 1], { frame: n * 2, tsSec: n, tsNsec: 0, bytes: n * 10 });
      if (n <= 511) assert.equal(pts.length, n);
      else assert.ok(pts.length > MAX_BODY_POINTS / 2, `${n}: ${pts.length}`);
      const step = pts.length > 2 ? pts[1].frame - pts[0].frame : 0;
      for (let k = 1; k < pts.length - 1; k++) assert.equal(pts[k].frame - pts[k - 1].frame, step);
    }
  });

  it('merges chunks of one frame into one point', () => {
    const ps = new PointSeries();
    ps.mark({ frame: 5, tsSec: 1, tsNsec: 0 }, 10);
    ps.mark({ frame: 5, tsSec: 1, tsNsec: 0 }, 30);
    ps.mark({ frame: 6, tsSec: 1, tsNsec: 0 }, 40);
    assert.deepEqual(ps.points().map((p) => [p.frame, p.bytes]), [[5, 30], [6, 40]]);
  });
});

describe('MessageSink', () => {
  it('hashes everything, keeps the first maxBytes, hashes the first 4096 bytes separately', () => {
    const data = Buffer.alloc(10_000);
    for (let k = 0; k < data.length; k++) data[k] = (k * 31) & 0xff;
    const sink = new MessageSink(5000);
    for (let k = 0; k < data.length; k += 777) sink.write(data, k, Math.min(k + 777, data.length));
    const r = sink.finish();
    assert.equal(r.sha256, sha(data));
    assert.equal(r.prefixSha256, sha(data.subarray(0, 4096)));
    assert.deepEqual(Buffer.from(joinChunks(r.parts, r.retainedBytes)), data.subarray(0, 5000));
    assert.equal(r.truncated, true);
  });

  it('leaves the hash to the reader while every byte is retained; catches up when the limit is passed mid-chunk', async () => {
    const data = Buffer.alloc(200_000);
    for (let k = 0; k < data.length; k++) data[k] = (k * 7) & 0xff;
    for (const limit of [200_000, 199_999, 65_536, 70_000, 1]) {
      const sink = new MessageSink(limit);
      for (let k = 0; k < data.length; k += 5_000) sink.write(data, k, Math.min(k + 5_000, data.length));
      const r = sink.finish();
      const whole = limit >= data.length;
      assert.equal(r.sha256, whole ? undefined : sha(data), `limit ${limit}`);
      const parsed = await parseRetained({ parts: r.parts, retainedBytes: r.retainedBytes }, r.truncated, r.sha256 === undefined);
      assert.equal(parsed.sha256, whole ? sha(data) : undefined, `limit ${limit}`);
    }
  });
});

describe('the MIME worker and its slots', () => {
  /** A message of `n` bytes whose content depends on `seed`, as MIME text so that the parser finds a Message-ID. */
  function message(seed: number, n: number): Buffer {
    const head = Buffer.from(`Message-ID: <m${seed}@x>\r\nSubject: s${seed}\r\n\r\n`, 'latin1');
    const body = Buffer.alloc(n - head.length);
    for (let k = 0; k < body.length; k++) body[k] = k % 78 === 77 ? 10 : 97 + ((k * 13 + seed) % 26);
    return Buffer.concat([head, body]);
  }

  function retained(m: Buffer): Promise<Awaited<ReturnType<typeof parseRetained>>> {
    const sink = new MessageSink(1 << 21);
    for (let k = 0; k < m.length; k += 9_000) sink.write(m, k, Math.min(k + 9_000, m.length));
    const r = sink.finish();
    return parseRetained({ parts: r.parts, retainedBytes: r.retainedBytes }, r.truncated, r.sha256 === undefined);
  }

  it('carries messages of every size, many in flight, and parses inline what does not fit', async () => {
    const inFlight: Array<{ seed: number; msg: Buffer; p: ReturnType<typeof retained> }> = [];
    const check = async (x: (typeof inFlight)[number]): Promise<void> => {
      const r = await x.p;
      assert.equal(r.sha256, sha(x.msg), `message ${x.seed}`);
      assert.equal(r.info.messageId, `<m${x.seed}@x>`);
    };
    // ~120 MB through a 24 MiB queue, up to 30 messages (up to ~45 MB) in flight: a full queue, slots reused.
    for (let seed = 0; seed < 160; seed++) {
      const msg = message(seed, 16_384 + ((seed * 7_919_993) % 1_500_000));
      inFlight.push({ seed, msg, p: retained(msg) });
      if (inFlight.length >= 30) await check(inFlight.shift()!);
    }
    for (const x of inFlight) await check(x);
    assert.deepEqual({ ...queueState(), slotsStored: 0 }, { queued: 0, deferred: 0, slotsInUse: 0, slotsStored: 0 });
    assert.ok(chunkPoolIdle() <= 512);
  });

  it('lets a message wait when the queue is full, and parses inline beyond what may wait', async () => {
    // 40 MiB at once through a 24 MiB queue: 24 go in, ~8 MiB wait for the worker, the rest is parsed inline.
    const batch = Array.from({ length: 40 }, (_, i) => {
      const msg = message(1000 + i, 1 << 20);
      return { seed: 1000 + i, msg, p: retained(msg) };
    });
    const waiting = queueState().deferred;
    assert.ok(waiting >= 4 && waiting <= 8, `${waiting} messages waiting`);
    // The reader would wait now (ReadOptions.pace), and may go on once the worker has caught up.
    const pace = mimeBacklog();
    assert.ok(pace instanceof Promise);
    await pace;
    assert.ok(queueState().queued * (1 << 20) <= 8 * 1024 * 1024, `${queueState().queued} still queued`);
    for (const x of batch) {
      const r = await x.p;
      assert.equal(r.sha256, sha(x.msg), `message ${x.seed}`);
      assert.equal(r.info.messageId, `<m${x.seed}@x>`);
    }
    assert.deepEqual({ ...queueState(), slotsStored: 0 }, { queued: 0, deferred: 0, slotsInUse: 0, slotsStored: 0 });
    assert.equal(mimeBacklog(), undefined);
  });
});

describe('bodySha256 through the whole parser', () => {
  it('equals the SHA-256 of the original message for random messages split at random boundaries', async () => {
    const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 3000 }).map((u) => {
      // Random bytes, made into lines: every 0..60 bytes a CRLF, and dots sprinkled at line starts.
      const out: number[] = [];
      let col = 0;
      for (const x of u) {
        if (x === 10 || x === 13) continue;
        if (col === 0 && (x & 7) === 0) out.push(46);
        out.push(x);
        col++;
        if (col > (x & 63)) {
          out.push(13, 10);
          col = 0;
        }
      }
      if (col > 0) out.push(13, 10);
      return Buffer.from(out);
    });
    await fc.assert(
      fc.asyncProperty(bytesArb, fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), async (msg, cutsRaw, bdat) => {
        let wire: Buffer;
        if (bdat) {
          wire = msg;
        } else {
          const parts: number[] = [];
          let bol = true;
          for (const x of msg) {
            if (bol && x === 46) parts.push(46);
            parts.push(x);
            bol = x === 10;
          }
          wire = Buffer.concat([Buffer.from(parts), Buffer.from('.\r\n')]);
        }
        const cuts = cutsRaw.map((c) => c % (wire.length + 1));
        const s = await playOne((d) => {
          opening(d);
          if (bdat) {
            d.c(`BDAT ${msg.length} LAST\r\n`);
          } else {
            d.c('DATA\r\n');
            d.s('354 go\r\n');
          }
          d.c(wire, { split: cuts });
          d.s('250 ok\r\n');
          d.close();
        });
        const t = s.transactions[0];
        assert.equal(t.outcome, 'accepted');
        assert.equal(t.bodySha256, sha(msg));
        assert.equal(t.body.bytes, msg.length);
        assert.equal(t.body.wireBytes, bdat ? msg.length : wire.length - 3);
        const pts = t.body.points;
        if (msg.length > 0) assert.equal(pts[pts.length - 1].bytes, t.body.wireBytes);
      }),
      { numRuns: 300 },
    );
  });
});
