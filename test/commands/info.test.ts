// `info` returns capinfos-like data: formats, link types, interfaces, exact timestamps, TCP connections, errors.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildFrame, snifferTcpSummary, type TcpSpec } from '../../fixtures/gen/packets.js';
import { writePcap, writePcapng, writeSnifferText, type FrameRecord } from '../../fixtures/gen/writers.js';
import { info } from '../../src/commands/info.js';
import { renderInfoText } from '../../src/report/info-text.js';
import { tmpFile } from '../capture/helpers.js';

const seg = (srcPort: number, flags: string, seq: number): TcpSpec => ({
  src: '192.0.2.10',
  dst: '192.0.2.25',
  srcPort,
  dstPort: 25,
  seq,
  ack: flags.includes('A') ? 1 : 0,
  flags,
});

describe('info', () => {
  it('summarises a pcap: counts, link types, exact timestamps, TCP connections by SYN epoch', async () => {
    const frames: FrameRecord[] = [
      seg(1025, 'S', 100), // connection 1
      seg(1025, 'S', 100), // retransmitted SYN: same connection
      seg(1025, 'A', 101),
      seg(1025, 'S', 9000), // same ports, new ISN: connection 2 (e.g. the other leg of a transparent proxy)
      seg(1026, 'PA', 5), // mid-stream connection 3
    ].map((s, i) => ({ tsSec: 1_700_000_000 + i, tsNsec: i === 4 ? 999_999_999 : 1, data: buildFrame('ethernet', s) }));
    const path = tmpFile(writePcap(frames, { linkType: 1, nsec: true }));
    const [r] = await info([path]);
    assert.equal(r.format, 'pcap-nsec');
    assert.equal(r.packets, 5);
    assert.equal(r.tcpConnections, 3);
    assert.deepEqual(r.linkTypes, [{ linkType: 1, name: 'EN10MB' }]);
    assert.deepEqual(r.interfaces, [{ index: 0, name: null, linkType: 1 }]);
    assert.equal(r.firstTimestamp, '2023-11-14T22:13:20.000000001Z');
    assert.equal(r.lastTimestamp, '2023-11-14T22:13:24.999999999Z');
    assert.ok(Math.abs(r.durationSeconds! - 4.999999998) < 1e-9);
    assert.equal(r.error, null);
    assert.equal(r.bytes, frames.reduce((a, f) => a + f.data.length, 0));
    assert.match(r.sha256!, /^[0-9a-f]{64}$/);
    const text = renderInfoText([r]);
    assert.match(text, /^Packets: +5$/m);
    assert.match(text, /^TCP connections: +3$/m);
    assert.match(text, /^Link types: +EN10MB \(1\)$/m);
  });

  it('names pcapng interfaces and sniffer interfaces; relative sniffer times look like +s.uuuuuus', async () => {
    const ng = tmpFile(
      writePcapng([
        {
          interfaces: [
            { linkType: 1, name: 'port1' },
            { linkType: 101, name: 'ssl.root' },
          ],
          frames: [{ tsSec: 1, tsNsec: 0, data: buildFrame('raw', seg(1, 'S', 1)), interfaceIndex: 1 }],
        },
      ]),
    );
    const txt = tmpFile(
      writeSnifferText(
        [0, 1].map((i) => ({
          tsSec: 100 + i,
          tsNsec: 5000,
          iface: 'wan1',
          direction: 'in' as const,
          summary: snifferTcpSummary(seg(2000 + i, 'S', 7)),
          data: buildFrame('ethernet', seg(2000 + i, 'S', 7)),
        })),
        { verbose: 6, timestamps: 'relative' },
      ),
    );
    const [a, b] = await info([ng, txt]);
    assert.deepEqual(a.interfaces, [
      { index: 0, name: 'port1', linkType: 1 },
      { index: 1, name: 'ssl.root', linkType: 101 },
    ]);
    assert.deepEqual(a.linkTypes.map((l) => l.name), ['EN10MB', 'RAW']);
    assert.equal(a.tcpConnections, 1);
    assert.equal(b.format, 'fortigate-sniffer');
    assert.equal(b.timestampKind, 'relative');
    assert.equal(b.firstTimestamp, '+0.000000s');
    assert.equal(b.lastTimestamp, '+1.000000s');
    assert.equal(b.tcpConnections, 2);
    assert.deepEqual(b.interfaces, [{ index: 0, name: 'wan1', linkType: 1 }]);
  });

  it('damaged and non-capture files become entries with an error, never a throw', async () => {
    const good = writePcap(
      [0, 1, 2].map((i) => ({ tsSec: i, tsNsec: 0, data: buildFrame('ethernet', seg(3000, 'A', i)) })),
      { linkType: 1 },
    );
    const cut = tmpFile(good.subarray(0, good.length - 3));
    const eml = tmpFile('From: a@example.org\r\nSubject: x\r\n\r\nhi\r\n');
    const [d, e, m] = await info([cut, eml, '/nonexistent/file.pcap']);
    assert.equal(d.packets, 2);
    assert.match(d.error!.message, /past the end/);
    assert.equal(d.error!.unit, 'byte');
    assert.equal(typeof d.error!.offset, 'number');
    assert.equal(e.packets, 0);
    assert.equal(e.format, null);
    assert.equal(e.error!.message, 'text file but not FortiGate sniffer output (looks like an e-mail message (.eml))');
    assert.equal(m.error!.message, 'cannot read the file: no such file');
    const text = renderInfoText([d, e]);
    assert.match(text, /^Damaged: .*past the end.*\(at byte offset \d+\)/m);
    assert.match(text, /^Error: +text file but not FortiGate sniffer output/m);
  });
});
