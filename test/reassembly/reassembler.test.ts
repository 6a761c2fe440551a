// TCP reassembly scenarios: order, retransmission, overlap, gaps, ends, epochs, proxy legs, duplicates, eviction.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conv, Harness, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST } from './helpers.js';

const FA = TCP_FIN | TCP_ACK;
const RA = TCP_RST | TCP_ACK;

describe('Reassembler: in order and out of order', () => {
  it('delivers a handshake conversation in order with frame refs and fingerprints', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.s('220 hi\r\n'), v.c('EHLO x\r\n'), v.s('250 ok\r\n')).finish();
    const h = t.h();
    assert.deepEqual(h.trace(), [
      'd s2c 0 "220 hi\\r\\n" #4',
      'd c2s 0 "EHLO x\\r\\n" #5',
      'd s2c 8 "250 ok\\r\\n" #6',
      'close capture-end',
    ]);
    assert.equal(h.info.startSeen, true);
    assert.deepEqual(h.info.client, { ip: '10.0.0.1', port: 40000 });
    assert.deepEqual(h.info.server, { ip: '10.0.0.2', port: 25 });
    assert.equal(h.info.clientIsn, 1000);
    assert.equal(h.info.serverIsn, 5000);
    assert.equal(h.info.clientMss, 1460);
    assert.equal(h.info.serverMss, 1400);
    assert.equal(h.info.clientTtl, 64);
    assert.equal(h.info.firstFrame, 1);
    const e = h.events[0];
    assert.ok(e.t === 'data' && e.c.ref.tsSec === 1_700_000_000);
    const conns = t.r.connections();
    assert.equal(conns.length, 1);
    assert.equal(conns[0].close?.reason, 'capture-end');
    assert.equal(conns[0].close?.stats.bytesC2s, 8);
    assert.equal(t.r.totals.packets, 6);
  });

  it('buffers out-of-order segments (copying them) and delivers one chunk per segment', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    const a = v.c('AAAA');
    const b = v.c('BBBB');
    const c = v.c('CCCC');
    t.push(c, b, a).finish();
    assert.deepEqual(t.h().trace(), ['d c2s 0 "AAAA" #6', 'd c2s 4 "BBBB" #5', 'd c2s 8 "CCCC" #4', 'close capture-end']);
    assert.equal(t.r.totals.outOfOrder, 2);
    assert.equal(t.r.totals.gaps, 0);
  });
});

