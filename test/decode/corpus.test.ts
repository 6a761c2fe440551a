// Public captures carrying each link type: TCP counts and first segments as tshark reports them (skips without the corpus).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCapture } from '../../src/capture/read.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { DecodeStats, TcpPacket } from '../../src/decode/types.js';

const CORPUS = process.env.SPLICE_DOCTOR_CORPUS ?? join(process.cwd(), '..', 'shared', 'captures', 'public');
const have = existsSync(CORPUS);

interface Expect {
  file: string;
  tcp: number;
  stats: DecodeStats;
  first?: Partial<TcpPacket>;
  directions?: Array<'in' | 'out' | undefined>;
}

// Values cross-checked field by field against tshark (src, dst, ports, raw seq/ack, tcp.len, flags, window, MSS,
// window scale, VLAN ids, TTL/hop limit, SLL packet type and ifindex).
const CASES: Expect[] = [
  { file: 'tcpdump/tcp-handshake-nano.pcap', tcp: 3, stats: {}, directions: ['out', 'in', 'out'],
    first: { src: '131.155.215.69', dst: '137.116.81.94', srcPort: 46656, dstPort: 80, seq: 797190859 } },
  { file: 'suricata-verify/decode-sll2-01_input.pcap', tcp: 5, stats: {}, directions: ['out', 'in', 'out', 'out', 'in'],
    first: { src: '192.168.1.253', dst: '192.168.1.21', srcPort: 56478, seq: 2332771219, linkInterfaceIndex: 2 } },
  { file: 'suricata-verify/smtp-rset_input.pcap', tcp: 42, stats: {}, first: { src: '127.0.0.1', srcPort: 50062, dstPort: 25, seq: 2799796726 } },
  { file: 'PcapPlusPlus/four_ipv6_http_streams.pcap', tcp: 81, stats: {},
    first: { src: '2001:618:400::5199:cc70', dst: '2001:618:1:8000::5', srcPort: 35995, seq: 1793525558 } },
  { file: 'scapy/pfcp.pcap', tcp: 0, stats: { udp: 200 } },
  { file: 'zeek/http-qinq-0.pcap', tcp: 14, stats: {}, first: { vlan: [0, 0], src: '141.142.228.5', seq: 4263588410 } },
  { file: 'zeek/tcp_truncated-header.pcap', tcp: 24, stats: { 'tcp-options-truncated': 1 }, first: { srcPort: 60827, dstPort: 25, flags: 194 } },
  { file: 'zeek/smtp-attachment-msg.pcap', tcp: 17, stats: {}, first: { src: '::1', dst: '::1', dstPort: 25 } },
];

describe('decode on public captures', { skip: have ? false : `corpus not found at ${CORPUS}` }, () => {
  for (const c of CASES) {
    it(c.file, async (t) => {
      const path = join(CORPUS, c.file);
      if (!existsSync(path)) return t.skip('file absent');
      const stats: DecodeStats = {};
      const pkts: Array<Partial<TcpPacket>> = [];
      await readCapture(path, (f) => {
        const p = decodeFrame(f, stats);
        if (p) pkts.push({ ...p, payload: undefined });
      });
      assert.equal(pkts.length, c.tcp);
      assert.deepEqual(stats, c.stats);
      if (c.first) for (const [k, v] of Object.entries(c.first)) assert.deepEqual(pkts[0][k as keyof TcpPacket], v, k);
      if (c.directions) assert.deepEqual(pkts.map((p) => p.direction), c.directions);
    });
  }
});
