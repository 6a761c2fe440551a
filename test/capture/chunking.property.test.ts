// Property: whatever the chunk boundaries, every reader delivers the same frames, summary and damage offset.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { buildFrame, snifferTcpSummary, type TcpSpec } from '../../fixtures/gen/packets.js';
import { writePcap, writePcapng, writeSnifferText } from '../../fixtures/gen/writers.js';
import { readCaptureStream } from '../../src/capture/read.js';
import { InputError, type CaptureSummary } from '../../src/capture/types.js';

const spec = (i: number, len: number): TcpSpec => ({
  src: '10.0.0.1',
  dst: '10.0.0.2',
  srcPort: 1000 + i,
  dstPort: 25,
  seq: i,
  flags: 'PA',
  ack: 1,
  payload: new Uint8Array(len).fill(65 + (i % 26)),
});

async function read(bytes: Uint8Array, cuts: number[]): Promise<{ s: CaptureSummary | { thrown: string }; frames: string[] }> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let prev = 0;
    for (const p of [...points, bytes.length]) {
      if (p > prev) yield bytes.slice(prev, p);
      prev = Math.max(prev, p);
    }
  }
  const frames: string[] = [];
  try {
    const s = await readCaptureStream(chunks(), 'x', (f) =>
      frames.push(`${f.frame} ${f.tsSec}.${f.tsNsec} ${f.interfaceIndex} ${f.offset} ${Buffer.from(f.data).toString('hex')}`),
    );
    return { s, frames };
  } catch (e) {
    // Text cut before its first packet is not a capture: both reads must say so the same way.
    if (e instanceof InputError) return { s: { thrown: e.message }, frames };
    throw e;
  }
}

const inputs = fc.record({
  sizes: fc.array(fc.integer({ min: 0, max: 1600 }), { minLength: 1, maxLength: 12 }),
  format: fc.constantFrom('pcap', 'pcap-be-nsec', 'pcapng', 'text'),
  cutAt: fc.option(fc.nat(), { nil: undefined }),
});

function build(sizes: number[], format: string): Uint8Array {
  const frames = sizes.map((len, i) => ({ tsSec: 1_600_000_000 + i, tsNsec: i * 1000, data: buildFrame('ethernet', spec(i, len)) }));
  if (format === 'pcap') return writePcap(frames, { linkType: 1 });
  if (format === 'pcap-be-nsec') return writePcap(frames, { linkType: 1, byteOrder: 'big', nsec: true });
  if (format === 'pcapng') return writePcapng([{ byteOrder: 'big', interfaces: [{ linkType: 1, tsresol: 9 }], frames }]);
  const pk = frames.map((f, i) => ({ ...f, iface: 'port1', direction: 'in' as const, summary: snifferTcpSummary(spec(i, sizes[i])) }));
  return Buffer.from(writeSnifferText(pk, { verbose: 6, timestamps: 'absolute', crlf: true }), 'latin1');
}

describe('chunk boundaries do not matter', () => {
  it('same frames and errors for random splits, whole or truncated', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, fc.array(fc.nat(), { maxLength: 20 }), async ({ sizes, format, cutAt }, cuts) => {
        let bytes = build(sizes, format);
        if (cutAt !== undefined) bytes = bytes.subarray(0, 24 + (cutAt % Math.max(1, bytes.length - 24)));
        const whole = await read(bytes, []);
        const split = await read(bytes, cuts);
        assert.deepEqual(split.frames, whole.frames);
        if ('thrown' in whole.s || 'thrown' in split.s) {
          assert.deepEqual(split.s, whole.s);
          assert.ok(cutAt !== undefined && format === 'text');
          return;
        }
        assert.deepEqual(split.s.error, whole.s.error);
        assert.equal(split.s.packets, whole.s.packets);
        assert.equal(split.s.sha256, whole.s.sha256);
        if (cutAt === undefined) {
          assert.equal(whole.s.packets, sizes.length);
          assert.equal(whole.s.error, null);
        }
      }),
      { numRuns: 150 },
    );
  });
});
