// FortiGate sniffer text reader: verbose levels, layouts, timestamps, terminal noise, fgt2eth rewrites, damage.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildFrame, buildIpTcp, snifferTcpSummary, wrapLink, type TcpSpec } from '../../fixtures/gen/packets.js';
import { writeSnifferText, type SnifferPacket } from '../../fixtures/gen/writers.js';
import { InputError } from '../../src/capture/types.js';
import { readAll, readChunked } from './helpers.js';

const spec = (i: number): TcpSpec => ({
  src: '10.1.1.10',
  dst: '10.2.2.25',
  srcPort: 50000 + i,
  dstPort: 25,
  seq: 7000 + i,
  ack: 99,
  flags: 'PA',
  payload: Buffer.from(`RCPT TO:<user${i}@example.com>\r\n`),
});

function packets(n: number, level: 'eth' | 'ip', withIface = true): SnifferPacket[] {
  const out: SnifferPacket[] = [];
  for (let i = 0; i < n; i++) {
    const ip = buildIpTcp(spec(i));
    out.push({
      tsSec: 1_750_000_000 + i,
      tsNsec: 250_000_000 + i * 1000,
      iface: withIface ? (i % 2 ? 'port2' : 'port1') : undefined,
      direction: withIface ? (i % 2 ? 'out' : 'in') : undefined,
      summary: snifferTcpSummary(spec(i)),
      data: level === 'eth' ? wrapLink('ethernet', ip) : ip,
    });
  }
  return out;
}

