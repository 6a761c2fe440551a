// Capture-quality rules: encrypted, one leg only, gaps, mid-session start, damaged file, one direction, cut at the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureEncrypted } from '../../src/rules/capture-encrypted.js';
import { captureEndedMidMessage } from '../../src/rules/capture-ended-mid-message.js';
import { captureGapsInMessage } from '../../src/rules/capture-gaps-in-message.js';
import { captureNoServerReplies } from '../../src/rules/capture-no-server-replies.js';
import { captureOneLegOnly } from '../../src/rules/capture-one-leg-only.js';
import { captureStartedMidSession } from '../../src/rules/capture-started-mid-session.js';
import { captureTruncatedFile } from '../../src/rules/capture-truncated-file.js';
import { buildSessions, dialogue, MX, SENDER } from '../analysis/helpers.js';
import { findingsOf } from './helpers.js';

const plain = (id: number, extra = {}) => ({ id, client: `${SENDER}:${1000 + id}`, server: `${MX}:25`, start: id, banner: 'mx ESMTP', ...extra });

test('encrypted: all mail hidden by STARTTLS', () => {
  const f = findingsOf(captureEncrypted, buildSessions([plain(1, { tlsAt: 1.1 }), plain(2, { tlsAt: 2.1 })]));
  assert.equal(f.length, 1);
  assert.equal(f[0].facts.hidesAll, true);
  assert.equal(f[0].severity, 'warning');
  assert.equal(f[0].evidence.length, 2);
});

test('encrypted: some plaintext mail left', () => {
  const sessions = buildSessions([
    plain(1, { tlsAt: 1.1 }),
    plain(2, { txs: [{ at: 2.1, from: 'a@b', rcpt: ['c@d'], chunks: [[2.2, 100]], endAt: 2.2, final: { at: 2.3, code: 250, text: 'ok' } }] }),
  ]);
  const f = findingsOf(captureEncrypted, sessions);
  assert.equal(f[0].facts.hidesAll, false);
  assert.equal(f[0].severity, 'info');
  assert.equal(findingsOf(captureEncrypted, buildSessions([plain(1)])).length, 0);
});

test('one leg only: sender side, mail side; silent with both legs', () => {
  const sender = findingsOf(captureOneLegOnly, dialogue({ mode: 'streaming', virus: true, legs: ['client'] }));
  assert.equal(sender.length, 1);
  assert.match(sender[0].message, /sender's side/);
  assert.equal(sender[0].facts.weakens, true);
  const mail = findingsOf(captureOneLegOnly, dialogue({ mode: 'streaming', virus: true, relay: 'accepted', legs: ['server', 'relay'] }));
  assert.match(mail[0].message, /mail side/);
  assert.equal(mail[0].facts.weakens, false); // the abort into the host AV decides anyway
  assert.equal(findingsOf(captureOneLegOnly, dialogue({ mode: 'streaming' })).length, 0);
});

test('gaps inside a message body on a leg that matters', () => {
  const s = dialogue({ mode: 'streaming' });
  s[1].transactions[0].body.gapBytes = 1448;
  s[1].events.push({ name: 'gap-in-data', kind: 'anomaly', dir: 'c2s', frame: s[1].transactions[0].body.last!.frame, tsSec: 0, tsNsec: 0, detail: '1448 body bytes missing' });
  const f = findingsOf(captureGapsInMessage, s);
  assert.equal(f.length, 1);
  assert.equal(f[0].facts.weakens, true);
  assert.match(f[0].message, /1448 bytes/);
  assert.equal(findingsOf(captureGapsInMessage, dialogue({ mode: 'streaming' })).length, 0);
});

test('started mid-session', () => {
  const s = buildSessions([plain(1, { startSeen: false }), plain(2)]);
  const f = findingsOf(captureStartedMidSession, s);
  assert.equal(f.length, 1);
  assert.deepEqual(f[0].sessions, [1]);
});

test('truncated file: offset and unit in the message', () => {
  const f = findingsOf(captureTruncatedFile, [], { capture: { error: { message: 'record runs past the end of the file', offset: 4096, unit: 'byte' }, packets: 12 } });
  assert.equal(f.length, 1);
  assert.match(f[0].message, /byte offset 4096/);
  assert.equal(f[0].facts.weakens, true);
  assert.equal(findingsOf(captureTruncatedFile, []).length, 0);
});

test('no server replies: one direction only', () => {
  const f = findingsOf(captureNoServerReplies, buildSessions([plain(1, { noReplies: true })]));
  assert.equal(f.length, 1);
  assert.match(f[0].evidence[0].text, /no reply/);
  assert.equal(findingsOf(captureNoServerReplies, buildSessions([plain(1)])).length, 0);
});

test('ended mid-message', () => {
  const s = buildSessions([plain(1, { txs: [{ at: 1.1, from: 'a@b', rcpt: ['c@d'], chunks: [[1.2, 100]] }] })]);
  assert.equal(s[0].transactions[0].outcome, 'incomplete');
  const f = findingsOf(captureEndedMidMessage, s);
  assert.equal(f.length, 1);
});
