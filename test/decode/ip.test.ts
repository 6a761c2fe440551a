// IPv4 (options, padding, total length, fragments) and IPv6 (extension-header chains, fragments) decoding.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFrame, buildIpTcp, wrapLink, type TcpSpec } from '../../fixtures/gen/packets.js';
import { ascii, decode, text } from './helpers.js';

const V4: TcpSpec = { src: '172.16.0.1', dst: '172.16.0.2', srcPort: 25, dstPort: 40000, seq: 1, ack: 2, flags: 'PA', payload: ascii('250 OK\r\n') };
const V6: TcpSpec = { ...V4, src: 'fe80::1', dst: 'fe80::2' };

/** IPv6 packet with the given extension headers (type, bytes) chained before TCP; payload length fixed up. */
function ipv6WithExt(headers: Array<[number, number[]]>, spec: TcpSpec = V6): Uint8Array {
  const base = buildIpTcp(spec);
  const ext: number[] = [];
  headers.forEach(([, bytes], i) => {
    const next = i + 1 < headers.length ? headers[i + 1][0] : 6;
    ext.push(next, ...bytes.slice(1));
  });
  const out = new Uint8Array(base.length + ext.length);
  out.set(base.subarray(0, 40), 0);
  out.set(ext, 40);
  out.set(base.subarray(40), 40 + ext.length);
  if (headers.length) out[6] = headers[0][0];
  const plen = out.length - 40;
  out[4] = plen >> 8;
  out[5] = plen & 255;
  return out;
}

const opts8 = (): number[] => [0, 0, 0, 0, 0, 0, 0, 0];

describe('ipv4', () => {
  it('skips IPv4 options', () => {
    const rr = new Uint8Array([7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1]); // record route + NOP padding
    const { pkt, stats } = decode(1, buildFrame('ethernet', { ...V4, ipv4Options: rr }));
    assert.deepEqual(stats, {});
    assert.equal(pkt?.srcPort, 25);
    assert.equal(pkt?.dstPort, 40000);
    assert.equal(text(pkt!.payload), '250 OK\r\n');
  });

  it('drops Ethernet padding and a trailing FCS', () => {
    const syn = buildFrame('ethernet', { ...V4, flags: 'S', payload: undefined });
    assert.equal(syn.length, 54);
    const padded = new Uint8Array(60);
    padded.set(syn);
    padded.fill(0xee, 54);
    const a = decode(1, padded).pkt;
    assert.equal(a?.payload.length, 0);
    assert.equal(a?.payloadMissing, 0);
    const data = buildFrame('ethernet', V4);
    const withFcs = new Uint8Array(data.length + 4);
    withFcs.set(data);
    withFcs.set([0xde, 0xad, 0xbe, 0xef], data.length);
    assert.equal(text(decode(1, withFcs).pkt!.payload), '250 OK\r\n');
  });

  it('reports payload cut by snaplen as payloadMissing', () => {
    const data = buildFrame('ethernet', V4);
    const cut = data.subarray(0, 14 + 20 + 20 + 3);
    const { pkt, stats } = decode(1, cut, { origLen: data.length });
    assert.deepEqual(stats, {});
    assert.equal(text(pkt!.payload), '250');
    assert.equal(pkt?.payloadMissing, 5);
  });

  it('honours capLen when the data view is longer', () => {
    const data = buildFrame('ethernet', V4);
    const { pkt } = decode(1, data, { capLen: data.length - 2 });
    assert.equal(text(pkt!.payload), '250 OK');
    assert.equal(pkt?.payloadMissing, 2);
  });

  it('treats a total length of 0 (segmentation offload) as "as captured"', () => {
    const data = buildFrame('ethernet', V4);
    data[16] = 0;
    data[17] = 0;
    assert.equal(text(decode(1, data).pkt!.payload), '250 OK\r\n');
  });

  it('counts TCP fragments and lets DF through', () => {
    const data = buildFrame('ethernet', V4);
    assert.equal(data[20], 0x40); // DF set by the builder
    assert.ok(decode(1, data).pkt);
    data[20] = 0x20; // MF, offset 0: first fragment
    assert.deepEqual(decode(1, data).stats, { 'ipv4-fragment': 1 });
    data[20] = 0x00;
    data[21] = 0xb9; // offset 185 * 8
    assert.deepEqual(decode(1, data).stats, { 'ipv4-fragment': 1 });
    data[23] = 17; // a UDP fragment is counted as UDP
    assert.deepEqual(decode(1, data).stats, { udp: 1 });
  });

  it('counts impossible header and total lengths', () => {
    const a = buildFrame('ethernet', V4);
    a[14] = 0x44; // IHL 4
    assert.deepEqual(decode(1, a).stats, { 'bad-ipv4-header': 1 });
    const b = buildFrame('ethernet', V4);
    b[16] = 0;
    b[17] = 19; // total length below the header length
    assert.deepEqual(decode(1, b).stats, { 'bad-ipv4-header': 1 });
    const c = buildFrame('ethernet', V4);
    c[14] = 0x4f; // IHL 15 = 60 bytes, longer than what was captured after the header
    const shortC = c.subarray(0, 14 + 40);
    assert.deepEqual(decode(1, shortC).stats, { 'truncated-ipv4': 1 });
  });
});