describe('Reassembler: retransmission and overlap (first data wins)', () => {
  it('delivers a retransmission once and counts it', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    const a = v.c('HELLO');
    t.push(a, { ...a }, v.c('WORLD')).finish();
    assert.equal(t.h().text('c2s'), 'HELLOWORLD');
    assert.equal(t.r.totals.retransmissions, 1);
    assert.equal(t.r.totals.inconsistentOverlaps, 0);
  });

  it('keeps the first bytes on a consistent partial overlap and delivers only the new part', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    t.push(v.c('ABCD'), { ...v.base, seq: 1004, ack: 5001, data: 'DEFG' }).finish();
    assert.deepEqual(t.h().trace(), ['d c2s 0 "ABCD" #4', 'd c2s 4 "EFG" #5', 'close capture-end']);
    assert.equal(t.r.totals.overlaps, 1);
    assert.equal(t.r.totals.inconsistentOverlaps, 0);
  });

  it('counts an inconsistent overlap against delivered data, keeping the first bytes', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    t.push(v.c('ABCD'), { ...v.base, seq: 1004, ack: 5001, data: 'XYZW' }).finish();
    assert.equal(t.h().text('c2s'), 'ABCDYZW');
    assert.equal(t.r.totals.overlaps, 1);
    assert.equal(t.r.totals.inconsistentOverlaps, 1);
  });

  it('counts an inconsistent retransmission against delivered data', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    t.push(v.c('ABCD'), { ...v.base, seq: 1001, ack: 5001, data: 'XBCD' }).finish();
    assert.equal(t.h().text('c2s'), 'ABCD');
    assert.equal(t.r.totals.retransmissions, 1);
    assert.equal(t.r.totals.inconsistentOverlaps, 1);
  });

  it('lets buffered out-of-order bytes win over a later in-order segment that overlaps them', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    // 1001..1004 missing, then 1005 "efgh" buffered; then "ABCDEFGHIJ" in order overlapping it.
    t.push({ ...v.base, seq: 1005, ack: 5001, data: 'efgh' }, { ...v.base, seq: 1001, ack: 5001, data: 'ABCDEFGHIJ' });
    t.finish();
    assert.deepEqual(t.h().trace(), [
      'd c2s 0 "ABCD" #5',
      'd c2s 4 "efgh" #4',
      'd c2s 8 "IJ" #5',
      'close capture-end',
    ]);
    assert.equal(t.r.totals.overlaps, 1);
    assert.equal(t.r.totals.inconsistentOverlaps, 1);
  });

  it('trims a new out-of-order segment against buffered ones and counts an exact re-send as retransmission', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    t.push(
      { ...v.base, seq: 1011, ack: 5001, data: 'klmn' },
      { ...v.base, seq: 1011, ack: 5001, data: 'klmn', ipId: 7 },
      { ...v.base, seq: 1009, ack: 5001, data: 'ij@@@@op' },
      { ...v.base, seq: 1001, ack: 5001, data: 'abcdefgh' },
    ).finish();
    assert.equal(t.h().text('c2s'), 'abcdefghijklmnop');
    assert.equal(t.r.totals.retransmissions, 1);
    assert.equal(t.r.totals.overlaps, 1);
    assert.equal(t.r.totals.inconsistentOverlaps, 1);
  });
});

describe('Reassembler: gaps', () => {
  it('declares a gap when the peer ACKs beyond the hole and the data does not follow, then resumes', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    t.push(v.c('AAAA'));
    v.c('LOST'); // never captured
    t.push(v.c('CCCC'), v.s('', { ack: 1013 }));
    for (let i = 0; i < 7; i++) t.push(v.s(''));
    t.push(v.s(''), v.c('DD')).finish();
    assert.deepEqual(t.h().trace(), [
      'd c2s 0 "AAAA" #4',
      'g c2s 4+4 #14',
      'd c2s 8 "CCCC" #5',
      'd c2s 12 "DD" #15',
      'close capture-end',
    ]);
    assert.equal(t.r.totals.gaps, 1);
    assert.equal(t.r.totals.gapBytes, 4);
  });

  it('declares an ACKed hole after a second even without more packets in between', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('AAAA'));
    v.c('LOST');
    t.push(v.s('', { ts: 1_700_000_000.5 }), v.s('250 ok\r\n', { ts: 1_700_000_002 }));
    assert.deepEqual(t.h().trace(), ['d c2s 0 "AAAA" #4', 'g c2s 4+4 #6', 'd s2c 0 "250 ok\\r\\n" #6']);
  });

  it('does not declare a gap when the capture shows an ACK just before the data it acknowledges', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    const a = v.c('MAIL FROM:<a@b>\r\n');
    const b = v.c('RCPT TO:<c@d>\r\n');
    t.push(v.s(''), a, b, v.s('250 ok\r\n250 ok\r\n')).finish();
    assert.equal(t.h().text('c2s'), 'MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n');
    assert.equal(t.r.totals.gaps, 0);
  });

  it('declares a gap for a hole at the tail when the peer ACKs it (capture dropped the segment)', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('AAAA'));
    v.c('LOST');
    t.push(v.s('250 ok\r\n'), v.c('EE')).finish();
    assert.equal(t.h().text('c2s'), 'AAAA[gap 4]EE');
  });

  it('declares a gap when the out-of-order buffer limit is hit and goes on', () => {
    const v = new Conv();
    const t = new Harness({ maxBufferedBytesPerDirection: 8 }).push(...v.handshake());
    v.c('LOST');
    const segs = [v.c('1111'), v.c('2222'), v.c('3333'), v.c('4444')];
    t.push(...segs).finish();
    assert.equal(t.h().text('c2s'), '[gap 4]111122223333' + '4444');
    assert.equal(t.r.totals.bufferLimitHits, 1);
    assert.equal(t.r.totals.gaps, 1);
    // The limit was hit on the third buffered segment: data before it came out when the gap was declared.
    assert.deepEqual(t.h().trace().slice(0, 3), ['g c2s 0+4 #6', 'd c2s 4 "1111" #4', 'd c2s 8 "2222" #5']);
  });

  it('declares remaining holes at finish() and delivers what was buffered', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('AB'));
    v.c('cd');
    t.push(v.c('EF')).finish();
    assert.deepEqual(t.h().trace(), ['d c2s 0 "AB" #4', 'g c2s 2+2 #5', 'd c2s 4 "EF" #5', 'close capture-end']);
  });

  it('turns snaplen-missing bytes into a gap', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    const p = v.c('ABCDEFGH');
    t.push({ ...p, data: 'ABC', missing: 5 }, v.c('ZZ')).finish();
    assert.equal(t.h().text('c2s'), 'ABC[gap 5]ZZ');
  });
});

