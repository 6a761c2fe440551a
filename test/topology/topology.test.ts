// Topology: pairing the two legs of a FortiGate proxy, relay legs, notifications, lone legs and address parsing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTopology } from '../../src/topology/index.js';
import { matchTx, parseHostSpec } from '../../src/topology/match.js';
import { buildSessions, dialogue, MX, SENDER } from '../analysis/helpers.js';

test('transparent legs with identical addresses are paired and oriented by command order, not by id', () => {
  const s = dialogue({ mode: 'streaming', virus: true });
  // Renumber so that the server leg comes first, and drop interface names (a pcap converted from sniffer text).
  s[0].id = 2;
  s[1].id = 1;
  for (const x of s) x.interfaceName = undefined;
  const t = buildTopology(s);
  assert.equal(t.dialogues.length, 1);
  const d = t.dialogues[0];
  assert.equal(d.client?.id, 2);
  assert.equal(d.server?.id, 1);
  assert.equal(d.transparent, true);
  assert.match(d.reasons.join(' '), /TTL 52 vs 255/);
  assert.equal(t.legs.get(2)?.role, 'client');
  assert.equal(t.legs.get(1)?.role, 'server');
});

test('NAT legs (different addresses) pair on the same message', () => {
  const t = buildTopology(dialogue({ mode: 'streaming', transparent: false }));
  assert.equal(t.dialogues[0].transparent, false);
  assert.equal(t.dialogues[0].pairs[0].by, 'message-id');
});

test('relay leg on loopback attaches to the server leg; notification to the aborted message', () => {
  const t = buildTopology(dialogue({ mode: 'streaming', virus: true, relay: 'accepted', notification: true }));
  assert.equal(t.dialogues.length, 1);
  const d = t.dialogues[0];
  assert.equal(d.relays.length, 1);
  assert.equal(d.relays[0].upstream.id, 2);
  assert.equal(d.notifications.length, 1);
  assert.equal(t.legs.get(4)?.role, 'notification');
  assert.equal(t.legs.get(4)?.dialogue, 1);
  assert.ok(d.notifications[0].matchedOn.some((m) => m.startsWith('Message-ID')));
});

test('a second EICAR test from the same sender is not a notification', () => {
  const t = (at: number) => ({
    at, from: 'alice@s.example', rcpt: ['bob@m.example'], chunks: [[at + 0.1, 500]] as Array<[number, number]>, endAt: at + 0.1,
    subject: 'EICAR test', text: 'eicar virus test for bob@m.example', messageId: `<m${at}@s.example>`, prefix: `p${at}`,
    final: { at: at + 0.2, code: 554, text: '5.7.1 virus' },
  });
  const s = buildSessions([
    { id: 1, client: `${SENDER}:1000`, server: `${MX}:25`, start: 0, banner: 'mx', txs: [t(0.5)] },
    { id: 2, client: `${SENDER}:1001`, server: `${MX}:25`, start: 5, banner: 'mx', txs: [t(5.5)] },
  ]);
  assert.equal(buildTopology(s).notifications.length, 0);
});

test('lone legs: an abort marks the mail side, a FortiGate refusal the sender side', () => {
  const mail = buildTopology(dialogue({ mode: 'streaming', virus: true, legs: ['server'] }));
  assert.equal(mail.dialogues[0].lone, 'mail');
  const sender = buildTopology(dialogue({ mode: 'streaming', virus: true, legs: ['client'], banner: 'mx ESMTP amavisd-new service ready' }));
  // The AV banner passes through FortiGate: it does not make the sender's leg a mail-side one.
  assert.equal(sender.dialogues[0].lone, 'sender');
});

test('--fortigate orients a pair that nothing else tells apart', () => {
  const s = buildSessions([
    { id: 1, client: '192.0.2.1:3000', server: `${MX}:25`, start: 0, banner: 'mx' },
    { id: 2, client: `${SENDER}:1000`, server: '192.0.2.1:25', start: 0, banner: 'mx' },
  ]);
  s[0].helo = s[1].helo = 'same.example';
  const t = buildTopology(s, { fortigate: { ip: '192.0.2.1' } });
  assert.equal(t.dialogues[0].client?.id, 2);
  assert.equal(t.dialogues[0].server?.id, 1);
});

test('matchTx: Message-ID beats prefix beats envelope', () => {
  const s = dialogue({ mode: 'streaming' });
  const a = s[0].transactions[0];
  const b = structuredClone(s[1].transactions[0]);
  assert.equal(matchTx(a, b), 'message-id');
  b.message!.messageId = '<other@x>';
  assert.equal(matchTx(a, b), null, 'two Message-IDs are two messages');
  b.message!.messageId = undefined;
  assert.equal(matchTx(a, b), 'prefix');
  b.prefixSha256 = 'f'.repeat(64);
  assert.equal(matchTx(a, b), 'envelope');
  b.rcptTo = ['someone@else.example'];
  assert.equal(matchTx(a, b), null);
});

test('parseHostSpec: IPv4, IPv4:port, [IPv6]:port, bare IPv6; rejects junk', () => {
  assert.deepEqual(parseHostSpec('10.0.0.1'), { ip: '10.0.0.1' });
  assert.deepEqual(parseHostSpec('10.0.0.1:10025'), { ip: '10.0.0.1', port: 10025 });
  assert.deepEqual(parseHostSpec('[2001:DB8::25]:2525'), { ip: '2001:db8::25', port: 2525 });
  assert.deepEqual(parseHostSpec('2001:db8::25'), { ip: '2001:db8::25' });
  for (const bad of ['mail.example.com', '10.0.0.300', '10.0.0.1:0', '10.0.0.1:70000', '', 'x:y:z'])
    assert.equal(parseHostSpec(bad), undefined, bad);
});

test('repeated sessions to the same loopback server are not relay legs of each other', () => {
  const tx = (at: number) => ({ at, from: 'a@example.com', rcpt: ['b@example.com'], chunks: [[at + 0.1, 300]] as Array<[number, number]>, endAt: at + 0.1, final: { at: at + 0.2, code: 250, text: 'ok' } });
  const s = buildSessions([
    { id: 1, client: '127.0.0.1:33000', server: '127.0.0.1:25', start: 0, end: 1, banner: 'example.com ESMTP Postfix', txs: [tx(0.5)] },
    { id: 2, client: '127.0.0.1:33001', server: '127.0.0.1:25', start: 30, end: 31, banner: 'example.com ESMTP Postfix', txs: [tx(30.5)] },
  ]);
  const t = buildTopology(s);
  assert.equal(t.dialogues.length, 2);
  assert.ok(t.dialogues.every((d) => d.relays.length === 0 && d.hostAv.length === 0));
});

test('a relay to another port of the same host is a relay leg', () => {
  const tx = (at: number) => ({ at, from: 'a@example.com', rcpt: ['b@example.com'], chunks: [[at + 0.1, 300]] as Array<[number, number]>, endAt: at + 0.1, messageId: '<r1@x>', final: { at: at + 0.2, code: 250, text: 'ok' } });
  const s = buildSessions([
    { id: 1, client: `${SENDER}:40000`, server: `${MX}:25`, start: 0, end: 2, banner: 'mx', txs: [tx(0.5)] },
    { id: 2, client: `${MX}:50000`, server: `${MX}:2525`, start: 0.7, end: 1.5, banner: 'mx', txs: [tx(0.8)] },
  ]);
  const t = buildTopology(s);
  assert.equal(t.legs.get(2)?.role, 'relay');
  assert.equal(t.roles.mailServer.port, 2525);
  assert.equal(t.roles.hostAv.port, 25);
});