describe('ipv6', () => {
  it('walks hop-by-hop, routing and destination options (builder)', () => {
    const { pkt, stats } = decode(1, buildFrame('ethernet', { ...V6, ipv6Ext: [0, 43, 60] }));
    assert.deepEqual(stats, {});
    assert.equal(text(pkt!.payload), '250 OK\r\n');
  });

  it('walks longer options, AH and mobility headers', () => {
    const ip = ipv6WithExt([
      [0, [0, 1, 1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]], // hop-by-hop, 16 bytes
      [51, [0, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]], // AH: (4+2)*4 = 24 bytes
      [135, opts8()],
      [60, opts8()],
    ]);
    const { pkt, stats } = decode(101, ip);
    assert.deepEqual(stats, {});
    assert.equal(pkt?.srcPort, 25);
    assert.equal(text(pkt!.payload), '250 OK\r\n');
  });

  it('passes atomic fragments and counts real ones', () => {
    const frag = (offset: number, more: boolean): number[] => {
      const v = (offset << 3) | (more ? 1 : 0);
      return [0, 0, v >> 8, v & 255, 0, 0, 0x12, 0x34];
    };
    assert.ok(decode(101, ipv6WithExt([[44, frag(0, false)]])).pkt);
    assert.deepEqual(decode(101, ipv6WithExt([[44, frag(0, true)]])).stats, { 'ipv6-fragment': 1 });
    assert.deepEqual(decode(101, ipv6WithExt([[0, opts8()], [44, frag(100, false)]])).stats, { 'ipv6-fragment': 1 });
  });

  it('accepts 16 extension headers and counts a 17-header chain', () => {
    const chain = (n: number): Array<[number, number[]]> => Array.from({ length: n }, () => [60, opts8()] as [number, number[]]);
    assert.ok(decode(101, ipv6WithExt(chain(16))).pkt);
    assert.deepEqual(decode(101, ipv6WithExt(chain(17))).stats, { 'ipv6-ext-chain': 1 });
  });

  it('counts a chain that runs past the declared payload, and one cut by the capture as truncated', () => {
    const ip = ipv6WithExt([[60, [0, 200, 0, 0, 0, 0, 0, 0]]]); // claims (200+1)*8 bytes
    assert.deepEqual(decode(101, ip).stats, { 'ipv6-ext-chain': 1 });
    const ok = ipv6WithExt([[0, opts8()], [60, opts8()]]);
    assert.deepEqual(decode(101, ok.subarray(0, 52)).stats, { 'truncated-ipv6': 1 });
  });

  it('treats a payload length of 0 as "as captured" and drops padding otherwise', () => {
    const ip = buildIpTcp(V6);
    ip[4] = 0;
    ip[5] = 0;
    assert.equal(text(decode(101, ip).pkt!.payload), '250 OK\r\n');
    const padded = new Uint8Array(buildIpTcp(V6).length + 6);
    padded.set(buildIpTcp(V6));
    assert.equal(text(decode(229, padded).pkt!.payload), '250 OK\r\n');
  });

  it('reports the hop limit as ttl', () => {
    assert.equal(decode(1, wrapLink('ethernet', buildIpTcp({ ...V6, ttl: 255 }))).pkt?.ttl, 255);
  });
});
