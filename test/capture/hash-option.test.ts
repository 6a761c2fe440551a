// ReadOptions.hash: the file's SHA-256 is computed unless a command asks not to (sessions shows no hash).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCapture, readCaptureStream } from '../../src/capture/read.js';
import type { RawFrame } from '../../src/capture/types.js';

const SCENARIOS = fileURLToPath(new URL('../../../fixtures/scenarios/', import.meta.url));

describe('ReadOptions.hash', () => {
  for (const name of readdirSync(SCENARIOS).filter((f) => !f.endsWith('.json')).slice(0, 6)) {
    it(`hashes by default and not with hash: false, with the same frames (${name})`, async () => {
      const path = join(SCENARIOS, name);
      const frames: number[][] = [[], []];
      const a = await readCapture(path, (f) => frames[0].push(f.frame, f.capLen));
      const b = await readCapture(path, (f) => frames[1].push(f.frame, f.capLen), { hash: false });
      assert.equal(a.sha256, createHash('sha256').update(readFileSync(path)).digest('hex'));
      assert.equal(b.sha256, null);
      assert.deepEqual(frames[1], frames[0]);
      assert.deepEqual({ ...b, sha256: a.sha256 }, a);
      const c = await readCaptureStream(Readable.from([readFileSync(path)]), name, () => undefined, { hash: false });
      assert.equal(c.sha256, null);
    });
  }
});

describe('ReadOptions.reuseFrame', () => {
  for (const name of readdirSync(SCENARIOS).filter((f) => !f.endsWith('.json')).slice(0, 6)) {
    it(`hands one object whose fields equal the frames of a normal read (${name})`, async () => {
      const path = join(SCENARIOS, name);
      const plain: unknown[] = [];
      const reused: unknown[] = [];
      const objects = new Set<unknown>();
      const fields = (f: RawFrame) => ({
        frame: f.frame, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceIndex: f.interfaceIndex,
        interfaceName: f.interfaceName, direction: f.direction, capLen: f.capLen, origLen: f.origLen, offset: f.offset,
        data: Buffer.from(f.data),
      });
      await readCapture(path, (f) => plain.push(fields(f)));
      await readCapture(path, (f) => (objects.add(f), reused.push(fields(f))), { reuseFrame: true });
      assert.equal(objects.size, 1);
      assert.deepEqual(reused, plain);
    });
  }
});