describe('Reassembler: connections whose start was not captured', () => {
  it('guesses the server by port, starts offsets at the first seq seen, startSeen=false', () => {
    const t = new Harness();
    t.push(
      { src: '10.0.0.2', sport: 2525, dst: '10.0.0.1', dport: 55000, seq: 7000, ack: 300, data: '250 ok\r\n' },
      { src: '10.0.0.1', sport: 55000, dst: '10.0.0.2', dport: 2525, seq: 300, ack: 7008, data: 'QUIT\r\n' },
    ).finish();
    const h = t.h();
    assert.equal(h.info.startSeen, false);
    assert.deepEqual(h.info.server, { ip: '10.0.0.2', port: 2525 });
    assert.deepEqual(h.trace(), ['d s2c 0 "250 ok\\r\\n" #1', 'd c2s 0 "QUIT\\r\\n" #2', 'close capture-end']);
    assert.equal(h.info.clientIsn, undefined);
  });

  it('takes the smaller port as server when neither is well known', () => {
    const t = new Harness();
    t.push({ src: '1.1.1.1', sport: 9000, dst: '2.2.2.2', dport: 40000, seq: 1, data: 'x' }).finish();
    assert.deepEqual(t.h().info.server, { ip: '1.1.1.1', port: 9000 });
  });

  it('takes an SMTP port as server over a smaller unregistered one (10026: a content filter reinjecting mail)', () => {
    for (const port of [10026, 465, 1224]) {
      const t = new Harness();
      t.push({ src: '127.0.0.1', sport: 1100, dst: '127.0.0.1', dport: port, seq: 1, data: 'x' }).finish();
      assert.deepEqual(t.h().info.server, { ip: '127.0.0.1', port }, `port ${port}`);
    }
  });

  it('uses a SYN-ACK without SYN to find both roles and ISNs', () => {
    const v = new Conv();
    v.syn();
    const t = new Harness().push(v.synAck(), v.c(''), v.c('HI')).finish();
    assert.equal(t.h().info.server.port, 25);
    assert.equal(t.h().info.clientIsn, 1000);
    assert.equal(t.h().text('c2s'), 'HI');
  });
});

