// Link layers: Ethernet, VLAN/QinQ, Fortinet EtherTypes, SLL, SLL2, NULL/LOOP, raw IP, and non-TCP traffic.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { buildFrame, buildIpTcp, LINKTYPE, wrapLink, type TcpSpec } from '../../fixtures/gen/packets.js';
import { linkTypeName, NOTE_REASONS, SKIP_REASONS } from '../../src/decode/index.js';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../../src/decode/types.js';
import { ascii, decode, text } from './helpers.js';

const V4: TcpSpec = {
  src: '10.1.2.3', dst: '192.168.77.25', srcPort: 49898, dstPort: 25, seq: 3_000_000_000, ack: 4_000_000_001,
  flags: 'PA', window: 502, ttl: 63, ipId: 0xbeef, payload: ascii('EHLO example.org\r\n'),
};
const V6: TcpSpec = { ...V4, src: '2001:db8::10', dst: '2001:db8:0:0:1::25' };

describe('ethernet', () => {
  it('decodes an IPv4 TCP segment with every field', () => {
    const { pkt, stats } = decode(1, buildFrame('ethernet', V4), { frame: 7, interfaceIndex: 2, interfaceName: 'port1' });
    assert.deepEqual(stats, {});
    assert.ok(pkt);
    assert.equal(pkt.frame, 7);
    assert.equal(pkt.tsSec, 1_700_000_000);
    assert.equal(pkt.tsNsec, 123_456_789);
    assert.equal(pkt.interfaceIndex, 2);
    assert.equal(pkt.interfaceName, 'port1');
    assert.equal(pkt.direction, undefined);
    assert.equal(pkt.vlan, undefined);
    assert.equal(pkt.ipVersion, 4);
    assert.equal(pkt.src, '10.1.2.3');
    assert.equal(pkt.dst, '192.168.77.25');
    assert.equal(pkt.ttl, 63);
    assert.equal(pkt.ipId, 0xbeef);
    assert.equal(pkt.srcPort, 49898);
    assert.equal(pkt.dstPort, 25);
    assert.equal(pkt.seq, 3_000_000_000);
    assert.equal(pkt.ack, 4_000_000_001);
    assert.equal(pkt.flags, TCP_PSH | TCP_ACK);
    assert.equal(pkt.window, 502);
    assert.deepEqual(pkt.options, {});
    assert.equal(text(pkt.payload), 'EHLO example.org\r\n');
    assert.equal(pkt.payloadMissing, 0);
  });

  it('returns the payload as a view of the frame bytes, not a copy', () => {
    const data = buildFrame('ethernet', V4);
    const { pkt } = decode(1, data);
    assert.ok(pkt);
    assert.equal(pkt.payload.buffer, data.buffer);
    assert.equal(pkt.payload.byteOffset, data.length - 18);
  });

  it('decodes IPv6', () => {
    const { pkt } = decode(1, buildFrame('ethernet', V6));
    assert.ok(pkt);
    assert.equal(pkt.ipVersion, 6);
    assert.equal(pkt.src, '2001:db8::10');
    assert.equal(pkt.dst, '2001:db8::1:0:0:25');
    assert.equal(pkt.ipId, undefined);
    assert.equal(pkt.ttl, 63);
    assert.equal(text(pkt.payload), 'EHLO example.org\r\n');
  });

  it('collects one 802.1Q tag', () => {
    const { pkt } = decode(1, buildFrame('vlan', V4, { vlan: [0x123] }));
    assert.deepEqual(pkt?.vlan, [0x123]);
    assert.equal(pkt?.dstPort, 25);
  });

  it('collects QinQ tags outer first (0x88a8 then 0x8100) and ignores PCP/DEI bits', () => {
    const data = buildFrame('qinq', V6, { vlan: [200, 4095] });
    assert.equal((data[12] << 8) | data[13], 0x88a8);
    data[14] |= 0xf0; // priority and DEI bits must not leak into the id
    const { pkt } = decode(1, data);
    assert.deepEqual(pkt?.vlan, [200, 4095]);
    assert.equal(pkt?.src, '2001:db8::10');
  });

  it('accepts the old 0x9100 QinQ TPID', () => {
    const data = buildFrame('qinq', V4, { vlan: [10, 20] });
    data[12] = 0x91;
    data[13] = 0x00;
    assert.deepEqual(decode(1, data).pkt?.vlan, [10, 20]);
  });

  it('accepts Fortinet-internal EtherTypes 0x8890 and 0x8891 as IPv4', () => {
    const data = buildFrame('fgt-internal', V4);
    assert.equal(decode(1, data).pkt?.src, '10.1.2.3');
    data[13] = 0x91;
    assert.equal(decode(1, data).pkt?.src, '10.1.2.3');
  });

  it('counts 0x8890 frames that do not carry IPv4 (FGCP heartbeat on HA ports) as fortinet-internal', () => {
    const data = buildFrame('fgt-internal', V4);
    data[14] = 0x29;
    assert.deepEqual(decode(1, data).stats, { 'fortinet-internal': 1 });
    assert.deepEqual(decode(1, data.subarray(0, 14)).stats, { 'truncated-ipv4': 1 });
  });

  it('decodes IPv4 and IPv6 in PPPoE sessions and counts PPP control traffic', () => {
    for (const spec of [V4, V6]) {
      const ip = buildIpTcp(spec);
      const eth = buildFrame('ethernet', spec).subarray(0, 12);
      const ppp = spec === V4 ? 0x0021 : 0x0057;
      const len = ip.length + 2;
      const frame = new Uint8Array([...eth, 0x88, 0x64, 0x11, 0x00, 0x12, 0x34, len >> 8, len & 255, ppp >> 8, ppp & 255, ...ip]);
      const { pkt, stats } = decode(1, frame);
      assert.deepEqual(stats, {});
      assert.equal(pkt?.src, spec.src === V4.src ? '10.1.2.3' : '2001:db8::10');
      assert.equal(text(pkt!.payload), 'EHLO example.org\r\n');
      frame[21] = 0x21;
      frame[20] = 0xc0; // LCP
      assert.deepEqual(decode(1, frame).stats, { 'non-ip': 1 });
      assert.deepEqual(decode(1, frame.subarray(0, 19)).stats, { 'truncated-pppoe': 1 });
    }
  });

  it('counts ARP, other EtherTypes and 802.3 length frames', () => {
    const data = buildFrame('ethernet', V4);
    data[12] = 0x08;
    data[13] = 0x06;
    assert.deepEqual(decode(1, data).stats, { arp: 1 });
    data[12] = 0x88;
    data[13] = 0xcc;
    assert.deepEqual(decode(1, data).stats, { 'non-ip': 1 });
    data[12] = 0x00;
    data[13] = 0x40;
    assert.deepEqual(decode(1, data).stats, { 'non-ip': 1 });
  });

  it('counts an IPv6 EtherType carrying an IPv4 packet as bad-ip-version', () => {
    const data = buildFrame('ethernet', V4);
    data[12] = 0x86;
    data[13] = 0xdd;
    // 20-byte IPv4 header + TCP is long enough to be read as IPv6, but the version nibble is 4.
    assert.deepEqual(decode(1, data).stats, { 'bad-ip-version': 1 });
  });
});

