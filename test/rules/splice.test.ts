// splice.streaming, splice.buffered, splice.abort on hand-built legs: timing, cut-offs, stalls and host-AV severity.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spliceAbort } from '../../src/rules/splice-abort.js';
import { spliceBuffered } from '../../src/rules/splice-buffered.js';
import { spliceStreaming } from '../../src/rules/splice-streaming.js';
import { buildSessions, dialogue, MX, SENDER, type LegSpec, type TxSpec } from '../analysis/helpers.js';
import { findingsOf } from './helpers.js';

const env = { from: 'a@x.example', rcpt: ['b@y.example'], messageId: '<id1@x.example>', prefix: 'p1' };

function pair(client: Partial<TxSpec>, server: Partial<TxSpec>, extra: Partial<LegSpec> = {}, serverFirst = false): ReturnType<typeof buildSessions> {
  const c: LegSpec = { id: 1, client: `${SENDER}:1025`, server: `${MX}:25`, start: 0, banner: 'mx ESMTP Postfix', txs: [{ at: 0.5, ...env, ...client } as TxSpec] };
  const s: LegSpec = { id: 2, client: `${SENDER}:1025`, server: `${MX}:25`, start: 0.001, banner: 'mx ESMTP Postfix', txs: [{ at: 0.501, ...env, ...server } as TxSpec], ...extra };
  // On equal times, frames follow build order: building the server leg first puts its frames first.
  const out = buildSessions(serverFirst ? [s, c] : [c, s]);
  return out.sort((a, b) => a.id - b.id);
}

test('streaming: server-leg body before the client end-of-data', () => {
  const f = findingsOf(spliceStreaming, dialogue({ mode: 'streaming' }));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info'); // no host AV
  assert.equal(f[0].confidence, 'high');
  assert.deepEqual(f[0].sessions, [1, 2]);
});

test('streaming: equal timestamps are ordered by frame number (one capture point)', () => {
  const s = pair(
    { chunks: [[0.9, 500], [1.0, 500]], endAt: 1.0, final: { at: 1.1, code: 250, text: 'ok' } },
    { chunks: [[1.0, 1000]], endAt: 1.0, final: { at: 1.05, code: 250, text: 'ok' } },
    {},
    true,
  );
  const c = s[0].transactions[0].body;
  const sv = s[1].transactions[0].body;
  assert.ok(sv.first!.frame < c.endOfData!.frame && sv.first!.tsNsec === c.endOfData!.tsNsec);
  assert.equal(findingsOf(spliceStreaming, s).length, 1);
  assert.equal(findingsOf(spliceBuffered, s).length, 0);
});

test('streaming: a partly forwarded body that is then cut counts, even when it started after the sender finished', () => {
  const s = pair(
    { chunks: [[1.0, 1000], [1.001, 1000]], endAt: 1.002, final: { at: 1.2, code: 554, text: '5.7.1 virus found' } },
    { chunks: [[1.05, 1000]], abort: { at: 1.1, how: 'rst' } },
  );
  const f = findingsOf(spliceStreaming, s);
  assert.equal(f.length, 1);
  assert.match(f[0].message, /cut off/);
});

test('buffered: body forwarded after the end plus a scan pause; no streaming', () => {
  const d = dialogue({ mode: 'buffered' });
  assert.equal(findingsOf(spliceStreaming, d).length, 0);
  const f = findingsOf(spliceBuffered, d);
  assert.equal(f.length, 1);
  assert.match(f[0].evidence[1].text, /0\.\d{3} s later/);
});

test('buffered: a body that arrived in one segment with its end proves nothing', () => {
  const s = pair(
    { chunks: [[1.0, 800]], endAt: 1.0, final: { at: 2, code: 250, text: 'ok' } },
    { chunks: [[1.5, 800]], endAt: 1.5, final: { at: 1.6, code: 250, text: 'ok' } },
  );
  assert.equal(findingsOf(spliceBuffered, s).length, 0);
});

test('abort: RST mid-body toward a plain MTA is informational', () => {
  const f = findingsOf(spliceAbort, dialogue({ mode: 'streaming', virus: true }));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info');
  assert.equal(f[0].facts.hostAv, 'none');
  assert.ok(f[0].evidence.some((e) => /TCP RST/.test(e.text)));
});

test('abort: critical when a host AV proxy receives it', () => {
  const f = findingsOf(spliceAbort, dialogue({ mode: 'streaming', virus: true, banner: 'mx ESMTP amavisd-new service ready' }));
  assert.equal(f[0].severity, 'critical');
  assert.equal(f[0].facts.hostAv, 'strong');
});

test('abort: FIN half-close answered by the AV (recorded as rejected, no end-of-data) is still an abort', () => {
  const s = pair(
    { chunks: [[1.0, 1000], [1.01, 1000]], endAt: 1.02, final: { at: 1.2, code: 554, text: '5.7.1 blocked virus' } },
    { method: 'BDAT', chunks: [[1.005, 1000]], final: { at: 1.1, code: 554, text: '5.7.0 Reject, id=1234-01 - INFECTED: Eicar' }, outcome: 'rejected', rejectedAt: 'BDAT' },
    { close: { at: 1.05, kind: 'fin', by: 'client' } },
  );
  const f = findingsOf(spliceAbort, s);
  assert.equal(f.length, 1);
  assert.equal(f[0].facts.hostAv, 'strong'); // the AV's own reply
});

test('abort: the mail side timing out (421) after FortiGate stalled mid-body', () => {
  const s = pair(
    { chunks: [[1.0, 1000], [1.01, 1000]], endAt: 1.02, final: { at: 1.2, code: 554, text: '5.7.1 blocked virus' } },
    { chunks: [[1.005, 1000]], abort: { at: 300, how: 'reply', by: 'server' } },
  );
  s[1].transactions[0].abort!.reply = { code: 421, text: '4.4.2 timeout exceeded' };
  const f = findingsOf(spliceAbort, s);
  assert.equal(f.length, 1);
  assert.match(f[0].evidence[1].text, /^421 /);
});

test('abort: not for a capture gap alone, nor for a completed or never-started body', () => {
  const gap = pair({ chunks: [[1.0, 1000]], endAt: 1.0, final: { at: 1.1, code: 250, text: 'ok' } }, { chunks: [[1.005, 1000]], abort: { at: 1.1, how: 'gap', by: 'unknown' }, gapBytes: 500 });
  assert.equal(findingsOf(spliceAbort, gap).length, 0);
  const none = pair({ chunks: [[1.0, 1000]], endAt: 1.0, final: { at: 1.1, code: 554, text: 'virus' } }, { outcome: 'reset' });
  assert.equal(findingsOf(spliceAbort, none).length, 0);
});