describe('Reassembler: FIN and RST', () => {
  it('FIN from the client then the server: onEnd each, close fin', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('QUIT\r\n'), v.s('221 bye\r\n'));
    t.push(v.c('', { flags: FA }), v.s('', { flags: FA }), v.c('')).finish();
    assert.deepEqual(t.h().trace().slice(2), ['fin c2s #6', 'fin s2c #7', 'close fin']);
    assert.equal(t.h().closed, 1);
    assert.equal(t.r.connections()[0].close?.reason, 'fin');
  });

  it('FIN from the server first, carrying data', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.s('421 timeout\r\n', { flags: FA | TCP_PSH }), v.c('', { flags: FA }));
    t.finish();
    assert.deepEqual(t.h().trace(), ['d s2c 0 "421 timeout\\r\\n" #4', 'fin s2c #4', 'fin c2s #5', 'close fin']);
  });

  it('holds a FIN that arrives after a hole until the hole is filled', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    const a = v.c('DATA');
    t.push(v.c('', { flags: FA }), a).finish();
    assert.deepEqual(t.h().trace(), ['d c2s 0 "DATA" #5', 'fin c2s #4', 'close capture-end']);
  });

  it('declares the hole before a FIN once the FIN is ACKed', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    v.c('LOST');
    t.push(v.c('', { flags: FA }), v.s('', { flags: FA })).finish();
    assert.deepEqual(t.h().trace(), ['g c2s 0+4 #5', 'fin c2s #4', 'fin s2c #5', 'close fin']);
  });

  it('RST ends the connection: buffered data flushed, onEnd rst, close rst', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('AB'));
    v.c('cd');
    t.push(v.c('EF'), v.s('', { flags: RA }), v.c('late')).finish();
    assert.deepEqual(t.h().trace(), [
      'd c2s 0 "AB" #4',
      'g c2s 2+2 #6',
      'd c2s 4 "EF" #5',
      'rst s2c #6',
      'close rst',
    ]);
    assert.equal(t.handlers.length, 1);
  });

  it('an out-of-window RST still ends the connection', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('AB'), v.s('', { seq: 123, ack: 0, flags: TCP_RST })).finish();
    assert.deepEqual(t.h().trace(), ['d c2s 0 "AB" #4', 'rst s2c #5', 'close rst']);
    assert.equal(t.r.totals.connections, 1);
  });
});

describe('Reassembler: sequence wrap-around and TFO', () => {
  it('reassembles across 2^32 with out-of-order segments', () => {
    const v = new Conv({}, 0xfffffff0, 0xfffffffe);
    const t = new Harness().push(...v.handshake());
    const segs = [v.c('0123456789'), v.c('abcdefghij'), v.c('KLMNOPQRST')];
    t.push(segs[1], segs[2], segs[0], v.s('250 wrapped\r\n'), v.c('', { flags: FA }), v.s('', { flags: FA })).finish();
    assert.equal(t.h().text('c2s'), '0123456789abcdefghijKLMNOPQRST');
    assert.equal(t.h().text('s2c'), '250 wrapped\r\n');
    assert.equal(t.r.connections()[0].close?.reason, 'fin');
    assert.equal(t.r.totals.gaps, 0);
  });

  it('delivers data carried by a SYN (TCP Fast Open) at offset 0', () => {
    const v = new Conv();
    const t = new Harness().push(v.syn({ data: 'EHLO' }), v.synAck(), v.c(' x\r\n')).finish();
    assert.equal(t.h().text('c2s'), 'EHLO x\r\n');
  });
});

