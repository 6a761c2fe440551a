// TCP header fields, options (including malformed lists) and header-length errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFrame, buildIpTcp, type TcpSpec } from '../../fixtures/gen/packets.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../src/decode/types.js';
import { ascii, decode, text } from './helpers.js';

const SYN: TcpSpec = {
  src: '198.51.100.7', dst: '203.0.113.9', srcPort: 51515, dstPort: 25, seq: 0xfffffff0, flags: 'S',
  mss: 1460, windowScale: 7, sackPermitted: true, timestamps: [0xdeadbeef, 0x01020304], window: 64240,
};

/** Raw IPv4/TCP packet whose TCP option bytes are `opts` (padded to 4 with EOL), payload 'DATA'. */
function withOptions(opts: number[]): Uint8Array {
  const ip = buildIpTcp({ ...SYN, mss: undefined, windowScale: undefined, sackPermitted: false, timestamps: undefined, payload: ascii('DATA') });
  const padded = [...opts];
  while (padded.length % 4) padded.push(0);
  const out = new Uint8Array(ip.length + padded.length);
  out.set(ip.subarray(0, 40), 0);
  out.set(padded, 40);
  out.set(ip.subarray(40), 40 + padded.length);
  out[32] = ((20 + padded.length) / 4) << 4;
  const total = out.length;
  out[2] = total >> 8;
  out[3] = total & 255;
  return out;
}

describe('tcp', () => {
  it('decodes MSS, window scale, SACK-permitted and timestamps', () => {
    const { pkt, stats } = decode(1, buildFrame('ethernet', SYN));
    assert.deepEqual(stats, {});
    assert.deepEqual(pkt?.options, { mss: 1460, windowScale: 7, sackPermitted: true, tsVal: 0xdeadbeef, tsEcr: 0x01020304 });
    assert.equal(pkt?.seq, 0xfffffff0);
    assert.equal(pkt?.flags, TCP_SYN);
    assert.equal(pkt?.window, 64240);
    assert.equal(pkt?.payload.length, 0);
  });

  it('keeps every flag bit including ECE and CWR', () => {
    const data = buildFrame('ethernet', { ...SYN, flags: 'FRA' });
    assert.equal(decode(1, data).pkt?.flags, TCP_FIN | TCP_RST | TCP_ACK);
    data[14 + 20 + 13] = 0xff;
    assert.equal(decode(1, data).pkt?.flags, 0xff);
  });

  it('skips unknown options and stops at EOL', () => {
    const sackBlock = [5, 10, 0, 0, 0, 1, 0, 0, 0, 2];
    const { pkt, stats } = decode(101, withOptions([1, 1, ...sackBlock, 30, 4, 0, 0, 2, 4, 5, 0xb4, 0, 3, 3, 9]));
    assert.deepEqual(stats, {});
    assert.deepEqual(pkt?.options, { mss: 1460 }); // window scale after EOL is ignored
    assert.equal(text(pkt!.payload), 'DATA');
  });

  it('ignores known options with a wrong length', () => {
    const { pkt } = decode(101, withOptions([2, 3, 5, 3, 2, 4, 3, 0, 8, 9, 1, 2, 3, 4, 5, 6, 7]));
    assert.deepEqual(pkt?.options, {});
  });

  it('tolerates malformed option lists: zero length, overrun', () => {
    for (const opts of [[2, 4, 5, 0xb4, 8, 0, 1, 1], [2, 4, 5, 0xb4, 8, 40, 0, 0], [2, 4, 5, 0xb4, 1, 1, 1, 8]]) {
      const { pkt, stats } = decode(101, withOptions(opts));
      assert.deepEqual(stats, { 'tcp-options-malformed': 1 }, JSON.stringify(opts));
      assert.deepEqual(pkt?.options, { mss: 1460 });
      assert.equal(text(pkt!.payload), 'DATA');
    }
  });

  it('decodes options cut by snaplen as far as they go', () => {
    const data = buildFrame('ethernet', SYN); // options: MSS, SACK-perm, NOP NOP TS, NOP WS
    const cut = data.subarray(0, 14 + 20 + 20 + 8);
    const { pkt, stats } = decode(1, cut, { origLen: data.length });
    assert.deepEqual(stats, { 'tcp-options-truncated': 1 });
    assert.deepEqual(pkt?.options, { mss: 1460, sackPermitted: true });
    assert.equal(pkt?.payload.length, 0);
    assert.equal(pkt?.payloadMissing, 0);
  });

  it('counts data offsets below 5 or beyond the IP payload', () => {
    const a = buildFrame('ethernet', { ...SYN, payload: ascii('x') });
    a[14 + 20 + 12] = 0x40;
    assert.deepEqual(decode(1, a).stats, { 'bad-tcp-header': 1 });
    const b = buildFrame('ethernet', { ...SYN, mss: undefined, windowScale: undefined, sackPermitted: false, timestamps: undefined });
    b[14 + 20 + 12] = 0x60; // 24 bytes, only 20 in the packet
    assert.deepEqual(decode(1, b).stats, { 'bad-tcp-header': 1 });
  });

  it('counts an IP packet too short for a TCP header', () => {
    const data = buildFrame('ethernet', SYN);
    data[16] = 0;
    data[17] = 30; // 20 IP + 10 TCP
    assert.deepEqual(decode(1, data).stats, { 'bad-tcp-header': 1 });
    assert.deepEqual(decode(1, data.subarray(0, 14 + 20 + 10)).stats, { 'bad-tcp-header': 1 });
    const full = buildFrame('ethernet', SYN);
    assert.deepEqual(decode(1, full.subarray(0, 14 + 20 + 10)).stats, { 'truncated-tcp': 1 });
  });
});
