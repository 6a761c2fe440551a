// Classic pcap and pcapng readers: every variant, byte order, timestamp resolution, chunking and damage case.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { buildFrame, buildIpTcp, wrapLink, type TcpSpec } from '../../fixtures/gen/packets.js';
import { writePcap, writePcapng, type FrameRecord } from '../../fixtures/gen/writers.js';
import { ticksToTime, tsConv } from '../../src/capture/pcapng.js';
import { readAll, readChunked } from './helpers.js';

const spec = (i: number, payload = ''): TcpSpec => ({
  src: '192.0.2.1',
  dst: '198.51.100.25',
  srcPort: 40000 + i,
  dstPort: 25,
  seq: 1000 + i,
  ack: 1,
  flags: 'PA',
  payload: Buffer.from(payload || `MAIL FROM:<a${i}@example.org>\r\n`),
});

function frames(n: number, kind: Parameters<typeof buildFrame>[0] = 'ethernet'): FrameRecord[] {
  const out: FrameRecord[] = [];
  for (let i = 0; i < n; i++) out.push({ tsSec: 1_700_000_000 + i, tsNsec: 123_456_789 + i, data: buildFrame(kind, spec(i)) });
  return out;
}

describe('classic pcap', () => {
  const variants = [
    { name: 'LE usec', o: { byteOrder: 'little' as const }, format: 'pcap', order: 'little', ns: false },
    { name: 'BE usec', o: { byteOrder: 'big' as const }, format: 'pcap', order: 'big', ns: false },
    { name: 'LE nsec', o: { byteOrder: 'little' as const, nsec: true }, format: 'pcap-nsec', order: 'little', ns: true },
    { name: 'BE nsec', o: { byteOrder: 'big' as const, nsec: true }, format: 'pcap-nsec', order: 'big', ns: true },
    { name: 'modified LE', o: { byteOrder: 'little' as const, modified: true }, format: 'pcap-modified', order: 'little', ns: false },
    { name: 'modified BE', o: { byteOrder: 'big' as const, modified: true }, format: 'pcap-modified', order: 'big', ns: false },
  ];
  for (const v of variants) {
    it(`reads ${v.name}: frames, timestamps, lengths, offsets`, async () => {
      const input = frames(3);
      const file = writePcap(input, { linkType: 1, ...v.o });
      const { s, frames: got } = await readAll(file);
      assert.equal(s.format, v.format);
      assert.equal(s.byteOrder, v.order);
      assert.equal(s.packets, 3);
      assert.equal(s.error, null);
      assert.deepEqual(s.linkTypes, [1]);
      assert.deepEqual(s.interfaces, [{ index: 0, linkType: 1, snapLen: 262144 }]);
      const hdr = v.o.modified ? 24 : 16;
      let off = 24;
      got.forEach((f, i) => {
        assert.equal(f.frame, i + 1);
        assert.equal(f.tsSec, 1_700_000_000 + i);
        assert.equal(f.tsNsec, v.ns ? 123_456_789 + i : 123_456_000);
        assert.equal(f.capLen, input[i].data.length);
        assert.equal(f.origLen, input[i].data.length);
        assert.deepEqual(f.data, Buffer.from(input[i].data));
        assert.equal(f.offset, off);
        assert.equal(f.interfaceIndex, 0);
        assert.equal(f.linkType, 1);
        off += hdr + input[i].data.length;
      });
      assert.equal(s.capturedBytes, input.reduce((a, f) => a + f.data.length, 0));
      assert.equal(s.fileBytes, file.length);
      assert.deepEqual(s.firstTs, { sec: 1_700_000_000, nsec: v.ns ? 123_456_789 : 123_456_000 });
      assert.deepEqual(s.lastTs, { sec: 1_700_000_002, nsec: v.ns ? 123_456_791 : 123_456_000 });
      assert.match(s.sha256 ?? '', /^[0-9a-f]{64}$/);
    });
  }

  it('gives the same frames whatever the chunk size (records straddling chunk boundaries)', async () => {
    const file = writePcap(frames(20), { linkType: 1 });
    const whole = await readAll(file);
    for (const size of [1, 3, 7, 16, 17, 24, 25, 100, 1000]) {
      const { s, frames: got } = await readChunked(file, size);
      assert.equal(s.error, null, `chunk ${size}`);
      assert.deepEqual(got, whole.frames, `chunk ${size}`);
      assert.equal(s.sha256, whole.s.sha256);
    }
  });

  it('accepts snaplen 0xFFFFFFFF and 0 and keeps link-type variety', async () => {
    for (const [kind, lt] of [['sll', 113], ['sll2', 276], ['null', 0], ['raw', 101], ['raw228', 228]] as const) {
      const file = writePcap(frames(2, kind), { linkType: lt, snapLen: 0xffffffff });
      const { s, frames: got } = await readAll(file);
      assert.equal(s.error, null);
      assert.equal(s.packets, 2);
      assert.deepEqual(s.linkTypes, [lt]);
      assert.equal(got[0].linkType, lt);
    }
    const { s } = await readAll(writePcap(frames(2), { linkType: 1, snapLen: 0 }));
    assert.equal(s.packets, 2);
  });

  it('masks the FCS bits out of the link-type field', async () => {
    const file = writePcap(frames(1), { linkType: 1 });
    file.writeUInt32LE(0x10000000 | 1, 20);
    const { s } = await readAll(file);
    assert.deepEqual(s.linkTypes, [1]);
  });

  it('carries a microsecond field >= 10^6 into the seconds', async () => {
    const file = writePcap([{ tsSec: 10, tsNsec: 0, data: buildFrame('ethernet', spec(0)) }], { linkType: 1 });
    file.writeUInt32LE(2_500_000, 24 + 4);
    const { frames: got } = await readAll(file);
    assert.equal(got[0].tsSec, 12);
    assert.equal(got[0].tsNsec, 500_000_000);
  });

  it('reads an empty capture (header only) as zero packets', async () => {
    const { s } = await readAll(writePcap([], { linkType: 1 }));
    assert.equal(s.packets, 0);
    assert.equal(s.error, null);
    assert.equal(s.firstTs, undefined);
  });
});