describe('linux cooked (SLL, SLL2)', () => {
  it('SLL: packet types 0..3 are in, 4 is out', () => {
    for (const [pt, dir] of [[0, 'in'], [1, 'in'], [2, 'in'], [3, 'in'], [4, 'out']] as const) {
      const { pkt } = decode(113, buildFrame('sll', V4, { packetType: pt }));
      assert.equal(pkt?.direction, dir, `packet type ${pt}`);
      assert.equal(pkt?.dstPort, 25);
    }
  });

  it('SLL: an unknown packet type gives no direction; the frame direction wins over the header', () => {
    assert.equal(decode(113, buildFrame('sll', V4, { packetType: 6 })).pkt?.direction, undefined);
    assert.equal(decode(113, buildFrame('sll', V4, { packetType: 4 }), { direction: 'in' }).pkt?.direction, 'in');
  });

  it('SLL: IPv6 and a VLAN tag announced in the protocol field', () => {
    assert.equal(decode(113, buildFrame('sll', V6)).pkt?.dst, '2001:db8::1:0:0:25');
    const ip = buildIpTcp(V4);
    const sll = wrapLink('sll', ip);
    const tagged = new Uint8Array(sll.length + 4);
    tagged.set(sll.subarray(0, 14), 0);
    tagged.set([0x81, 0x00, 0x00, 0x2a, 0x08, 0x00], 14);
    tagged.set(ip, 20);
    const { pkt } = decode(113, tagged);
    assert.deepEqual(pkt?.vlan, [42]);
    assert.equal(pkt?.srcPort, 49898);
  });

  it('SLL2: interface index and direction', () => {
    const { pkt } = decode(276, buildFrame('sll2', V4, { ifIndex: 0x01020304, packetType: 4 }), { interfaceIndex: 3 });
    assert.equal(pkt?.direction, 'out');
    assert.equal(pkt?.linkInterfaceIndex, 0x01020304);
    assert.equal(pkt?.interfaceIndex, 3);
    assert.equal(text(pkt!.payload), 'EHLO example.org\r\n');
    assert.equal(decode(276, buildFrame('sll2', V6, { packetType: 0 })).pkt?.direction, 'in');
  });

  it('SLL and SLL2: non-IP protocols are counted', () => {
    const a = buildFrame('sll', V4);
    a[14] = 0x08;
    a[15] = 0x06;
    assert.deepEqual(decode(113, a).stats, { arp: 1 });
    const b = buildFrame('sll2', V4);
    b[0] = 0x00;
    b[1] = 0x04;
    assert.deepEqual(decode(276, b).stats, { 'non-ip': 1 });
  });
});