describe('Reassembler: epochs, proxy legs and duplicates', () => {
  it('starts a new connection for a new SYN with another ISN on a reused port', () => {
    const v1 = new Conv({}, 1000, 5000);
    const t = new Harness().push(...v1.handshake(), v1.c('one'), v1.c('', { flags: FA }), v1.s('', { flags: FA }), v1.c(''));
    const v2 = new Conv({}, 900000, 77000);
    t.push(...v2.handshake(), v2.c('two')).finish();
    assert.equal(t.handlers.length, 2);
    assert.equal(t.h(0).text('c2s'), 'one');
    assert.equal(t.h(1).text('c2s'), 'two');
    assert.equal(t.h(1).info.id, 2);
    assert.equal(t.r.connections()[0].close?.reason, 'fin');
  });

  for (const sameIface of [true, false]) {
    it(`keeps a transparent proxy's two legs apart (identical tuple, other ISN, ${sameIface ? 'same' : 'different'} interface)`, () => {
      const ifs = sameIface ? [{ iface: 0 }, { iface: 0 }] : [{ iface: 0, ifName: 'port1' }, { iface: 1, ifName: 'port2' }];
      const client = new Conv({ ...ifs[0], ttl: 60 }, 1000, 8_000_000);
      const server = new Conv({ ...ifs[1], ttl: 255 }, 3_000_000_000, 40_000);
      const t = new Harness();
      t.push(client.syn(), client.synAck(), client.c(''));
      t.push(server.syn(), server.synAck(), server.c(''));
      t.push(server.s('220 real\r\n'), client.s('220 fgt\r\n'));
      for (let i = 0; i < 5; i++) {
        t.push(client.c(`line ${i}\r\n`), server.c(`line ${i}\r\n`), client.s(''), server.s(''));
      }
      t.push(server.s('', { flags: RA }), client.s('554 virus\r\n')).finish();
      assert.equal(t.handlers.length, 2);
      const [c, s] = [t.h(0), t.h(1)];
      const lines = [0, 1, 2, 3, 4].map((i) => `line ${i}\r\n`).join('');
      assert.equal(c.text('c2s'), lines);
      assert.equal(s.text('c2s'), lines);
      assert.equal(c.text('s2c'), '220 fgt\r\n554 virus\r\n');
      assert.equal(s.text('s2c'), '220 real\r\n');
      assert.equal(t.r.connections()[1].close?.reason, 'rst');
      assert.equal(t.r.connections()[0].close?.reason, 'capture-end');
      assert.equal(s.info.clientTtl, 255);
      assert.equal(s.info.interfaceNames, undefined);
      assert.equal(t.r.totals.duplicatesAcrossInterfaces, 0);
      assert.equal(t.r.totals.gaps, 0);
    });
  }

  it('keeps apart proxy legs that share the client ISN (different interfaces)', () => {
    const client = new Conv({ iface: 0, ifName: 'port1' }, 777, 8_000_000);
    const server = new Conv({ iface: 1, ifName: 'port2', ttl: 255 }, 777, 40_000);
    const t = new Harness();
    t.push(client.syn(), client.synAck(), server.syn(), client.c(''), server.synAck(), server.c(''));
    t.push(server.s('220 real\r\n'), client.s('220 fgt\r\n'));
    for (let i = 0; i < 3; i++) t.push(client.c(`l${i}\r\n`), server.c(`l${i}\r\n`), server.s(''), client.s(''));
    t.finish();
    assert.equal(t.handlers.length, 2);
    assert.equal(t.h(0).info.interfaceName, 'port1');
    assert.equal(t.h(1).info.interfaceName, 'port2');
    assert.equal(t.h(0).text('s2c'), '220 fgt\r\n');
    assert.equal(t.h(1).text('s2c'), '220 real\r\n');
    assert.equal(t.h(0).text('c2s'), 'l0\r\nl1\r\nl2\r\n');
    assert.equal(t.h(1).text('c2s'), 'l0\r\nl1\r\nl2\r\n');
    assert.equal(t.r.totals.retransmissions, 0);
  });

  it('gives an out-of-window RST to the leg on its interface', () => {
    const a = new Conv({ iface: 0, ifName: 'port1' }, 10, 20);
    const b = new Conv({ iface: 1, ifName: 'port2' }, 2_000_000_000, 3_000_000_000);
    // Leg a (port1) was active last, but the RST came on port2.
    const t = new Harness().push(...a.handshake(), ...b.handshake(), b.c('y'), a.c('x', { ts: 1_700_000_001 }));
    t.push(b.s('', { seq: 1_000_000_000, ack: 0, flags: TCP_RST, ts: 1_700_000_002 })).finish();
    assert.deepEqual(
      t.r.connections().map((c) => c.close?.reason),
      ['capture-end', 'rst'],
    );
  });

  it('keeps two legs apart without SYNs by sequence space', () => {
    const a = new Conv({}, 1000, 2_000_000_000);
    const b = new Conv({}, 3_500_000_000, 600_000);
    const t = new Harness();
    for (let i = 0; i < 4; i++) t.push(a.c(`a${i}`), b.c(`b${i}`), a.s(`A${i}`), b.s(`B${i}`));
    t.finish();
    assert.equal(t.handlers.length, 2);
    assert.equal(t.h(0).text('c2s'), 'a0a1a2a3');
    assert.equal(t.h(1).text('c2s'), 'b0b1b2b3');
    assert.equal(t.h(1).text('s2c'), 'B0B1B2B3');
  });

  it('keeps two legs apart without SYNs when their client sequence numbers are close (by the ACKs, before any reply)', () => {
    // A transparent proxy's legs seen mid-connection (random scenario 500395): client ISNs 4.5 M apart, well within
    // the sequence window, but each leg's ACKs follow its own far end. The first packets come before either far
    // end has sent anything, so only the ACK of the same direction can tell the legs apart.
    const a = new Conv({}, 837_294_274, 1_479_835_913);
    const b = new Conv({}, 832_806_304, 2_500_835_522);
    const t = new Harness();
    t.push(a.c('EHLO a\r\n'), b.c('EHLO a\r\n'), b.s('250 b\r\n'), a.s('250 a\r\n'));
    for (let i = 0; i < 3; i++) t.push(a.c(`a${i}`), b.c(`a${i}`), b.s(''), a.s(''));
    t.finish();
    assert.equal(t.handlers.length, 2);
    assert.equal(t.h(0).text('c2s'), 'EHLO a\r\na0a1a2');
    assert.equal(t.h(1).text('c2s'), 'EHLO a\r\na0a1a2');
    assert.equal(t.h(0).text('s2c'), '250 a\r\n');
    assert.equal(t.h(1).text('s2c'), '250 b\r\n');
    assert.equal(t.r.totals.retransmissions, 0);
  });

  it('counts a routed packet seen on two interfaces once', () => {
    const v = new Conv({ iface: 0, ifName: 'port1', ipId: 1 });
    const t = new Harness();
    const pkts = [...v.handshake(), v.c('MAIL FROM:<a@b>\r\n'), v.s('250 ok\r\n')];
    let id = 100;
    for (const p of pkts) {
      p.ipId = id++;
      t.push(p, { ...p, iface: 1, ifName: 'port2', ttl: (p.ttl ?? 64) - 1, ts: (p.ts ?? 1_700_000_000) + 0.0002 });
    }
    t.finish();
    assert.equal(t.handlers.length, 1);
    assert.equal(t.h().text('c2s'), 'MAIL FROM:<a@b>\r\n');
    assert.equal(t.h().text('s2c'), '250 ok\r\n');
    assert.equal(t.r.totals.duplicatesAcrossInterfaces, 5);
    assert.equal(t.r.totals.retransmissions, 0);
    assert.equal(t.r.totals.packets, 5);
    assert.deepEqual(t.r.connections()[0].interfaceNames, ['port1', 'port2']);
  });

  it('does not take a retransmission (new IP id) for a duplicate', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    const p = v.c('DATA');
    t.push({ ...p, ipId: 1 }, { ...p, ipId: 2, ts: 1_700_000_000.3 }).finish();
    assert.equal(t.r.totals.duplicatesAcrossInterfaces, 0);
    assert.equal(t.r.totals.retransmissions, 1);
    assert.equal(t.h().text('c2s'), 'DATA');
  });

  it('counts an identical capture duplicate on the same interface once', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake());
    const p = { ...v.c('DATA'), ipId: 9 };
    t.push(p, p).finish();
    assert.equal(t.r.totals.duplicatesAcrossInterfaces, 1);
    assert.equal(t.r.totals.retransmissions, 0);
  });
});