describe('classic pcap damage', () => {
  it('a record running past the end: error at that record, earlier frames delivered', async () => {
    const input = frames(3);
    const file = writePcap(input, { linkType: 1 });
    const cut = file.subarray(0, file.length - 5);
    const { s, frames: got } = await readAll(cut);
    assert.equal(got.length, 2);
    assert.equal(s.packets, 2);
    const third = 24 + 2 * 16 + input[0].data.length + input[1].data.length;
    assert.deepEqual(s.error && { offset: s.error.offset, unit: s.error.unit }, { offset: third, unit: 'byte' });
    assert.match(s.error!.message, /past the end/);
    // The same when the cut falls inside the record header.
    const r2 = await readAll(file.subarray(0, third + 10));
    assert.equal(r2.s.packets, 2);
    assert.equal(r2.s.error?.offset, third);
    // And with tiny chunks.
    const r3 = await readChunked(cut, 5);
    assert.equal(r3.s.packets, 2);
    assert.equal(r3.s.error?.offset, third);
  });

  it('an impossible captured length (> 256 MiB, or > snaplen) stops at that record', async () => {
    const input = frames(3);
    const file = writePcap(input, { linkType: 1 });
    const second = 24 + 16 + input[0].data.length;
    const bad = Buffer.from(file);
    bad.writeUInt32LE(0xea00010d, second + 8);
    let r = await readAll(bad);
    assert.equal(r.s.packets, 1);
    assert.equal(r.s.error?.offset, second);
    assert.match(r.s.error!.message, /impossible packet record/);
    // caplen above a sane snaplen (and above Wireshark's 262144 floor).
    const snap = writePcap(input, { linkType: 1, snapLen: 65535 });
    snap.writeUInt32LE(300_000, second + 8);
    r = await readAll(snap);
    assert.equal(r.s.packets, 1);
    assert.match(r.s.error!.message, /snapshot length 65535/);
    // With snaplen 0xFFFFFFFF only the absolute limit applies.
    const huge = writePcap(input, { linkType: 1, snapLen: 0xffffffff });
    huge.writeUInt32LE(300 * 1024 * 1024, second + 8);
    r = await readAll(huge);
    assert.equal(r.s.packets, 1);
    assert.match(r.s.error!.message, /256 MiB/);
  });

  it('garbage in the middle is reported at the first record it breaks', async () => {
    const input = frames(4);
    const file = writePcap(input, { linkType: 1 });
    const third = 24 + 2 * 16 + input[0].data.length + input[1].data.length;
    const bad = Buffer.concat([file.subarray(0, third), Buffer.from('this is not a record header at all!'), file.subarray(third)]);
    const { s } = await readAll(bad);
    assert.equal(s.packets, 2);
    assert.equal(s.error?.offset, third);
  });

  it('a file header cut short is an error at offset 0', async () => {
    const file = writePcap(frames(1), { linkType: 1 }).subarray(0, 20);
    const { s } = await readAll(file);
    assert.equal(s.packets, 0);
    assert.equal(s.error?.offset, 0);
    assert.match(s.error!.message, /file header cut short/);
  });
});

