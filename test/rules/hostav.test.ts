// hostav.proxy and hostav.acted-on-abort: banners, vendor hints, virus replies, relay legs, notifications.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostavActedOnAbort } from '../../src/rules/hostav-acted-on-abort.js';
import { hostavProxy } from '../../src/rules/hostav-proxy.js';
import { parseHostSpec } from '../../src/topology/match.js';
import { dialogue, MX } from '../analysis/helpers.js';
import { findingsOf } from './helpers.js';

test('proxy: an amavisd-new banner is proof', () => {
  const f = findingsOf(hostavProxy, dialogue({ mode: 'streaming', banner: 'mx ESMTP amavisd-new service ready' }));
  assert.equal(f.length, 1);
  assert.equal(f[0].confidence, 'high');
  assert.equal(f[0].facts.hostAv, 'strong');
  assert.ok(f[0].evidence.some((e) => e.text === '220 mx ESMTP amavisd-new service ready'));
});

test('proxy: a vendor name is only a hint (low confidence, informational)', () => {
  const f = findingsOf(hostavProxy, dialogue({ mode: 'streaming', banner: 'mx ESMTP Kaspersky Secure Mail Gateway' }));
  assert.equal(f.length, 1);
  assert.equal(f[0].severity, 'info');
  assert.equal(f[0].confidence, 'low');
});

test('proxy: a plain MTA shows nothing', () => {
  assert.equal(findingsOf(hostavProxy, dialogue({ mode: 'streaming', banner: 'mx.example ESMTP Postfix (Debian/GNU)' })).length, 0);
  assert.equal(findingsOf(hostavProxy, dialogue({ mode: 'streaming', banner: 'exch.example Microsoft ESMTP MAIL Service ready' })).length, 0);
});

test('proxy: a relay leg on loopback; --host-av stated by the user', () => {
  const f = findingsOf(hostavProxy, dialogue({ mode: 'streaming', relay: 'aborted' }));
  assert.ok(f[0].evidence.some((e) => e.leg === 'relay leg'));
  const u = findingsOf(hostavProxy, dialogue({ mode: 'streaming' }), { overrides: { hostAv: parseHostSpec(`${MX}:25`) } });
  assert.equal(u.length, 1);
  assert.match(u[0].message, /stated by the user/);
});

test('acted: a relay leg completes a copy of the aborted message', () => {
  const f = findingsOf(hostavActedOnAbort, dialogue({ mode: 'streaming', virus: true, relay: 'accepted' }));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /delivered a copy onward/);
  assert.ok(f[0].evidence.some((e) => /^250 /.test(e.text) && e.leg === 'relay leg'));
});

test('acted: not when the relay leg was cut off too (the AV passed the abort on)', () => {
  assert.equal(findingsOf(hostavActedOnAbort, dialogue({ mode: 'streaming', virus: true, relay: 'aborted' })).length, 0);
});

test('acted: a notification naming the original message', () => {
  const f = findingsOf(hostavActedOnAbort, dialogue({ mode: 'streaming', virus: true, notification: true, banner: 'clamsmtp' }));
  assert.equal(f.length, 1);
  assert.match(f[0].message, /notification/);
  assert.ok(f[0].evidence.some((e) => e.leg === 'notification' && /Message-ID <m1@sender.example>/.test(e.text)));
});

test('acted: the AV answers after FortiGate half-closed the server leg', () => {
  const f = findingsOf(hostavActedOnAbort, dialogue({ mode: 'streaming', virus: true, abortHow: 'fin', virusReplyAfterFin: '5.7.0 Reject, id=12345-01 - INFECTED: Eicar-Signature' }));
  assert.equal(f.length, 1);
  assert.match(f[0].evidence[0].text, /^554 5\.7\.0 Reject, id=/);
});

test('acted: nothing without an abort', () => {
  assert.equal(findingsOf(hostavActedOnAbort, dialogue({ mode: 'streaming', relay: 'accepted' })).length, 0);
});