describe('Reassembler: trailing packets and keep-alives', () => {
  it('keeps a closed connection to absorb its last ACK and a retransmitted FIN', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('QUIT\r\n'));
    const fin = v.s('221 bye\r\n', { flags: FA | TCP_PSH });
    t.push(fin, v.c('', { flags: FA }), { ...fin, ts: 1_700_000_000.4 }, v.c(''), v.c('')).finish();
    assert.equal(t.r.totals.connections, 1);
    assert.equal(t.h().closed, 1);
    assert.equal(t.r.connections()[0].close?.reason, 'fin');
    assert.equal(t.r.connections()[0].close?.stats.packets, 9);
  });

  it('forgets a closed connection after two idle minutes: a later segment starts a new one', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('x'), v.c('', { flags: FA }), v.s('', { flags: FA }), v.c(''));
    const other = new Conv({ sport: 41000 });
    t.push({ ...other.syn(), ts: 1_700_000_300 }, { ...v.c('late'), ts: 1_700_000_301 }).finish();
    assert.equal(t.r.totals.connections, 3);
    assert.equal(t.r.connections()[2].startSeen, false);
  });

  it('forgets a closed connection even when an idle open one is older', () => {
    const idle = new Conv({ sport: 39000 });
    const v = new Conv();
    const t = new Harness().push(...idle.handshake(), ...v.handshake(), v.c('x'), v.c('', { flags: FA }), v.s('', { flags: FA }));
    const other = new Conv({ sport: 41000 });
    t.push({ ...other.syn(), ts: 1_700_000_300 }, { ...v.c('late'), ts: 1_700_000_301 }).finish();
    assert.equal(t.r.totals.connections, 4);
  });

  it('keeps at most maxClosedConnections closed connections: beyond, the oldest is forgotten first', () => {
    const run = (limits: { maxClosedConnections?: number }): Harness => {
      const convs = [39000, 39001, 39002].map((sport) => new Conv({ sport }));
      const t = new Harness(limits);
      for (const v of convs) t.push(...v.handshake(), v.c('x'), v.c('', { flags: FA }), v.s('', { flags: FA }), v.c(''));
      // A new connection sweeps the table; then the first and second connections each get a late segment.
      const d = new Conv({ sport: 41000 });
      t.push(d.syn(), convs[0].c('late'), convs[1].c('late'));
      return t.finish();
    };
    const capped = run({ maxClosedConnections: 2 });
    assert.equal(capped.r.totals.connections, 5);
    const late = capped.r.connections()[4];
    assert.deepEqual([late.client.port, late.startSeen], [39000, false]);
    // By default (1024) all three are kept and absorb their late segments.
    assert.equal(run({}).r.totals.connections, 4);
  });

  it('without connection records, totals stay exact and connections() lists only the table', () => {
    const run = (keepConnectionRecords: boolean): Harness => {
      const t = new Harness({ keepConnectionRecords, maxClosedConnections: 1 });
      for (let i = 0; i < 5; i++) {
        const v = new Conv({ sport: 39000 + i });
        t.push(...v.handshake());
        const mail = v.c('MAIL');
        t.push(mail, { ...mail }, v.s('250 ok\r\n'), v.c('', { flags: FA }), v.s('', { flags: FA }), v.c(''));
      }
      const open = new Conv({ sport: 42000 });
      return t.push(...open.handshake(), open.c('EHLO x\r\n'));
    };
    const kept = run(true);
    const folded = run(false);
    assert.deepEqual(folded.r.totals, kept.r.totals);
    assert.equal(kept.r.totals.retransmissions, 5);
    assert.equal(kept.r.connections().length, 6);
    // The last closed connection and the open one are still in the table.
    assert.deepEqual(folded.r.connections().map((c) => c.client.port), [39004, 42000]);
    folded.finish();
    kept.finish();
    assert.deepEqual(folded.r.totals, kept.r.totals);
    assert.equal(folded.handlers.filter((h) => h.closed === 1).length, 6);
  });

  it('does not call a keep-alive byte an inconsistent overlap', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('HELO x\r\n'));
    t.push({ ...v.base, seq: 1008, ack: 5001, data: '\0' }).finish();
    assert.equal(t.r.totals.retransmissions, 1);
    assert.equal(t.r.totals.inconsistentOverlaps, 0);
  });

  it('counts an IPv6 packet seen on two interfaces once (no IP id)', () => {
    const v = new Conv({ src: '2001:db8::1', dst: '2001:db8::2', ipVersion: 6, ifName: 'port1' });
    const t = new Harness();
    for (const p of [...v.handshake(), v.c('EHLO x\r\n')]) {
      t.push(p, { ...p, iface: 1, ifName: 'port2', ttl: 63, ts: 1_700_000_000.001 });
    }
    t.finish();
    assert.equal(t.r.totals.duplicatesAcrossInterfaces, 4);
    assert.equal(t.h().text('c2s'), 'EHLO x\r\n');
  });

  it('ends both legs correctly when each gets its own RST', () => {
    const a = new Conv({}, 10, 20);
    const b = new Conv({}, 2_000_000_000, 3_000_000_000);
    const t = new Harness().push(...a.handshake(), ...b.handshake(), a.c('x'), b.c('y'));
    t.push(b.s('', { flags: RA }), a.c('', { flags: RA })).finish();
    assert.deepEqual(
      t.r.connections().map((c) => c.close?.reason),
      ['rst', 'rst'],
    );
    assert.deepEqual(t.h(1).trace(), ['d c2s 0 "y" #8', 'rst s2c #9', 'close rst']);
    assert.deepEqual(t.h(0).trace(), ['d c2s 0 "x" #7', 'rst c2s #10', 'close rst']);
  });
});