describe('pcapng', () => {
  it('reads several sections of both byte orders with file-wide interface numbering', async () => {
    const a = frames(2);
    const b = frames(3, 'raw');
    const file = writePcapng([
      { byteOrder: 'little', interfaces: [{ linkType: 1, name: 'port1', snapLen: 65535 }], frames: a },
      {
        byteOrder: 'big',
        interfaces: [
          { linkType: 1, name: 'wan1' },
          { linkType: 101, name: 'ssl.root', tsresol: 9 },
        ],
        frames: b.map((f) => ({ ...f, interfaceIndex: 1 })),
      },
    ]);
    const { s, frames: got } = await readAll(file);
    assert.equal(s.format, 'pcapng');
    assert.equal(s.byteOrder, 'mixed');
    assert.equal(s.error, null);
    assert.equal(s.packets, 5);
    assert.deepEqual(s.linkTypes, [1, 101]);
    assert.deepEqual(
      s.interfaces.map((i) => [i.index, i.name, i.linkType, i.tsResolution]),
      [
        [0, 'port1', 1, '10^-6'],
        [1, 'wan1', 1, '10^-6'],
        [2, 'ssl.root', 101, '10^-9'],
      ],
    );
    assert.deepEqual(got.map((f) => f.frame), [1, 2, 3, 4, 5]);
    assert.deepEqual(got.map((f) => f.interfaceIndex), [0, 0, 2, 2, 2]);
    assert.deepEqual(got.map((f) => f.interfaceName), ['port1', 'port1', 'ssl.root', 'ssl.root', 'ssl.root']);
    assert.deepEqual(got.map((f) => f.linkType), [1, 1, 101, 101, 101]);
    assert.equal(got[0].tsNsec, 123_456_000);
    assert.equal(got[2].tsNsec, 123_456_789);
    assert.deepEqual(got[4].data, Buffer.from(b[2].data));
    const chunked = await readChunked(file, 13);
    assert.deepEqual(chunked.frames, got);
  });

  it('converts power-of-two resolutions and if_tsoffset exactly', async () => {
    const data = buildFrame('ethernet', spec(1));
    const file = writePcapng([
      {
        interfaces: [
          { linkType: 1, tsresol: 0x88 },
          { linkType: 1, tsresol: 0x9e, tsoffset: 1_000_000 },
          { linkType: 1, tsresol: 9, tsoffset: -3600 },
        ],
        frames: [
          { tsSec: 1_519_128_000, tsNsec: 195_312_500, data, interfaceIndex: 0 },
          { tsSec: 1_700_000_000, tsNsec: 500_000_000, data, interfaceIndex: 1 },
          { tsSec: 1_700_000_000, tsNsec: 999_999_999, data, interfaceIndex: 2 },
        ],
      },
    ]);
    const { s, frames: got } = await readAll(file);
    assert.equal(s.error, null);
    assert.deepEqual([got[0].tsSec, got[0].tsNsec], [1_519_128_000, 195_312_500]);
    assert.deepEqual([got[1].tsSec, got[1].tsNsec], [1_700_000_000, 500_000_000]);
    assert.deepEqual([got[2].tsSec, got[2].tsNsec], [1_700_000_000, 999_999_999]);
    assert.deepEqual(s.interfaces.map((i) => i.tsResolution), ['2^-8', '2^-30', '10^-9']);
  });

  it('reads simple packet blocks (interface 0, no timestamp) and obsolete packet blocks', async () => {
    const spb = writePcapng([{ interfaces: [{ linkType: 1, snapLen: 60 }], frames: frames(2), blockType: 'spb' }]);
    let r = await readAll(spb);
    assert.equal(r.s.error, null);
    assert.equal(r.s.packets, 2);
    assert.equal(r.frames[0].capLen, 60);
    assert.equal(r.frames[0].origLen, frames(2)[0].data.length);
    assert.equal(r.s.firstTs, undefined);
    const pb = writePcapng([{ byteOrder: 'big', interfaces: [{ linkType: 101 }], frames: frames(2, 'raw'), blockType: 'pb' }]);
    r = await readAll(pb);
    assert.equal(r.s.error, null);
    assert.equal(r.s.packets, 2);
    assert.equal(r.frames[1].tsSec, 1_700_000_001);
    assert.equal(r.s.byteOrder, 'big');
  });

  it('passes over NRB, ISB, custom and unknown blocks; custom blocks keep Wireshark frame numbers', async () => {
    const file = writePcapng([{ interfaces: [{ linkType: 1 }], frames: frames(2), extraBlocks: true }]);
    const { s, frames: got } = await readAll(file);
    assert.equal(s.error, null);
    assert.equal(s.packets, 2);
    assert.deepEqual(got.map((f) => f.frame), [2, 3]);
    assert.deepEqual(s.skipped, {
      'pcapng name resolution blocks': 1,
      'pcapng custom blocks': 1,
      'pcapng unknown blocks': 1,
      'pcapng interface statistics blocks': 1,
    });
  });
});