describe('FortiGate sniffer text', () => {
  it('verbose 6, absolute timestamps, tab layout, CRLF, prompt', async () => {
    const pk = packets(4, 'eth');
    const text = writeSnifferText(pk, { verbose: 6, timestamps: 'absolute', crlf: true, prompt: 'FGT60F (root)' });
    const { s, frames } = await readAll(text);
    assert.equal(s.format, 'fortigate-sniffer');
    assert.equal(s.error, null);
    assert.equal(s.packets, 4);
    assert.equal(s.timestampKind, 'absolute');
    assert.equal(s.timestampZone, 'UTC');
    assert.deepEqual(s.linkTypes, [1]);
    assert.deepEqual(s.interfaces, [
      { index: 0, name: 'port1', linkType: 1 },
      { index: 1, name: 'port2', linkType: 1 },
    ]);
    frames.forEach((f, i) => {
      assert.equal(f.frame, i + 1);
      assert.deepEqual(f.data, Buffer.from(pk[i].data));
      assert.equal(f.tsSec, pk[i].tsSec);
      assert.equal(f.tsNsec, Math.floor(pk[i].tsNsec / 1000) * 1000);
      assert.equal(f.interfaceName, i % 2 ? 'port2' : 'port1');
      assert.equal(f.interfaceIndex, i % 2);
      assert.equal(f.direction, i % 2 ? 'out' : 'in');
      assert.equal(f.capLen, pk[i].data.length);
    });
    // Header lines: prompt line 1, interfaces= 2, filters= 3, first header 4; each packet: header + hex lines + blank.
    assert.equal(frames[0].offset, 4);
    const hexLines = Math.ceil(pk[0].data.length / 16);
    assert.equal(frames[1].offset, 4 + hexLines + 2);
  });

  it('verbose 3, relative timestamps, space layout, no interface column', async () => {
    const pk = packets(3, 'eth', false);
    const text = writeSnifferText(pk, { verbose: 3, timestamps: 'relative', layout: 'space', interfaceFilter: 'any' });
    const { s, frames } = await readAll(text);
    assert.equal(s.error, null);
    assert.equal(s.packets, 3);
    assert.equal(s.timestampKind, 'relative');
    assert.deepEqual(
      frames.map((f) => [f.tsSec, f.tsNsec]),
      [
        [0, 0],
        [1, 1000],
        [2, 2000],
      ],
    );
    assert.deepEqual(s.interfaces, [{ index: 0, name: 'any', linkType: 1 }]);
    assert.equal(frames[2].direction, undefined);
    assert.deepEqual(frames[2].data, Buffer.from(pk[2].data));
  });

  it('verbose 5 (data from the IP header) becomes link type 101, raw IP', async () => {
    const pk = packets(2, 'ip');
    const { s, frames } = await readAll(writeSnifferText(pk, { verbose: 5, timestamps: 'relative', prompt: 'FGT' }));
    assert.equal(s.error, null);
    assert.deepEqual(s.linkTypes, [101]);
    assert.equal(frames[0].linkType, 101);
    assert.deepEqual(frames[1].data, Buffer.from(pk[1].data));
  });

  it('recognises IP-level packets without the command line (per-packet check)', async () => {
    const pk = packets(2, 'ip');
    const text = writeSnifferText(pk, { verbose: 5, timestamps: 'relative' });
    const { s } = await readAll(text);
    assert.deepEqual(s.linkTypes, [101]);
  });

  it('rewrites FortiGate-internal ethertypes 0x8890/0x8891 in front of IP, as fgt2eth does', async () => {
    const data = buildFrame('fgt-internal', spec(1));
    const pk: SnifferPacket[] = [{ tsSec: 1, tsNsec: 0, iface: 'any', direction: 'in', summary: snifferTcpSummary(spec(1)), data }];
    const { frames } = await readAll(writeSnifferText(pk, { verbose: 6, timestamps: 'relative' }));
    assert.equal(frames[0].data[12], 0x08);
    assert.equal(frames[0].data[13], 0x00);
    assert.deepEqual(frames[0].data.subarray(14), Buffer.from(data.subarray(14)));
    // An HA heartbeat (0x8890 not followed by IP) stays as it is.
    const hb = Buffer.from(data);
    hb[14] = 0x29;
    const r = await readAll(writeSnifferText([{ ...pk[0], data: hb }], { verbose: 6, timestamps: 'relative' }));
    assert.equal(r.frames[0].data[12], 0x88);
    assert.equal(r.frames[0].data[13], 0x90);
  });

  it('skips truncated-ip packets and counts them', async () => {
    const pk = packets(3, 'eth');
    pk[1] = { ...pk[1], summary: 'truncated-ip - 20 bytes missing!' };
    const { s, frames } = await readAll(writeSnifferText(pk, { verbose: 6, timestamps: 'absolute' }));
    assert.equal(s.packets, 2);
    assert.equal(s.skipped['truncated-ip packets'], 1);
    assert.deepEqual(frames[1].data, Buffer.from(pk[2].data));
    assert.equal(frames[1].frame, 2);
  });

  it('passes over ANSI escapes, backspaces, prompts and login noise; junk before a header line', async () => {
    const pk = packets(3, 'eth');
    let text = writeSnifferText(pk, { verbose: 6, timestamps: 'relative', crlf: true, prompt: 'FGT (vdom) ' });
    text = 'Script started on Tue\r\n\x1b]0;user@host: ~\x07user@host:~$ ssh admin@fgt\r\r\nWARNING: REMOTE HOST\r\r\n' + text;
    text = text.replace('diagnose sniffer', 'diag\x1b[Kx\bnose sniffer');
    // A line redrawn by the terminal: junk in front of the second packet's header.
    text = text.replace(/\r\n(1\.000001 port2 out)/, '\r\n][]dfg$1');
    const { s, frames } = await readAll(text);
    assert.equal(s.error, null);
    assert.equal(s.packets, 3);
    assert.equal(frames[1].interfaceName, 'port2');
    assert.ok((s.skipped['non-packet text lines'] ?? 0) >= 3);
  });

  it('reads the FortiMail one-byte-group layout (offsets 000000<TAB>)', async () => {
    const data = buildFrame('ethernet', spec(3));
    const lines = ['0.553288 port1 -- ' + snifferTcpSummary(spec(3))];
    for (let off = 0; off < data.length; off += 16) {
      const row = [...data.subarray(off, off + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      lines.push(`${off.toString(16).padStart(6, '0')}\t ${row.padEnd(47)}\t................`);
    }
    const { s, frames } = await readAll(lines.join('\r\n') + '\r\n\r\n');
    assert.equal(s.error, null);
    assert.equal(s.packets, 1);
    assert.deepEqual(frames[0].data, Buffer.from(data));
    assert.equal(frames[0].direction, undefined);
  });

  it('streams: lines split across chunks give the same frames', async () => {
    const text = writeSnifferText(packets(5, 'eth'), { verbose: 6, timestamps: 'absolute', crlf: true, prompt: 'FGT' });
    const whole = await readAll(text);
    for (const size of [1, 2, 5, 64, 333]) {
      const r = await readChunked(text, size);
      assert.deepEqual(r.frames, whole.frames, `chunk ${size}`);
    }
  });

  it('drops an endless line instead of holding it in memory, and reads on', async () => {
    const text = 'x'.repeat(300_000) + '\n' + writeSnifferText(packets(2, 'eth'), { verbose: 6, timestamps: 'absolute' });
    for (const size of [4096, 1 << 20]) {
      const { s } = await readChunked(text, size);
      assert.equal(s.error, null);
      assert.equal(s.packets, 2);
      assert.equal(s.skipped['overlong text lines'], 1);
    }
  });

  it('reads UTF-16 text (PowerShell redirect) and UTF-8 text with a byte-order mark', async () => {
    const pk = packets(3, 'eth');
    const text = writeSnifferText(pk, { verbose: 6, timestamps: 'absolute', crlf: true, prompt: 'FGT' });
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    for (const [name, bytes] of [['utf-16le', le], ['utf-16be', be]] as const) {
      for (const size of [7, 1 << 20]) {
        const { s, frames } = await readChunked(bytes, size);
        assert.equal(s.error, null, name);
        assert.equal(s.packets, 3, name);
        assert.deepEqual(frames[2].data, Buffer.from(pk[2].data));
      }
    }
    // A header on the very first line, behind a UTF-8 BOM.
    const bare = writeSnifferText(pk, { verbose: 6, timestamps: 'absolute' }).split('\n').slice(2).join('\n');
    const { s, frames } = await readAll(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(bare)]));
    assert.equal(s.packets, 3);
    assert.equal(frames[0].offset, 1);
  });

  it('reads gzip-compressed sniffer text', async () => {
    const { s } = await readAll(gzipSync(writeSnifferText(packets(2, 'eth'), { verbose: 6, timestamps: 'absolute' })));
    assert.equal(s.gzip, true);
    assert.equal(s.format, 'fortigate-sniffer');
    assert.equal(s.packets, 2);
  });

  it('marks the l (local time) timestamp mode', async () => {
    const text = writeSnifferText(packets(1, 'eth'), { verbose: 6, timestamps: 'absolute', prompt: 'FGT' }).replace(/ 6 0 a/, ' 6 0 l');
    const { s } = await readAll(text);
    assert.equal(s.timestampZone, 'local');
    assert.equal(s.timestampKind, 'absolute');
  });

  it('damage: bad hex group, out-of-sequence offset, hex without header -> error with the line number', async () => {
    const base = writeSnifferText(packets(3, 'eth'), { verbose: 6, timestamps: 'relative' });
    const lines = base.split('\n');
    const secondHeader = lines.findIndex((l) => l.startsWith('1.000001'));
    const bad1 = [...lines];
    bad1[secondHeader + 2] = bad1[secondHeader + 2].replace(/\t (\w{4})/, '\t 01zz');
    let r = await readAll(bad1.join('\n'));
    assert.equal(r.s.packets, 1);
    assert.deepEqual({ offset: r.s.error?.offset, unit: r.s.error?.unit }, { offset: secondHeader + 3, unit: 'line' });
    assert.match(r.s.error!.message, /bad hex dump group/);
    const bad2 = [...lines];
    bad2[secondHeader + 2] = bad2[secondHeader + 2].replace('0x0010', '0xfafa0010');
    r = await readAll(bad2.join('\n'));
    assert.equal(r.s.packets, 1);
    assert.equal(r.s.error?.offset, secondHeader + 3);
    assert.match(r.s.error!.message, /does not follow/);
    const bad3 = [...lines];
    bad3[secondHeader] = 'garbled';
    r = await readAll(bad3.join('\n'));
    assert.equal(r.s.packets, 1);
    assert.equal(r.s.error?.offset, secondHeader + 2);
    assert.match(r.s.error!.message, /without a packet header/);
  });

  it('headers without hex (verbose 1/4) -> InputError telling to capture with verbose 6', async () => {
    const text = [
      'FGT # diagnose sniffer packet any "port 25" 4 0 a',
      "interfaces=[any]",
      'filters=[port 25]',
      '2024-01-02 03:04:05.123456 port1 in 10.0.0.1.1025 -> 10.0.0.2.25: syn 1',
      '2024-01-02 03:04:05.223456 port2 out 10.0.0.2.25 -> 10.0.0.1.1025: syn 5 ack 2',
      '',
    ].join('\r\n');
    await assert.rejects(readAll(text), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /FortiGate sniffer output without hex data \(verbose 4\): capture again with verbose 6/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  });
});