describe('Reassembler: limits and robustness', () => {
  it('evicts the least recently active connection beyond maxConnections', () => {
    const t = new Harness({ maxConnections: 2 });
    const convs = [1, 2, 3].map((i) => new Conv({ sport: 40000 + i }));
    t.push(...convs[0].handshake(), ...convs[1].handshake(), convs[0].c('keep'), ...convs[2].handshake());
    t.push(convs[0].c('more')).finish();
    const cs = t.r.connections();
    assert.equal(cs[1].close?.reason, 'evicted');
    assert.equal(cs[0].close?.reason, 'capture-end');
    assert.equal(cs[2].close?.reason, 'capture-end');
    assert.equal(t.r.totals.evicted, 1);
    assert.equal(t.h(0).text('c2s'), 'keepmore');
    for (const h of t.handlers) assert.equal(h.closed, 1);
  });

  it('tracks connections the factory ignores without delivering', () => {
    const v = new Conv();
    const t = new Harness({}, () => true).push(...v.handshake(), v.c('x'), v.c('y')).finish();
    assert.equal(t.handlers.length, 0);
    assert.equal(t.r.totals.connections, 1);
    assert.equal(t.r.totals.bytesC2s, 2);
  });

  it('stops delivering (and copying) once the handler sets skipData, but still ends and closes', () => {
    const v = new Conv();
    const t = new Harness().push(...v.handshake(), v.c('GET / HTTP/1.1\r\n'));
    t.h().skipData = true;
    const late = v.c('later');
    t.push(v.c('ooo'), late, v.c('', { flags: FA }), v.s('', { flags: FA })).finish();
    assert.deepEqual(t.h().trace(), ['d c2s 0 "GET / HTTP/1.1\\r\\n" #4', 'fin c2s #7', 'fin s2c #8', 'close fin']);
    assert.equal(t.r.totals.bytesC2s, 24);
  });

  it('never throws on garbage and closes every connection exactly once', () => {
    const t = new Harness({ maxBufferedBytesPerDirection: 64, maxConnections: 3 });
    let x = 12345;
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x % n;
    };
    for (let i = 0; i < 3000; i++) {
      const fromA = rnd(2) === 0;
      const port = 1000 + rnd(5);
      t.push({
        src: fromA ? 'a' : 'b',
        dst: fromA ? 'b' : 'a',
        sport: fromA ? port : 25,
        dport: fromA ? 25 : port,
        seq: rnd(3) === 0 ? rnd(2 ** 32) : rnd(200),
        ack: rnd(200),
        flags: rnd(64),
        data: 'z'.repeat(rnd(40)),
        ts: 1_700_000_000 + i * 0.01,
        iface: rnd(2),
      });
    }
    t.finish();
    for (const h of t.handlers) {
      assert.equal(h.closed, 1);
      h.text('c2s');
      h.text('s2c');
    }
  });
});