describe('pcapng damage', () => {
  const good = (): Buffer => writePcapng([{ interfaces: [{ linkType: 1 }], frames: frames(3) }]);
  // SHB is 28 bytes, IDB 20, then EPBs.
  const epbOffsets = (file: Buffer): number[] => {
    const out: number[] = [];
    let p = 0;
    while (p < file.length) {
      if (file.readUInt32LE(p) === 6) out.push(p);
      p += file.readUInt32LE(p + 4);
    }
    return out;
  };

  it('a block length that is not a multiple of 4, too small or too large', async () => {
    for (const len of [13, 8, 0x7ffffff0]) {
      const file = good();
      const [, second] = epbOffsets(file);
      file.writeUInt32LE(len, second + 4);
      const { s } = await readAll(file);
      assert.equal(s.packets, 1, `len ${len}`);
      assert.equal(s.error?.offset, second);
      assert.match(s.error!.message, /impossible pcapng block length/);
    }
  });

  it('a trailing length that differs from the leading one', async () => {
    const file = good();
    const [, second, third] = epbOffsets(file);
    file.writeUInt32LE(4, third - 4);
    const { s } = await readAll(file);
    assert.equal(s.packets, 1);
    assert.equal(s.error?.offset, second);
    assert.match(s.error!.message, /trailing length/);
  });

  it('a block running past the end of the file', async () => {
    const file = good();
    const [, , third] = epbOffsets(file);
    const { s } = await readAll(file.subarray(0, file.length - 8));
    assert.equal(s.packets, 2);
    assert.equal(s.error?.offset, third);
    assert.match(s.error!.message, /past the end/);
  });

  it('a packet for an interface the section never declared', async () => {
    const file = good();
    const [first] = epbOffsets(file);
    file.writeUInt32LE(3, first + 8);
    const { s } = await readAll(file);
    assert.equal(s.packets, 0);
    assert.equal(s.error?.offset, first);
    assert.match(s.error!.message, /interface 3/);
  });

  it('an EPB whose captured length exceeds the block', async () => {
    const file = good();
    const [first] = epbOffsets(file);
    file.writeUInt32LE(5000, first + 20);
    const { s } = await readAll(file);
    assert.equal(s.packets, 0);
    assert.match(s.error!.message, /exceeds the block/);
  });
});