describe('BSD loopback (NULL, LOOP)', () => {
  it('reads the family in either byte order', () => {
    for (const be of [false, true]) {
      for (const lt of [0, 108]) {
        assert.equal(decode(lt, buildFrame('null', V4, { nullBigEndian: be })).pkt?.src, '10.1.2.3', `lt ${lt} be ${be}`);
        assert.equal(decode(lt, buildFrame('null', V6, { nullBigEndian: be })).pkt?.src, '2001:db8::10', `lt ${lt} be ${be}`);
      }
    }
  });

  it('knows every IPv6 family value (24, 28, 30, 10) and counts others', () => {
    const data = buildFrame('null', V6);
    for (const fam of [24, 28, 30, 10]) {
      data[0] = fam;
      assert.equal(decode(0, data).pkt?.ipVersion, 6, `family ${fam}`);
    }
    data[0] = 7;
    assert.deepEqual(decode(0, data).stats, { 'non-ip': 1 });
    data[0] = 2;
    data[1] = 1; // neither byte order gives a small family
    assert.deepEqual(decode(0, data).stats, { 'non-ip': 1 });
  });
});

describe('raw IP link types', () => {
  it('12, 14 and 101 use the version nibble', () => {
    for (const lt of [12, 14, 101]) {
      assert.equal(decode(lt, buildFrame('raw', V4)).pkt?.src, '10.1.2.3');
      assert.equal(decode(lt, buildFrame('raw', V6)).pkt?.src, '2001:db8::10');
      const bad = buildFrame('raw', V4);
      bad[0] = 0x55;
      assert.deepEqual(decode(lt, bad).stats, { 'bad-ip-version': 1 });
    }
  });

  it('228 is IPv4 only and 229 IPv6 only', () => {
    assert.equal(decode(228, buildFrame('raw228', V4)).pkt?.ipVersion, 4);
    assert.equal(decode(229, buildFrame('raw229', V6)).pkt?.ipVersion, 6);
    assert.deepEqual(decode(228, buildFrame('raw', V6)).stats, { 'bad-ip-version': 1 });
    assert.deepEqual(decode(229, buildFrame('raw', V4)).stats, { 'bad-ip-version': 1 });
    assert.deepEqual(decode(229, buildFrame('raw', V4).subarray(0, 30)).stats, { 'bad-ip-version': 1 });
  });

  it('matches the fixture builder link type table', () => {
    assert.equal(LINKTYPE.raw228, 228);
    assert.equal(LINKTYPE.sll2, 276);
  });
});

describe('other traffic', () => {
  it('counts unknown link types', () => {
    assert.deepEqual(decode(147, buildFrame('ethernet', V4)).stats, { 'unknown-link-type': 1 });
    assert.deepEqual(decode(105, new Uint8Array(0)).stats, { 'unknown-link-type': 1 });
  });

  it('counts UDP, ICMP, ICMPv6 and other IP protocols', () => {
    const v4 = buildFrame('ethernet', V4);
    for (const [proto, reason] of [[17, 'udp'], [1, 'icmp'], [47, 'ip-proto-other']] as const) {
      v4[14 + 9] = proto;
      assert.deepEqual(decode(1, v4).stats, { [reason]: 1 });
    }
    const v6 = buildFrame('ethernet', V6);
    for (const [proto, reason] of [[58, 'icmpv6'], [17, 'udp'], [59, 'ip-proto-other']] as const) {
      v6[14 + 6] = proto;
      assert.deepEqual(decode(1, v6).stats, { [reason]: 1 });
    }
  });

  it('a SYN carries its flag bits', () => {
    const { pkt } = decode(1, buildFrame('ethernet', { ...V4, flags: 'S', payload: undefined }));
    assert.equal(pkt?.flags, TCP_SYN);
    assert.equal(pkt?.payload.length, 0);
  });
});

describe('linkTypeName', () => {
  it('names the link types the decoder knows and falls back for others', () => {
    assert.equal(linkTypeName(1), 'EN10MB');
    assert.equal(linkTypeName(0), 'NULL');
    assert.equal(linkTypeName(108), 'LOOP');
    assert.equal(linkTypeName(113), 'LINUX_SLL');
    assert.equal(linkTypeName(276), 'LINUX_SLL2');
    assert.equal(linkTypeName(101), 'RAW');
    assert.equal(linkTypeName(228), 'IPV4');
    assert.equal(linkTypeName(229), 'IPV6');
    assert.equal(linkTypeName(4242), 'LINKTYPE_4242');
  });
});

describe('reason catalogue', () => {
  it('describes every reason string the decoder source can return', () => {
    const dir = fileURLToPath(new URL('../../../src/decode/', import.meta.url));
    const found = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'reasons.ts')) {
      const src = readFileSync(`${dir}/${f}`, 'utf8');
      for (const m of src.matchAll(/'((?:truncated|bad|ipv4|ipv6|tcp-options|unknown|non|ip-proto|fortinet)-[a-z0-9-]+|arp|udp|icmp|icmpv6)'/g)) found.add(m[1]);
    }
    assert.ok(found.size >= 20, `only ${found.size} reasons found`);
    for (const r of found) assert.ok(SKIP_REASONS[r] ?? NOTE_REASONS[r], `undocumented reason ${r}`);
    for (const r of [...Object.keys(SKIP_REASONS), ...Object.keys(NOTE_REASONS)]) assert.ok(found.has(r), `catalogue entry ${r} never produced`);
  });
});
