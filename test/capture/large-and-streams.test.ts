// Large files (read through shared buffers with the sha256 worker) and byte streams give the same result as small reads.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { buildIpTcp, wrapLink } from '../../fixtures/gen/packets.js';
import { pcapRecord, writePcap, type FrameRecord } from '../../fixtures/gen/writers.js';
import { readCapture, readCaptureStream } from '../../src/capture/read.js';
import type { RawFrame } from '../../src/capture/types.js';
import { tmpFile } from './helpers.js';

/** A ~40 MiB pcap (above the 32 MiB worker threshold) of 60 KB frames whose payload encodes the frame number. */
function bigPcap(frames: number): Buffer {
  const opts = { linkType: 1 };
  const parts: Buffer[] = [writePcap([], opts)];
  const payload = Buffer.alloc(60_000);
  for (let i = 0; i < frames; i++) {
    payload.writeUInt32BE(i, 0);
    payload.writeUInt32BE(i, payload.length - 4);
    const data = wrapLink('ethernet', buildIpTcp({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 25, seq: i, flags: 'A', payload }));
    const f: FrameRecord = { tsSec: i, tsNsec: 7000, data };
    parts.push(pcapRecord(f, opts), Buffer.from(data));
  }
  return Buffer.concat(parts);
}

function check(seen: number[]): (f: RawFrame) => void {
  return (f) => {
    const d = f.data;
    const tail = ((d[d.length - 4] << 24) | (d[d.length - 3] << 16) | (d[d.length - 2] << 8) | d[d.length - 1]) >>> 0;
    const head = ((d[54] << 24) | (d[55] << 16) | (d[56] << 8) | d[57]) >>> 0;
    assert.equal(head, tail, `frame ${f.frame} torn across buffers`);
    seen.push(head);
  };
}

describe('large files and streams', () => {
  const file = bigPcap(700);
  const path = tmpFile(file, 'big.pcap');
  const sha = createHash('sha256').update(file).digest('hex');

  it('a file above 32 MiB: every frame intact, sha256 of the whole file', async () => {
    const seen: number[] = [];
    const s = await readCapture(path, check(seen));
    assert.equal(s.error, null);
    assert.equal(s.packets, 700);
    assert.deepEqual(seen, Array.from({ length: 700 }, (_, i) => i));
    assert.equal(s.sha256, sha);
    assert.equal(s.fileBytes, file.length);
  });

  it('damage in a large file still hashes the whole file', async () => {
    const bad = Buffer.from(file);
    const rec = 24 + 100 * (16 + (file.readUInt32LE(24 + 8)));
    bad.writeUInt32LE(0xfffffff0, rec + 8);
    const s = await readCapture(tmpFile(bad, 'bad.pcap'), () => {});
    assert.equal(s.packets, 100);
    assert.equal(s.error?.offset, rec);
    assert.equal(s.sha256, createHash('sha256').update(bad).digest('hex'));
    assert.equal(s.fileBytes, bad.length);
  });

  it('readCaptureStream from a Node stream and from a gzip stream', async () => {
    const seen: number[] = [];
    const s = await readCaptureStream(createReadStream(path, { highWaterMark: 65536 }), 'entry.pcap', check(seen));
    assert.equal(s.packets, 700);
    assert.equal(s.path, 'entry.pcap');
    assert.equal(s.sha256, sha);
    const gz = Readable.from([readFileSync(path).subarray(0, 5_000_000)]).pipe(createGzip());
    const g = await readCaptureStream(gz, 'entry.pcap.gz', () => {});
    assert.equal(g.gzip, true);
    assert.ok(g.packets > 50 && g.packets < 100);
    assert.match(g.error!.message, /past the end/);
  });

  it('gzip of a large capture is inflated in a stream', async () => {
    const s = await readCapture(tmpFile(gzipSync(file, { level: 1 }), 'big.pcap.gz'), () => {});
    assert.equal(s.packets, 700);
    assert.equal(s.error, null);
    assert.equal(s.gzip, true);
  });
  it('waits for pace() between chunks: no frame of the next chunk is read before its promise resolves', async () => {
    let frames = 0;
    let release: (() => void) | undefined;
    const pauses: number[] = [];
    const done = readCapture(path, () => frames++, {
      hash: false,
      pace: () => {
        // Pause twice; reading must stand still while paused.
        if (pauses.length >= 2) return undefined;
        pauses.push(frames);
        return new Promise<void>((r) => (release = r));
      },
    });
    for (let k = 0; k < 2; k++) {
      for (let spin = 0; pauses.length <= k; spin++) {
        assert.ok(spin < 100_000, 'pace() was never called');
        await new Promise((r) => setImmediate(r));
      }
      const at = frames;
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      assert.equal(frames, at, 'no frame while paused');
      assert.ok(frames > 0 && frames < 700);
      release!();
    }
    const s = await done;
    assert.equal(s.packets, 700);
    assert.equal(frames, 700);
    assert.ok(pauses[1] > pauses[0]);
  });
});