describe('gzip', () => {
  it('reads gzip-compressed pcap and pcapng with offsets in the inflated stream', async () => {
    const pcap = writePcap(frames(50), { linkType: 1, nsec: true });
    const { s, frames: got } = await readAll(gzipSync(pcap));
    assert.equal(s.gzip, true);
    assert.equal(s.format, 'pcap-nsec');
    assert.equal(s.packets, 50);
    assert.equal(s.error, null);
    assert.equal(got[1].offset, 24 + 16 + frames(1)[0].data.length);
    assert.equal(s.fileBytes, gzipSync(pcap).length);
    const ng = await readChunked(gzipSync(writePcapng([{ interfaces: [{ linkType: 1 }], frames: frames(5) }])), 11);
    assert.equal(ng.s.format, 'pcapng');
    assert.equal(ng.s.packets, 5);
  });

  it('a cut gzip stream is an error; packets inflated before the cut are delivered', async () => {
    const many: FrameRecord[] = [];
    // Incompressible payloads so that a cut in the middle of the gzip lands in the middle of the packets.
    for (let i = 0; i < 200; i++) {
      const payload = Buffer.alloc(1000);
      for (let j = 0; j < payload.length; j++) payload[j] = (Math.imul(i * 1000 + j, 2654435761) >>> 24) & 0xff;
      many.push({ tsSec: i, tsNsec: 0, data: wrapLink('ethernet', buildIpTcp({ ...spec(i), payload })) });
    }
    const gz = gzipSync(writePcap(many, { linkType: 1 }));
    const { s } = await readAll(gz.subarray(0, Math.floor(gz.length / 2)));
    assert.ok(s.packets > 10 && s.packets < 200, `packets ${s.packets}`);
    assert.match(s.error!.message, /gzip stream cut short/);
    assert.equal(s.error!.unit, 'byte');
  });

  it('stops at the decompression limit', async () => {
    const pcap = writePcap(frames(100), { linkType: 1 });
    const { s } = await readAll(gzipSync(pcap), { maxDecompressedBytes: 2000 });
    assert.ok(s.packets > 0 && s.packets < 100);
    assert.match(s.error!.message, /limit/);
    assert.equal(s.error!.offset, 2000);
  });
});

describe('pcapng timestamp maths', () => {
  it('matches BigInt division for nanosecond and microsecond ticks at the 64-bit extremes', () => {
    const cases = [0n, 1n, 999_999_999n, 1_000_000_000n, 1_700_000_000_123_456_789n, 0xffff_ffff_ffff_ffffn, 0x1234_5678_9abc_def0n];
    for (const res of [6, 9, 3, 0]) {
      const conv = tsConv(res, 0);
      const d = 10n ** BigInt(res);
      for (const t of cases) {
        if (t / d > 2n ** 53n) continue; // seconds beyond 2^53 are not a realistic capture time
        const [sec, nsec] = ticksToTime(Number(t >> 32n), Number(t & 0xffffffffn), conv);
        assert.equal(BigInt(sec), t / d, `res ${res} ticks ${t}`);
        assert.equal(BigInt(nsec), ((t % d) * 1_000_000_000n) / d);
      }
    }
  });

  it('rounds 2^-n fractions to the nearest nanosecond and carries into the second', () => {
    const conv = tsConv(0x80 | 32, 0);
    // 2^32 - 1 ticks of 2^-32 s = 0.99999999976 s -> rounds up to 1 s.
    assert.deepEqual(ticksToTime(0, 0xffffffff, conv), [1, 0]);
    assert.deepEqual(ticksToTime(5, 0x80000000, conv), [5, 500_000_000]);
    const pico = tsConv(12, 0);
    assert.deepEqual(ticksToTime(0, 1_500_000, pico), [0, 1_500]);
  });
});
