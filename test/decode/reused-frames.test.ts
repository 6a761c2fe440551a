// decodeFrame on reused, in-buffer frames (the pipeline's path) gives exactly what it gives on ordinary frames.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/read.js';
import { decodeFrame, scratchPacket } from '../../src/decode/index.js';
import type { DecodeStats, TcpPacket } from '../../src/decode/types.js';

const SCENARIOS = fileURLToPath(new URL('../../../fixtures/scenarios/', import.meta.url));
const PUBLIC = fileURLToPath(new URL('../../../../shared/captures/public/', import.meta.url));

function flat(p: TcpPacket | null): unknown {
  return p === null ? null : { ...p, payload: Buffer.from(p.payload).toString('hex'), options: { ...p.options }, vlan: p.vlan?.slice() };
}

async function decodeBoth(path: string): Promise<void> {
  const plain: unknown[] = [];
  const reused: unknown[] = [];
  const s1: DecodeStats = {};
  const s2: DecodeStats = {};
  const scratch = scratchPacket();
  let e1: unknown = null;
  let e2: unknown = null;
  try {
    await readCapture(path, (f) => plain.push(flat(decodeFrame(f, s1))));
  } catch (e) {
    e1 = String(e);
  }
  try {
    await readCapture(path, (f) => reused.push(flat(decodeFrame(f, s2, scratch))), { reuseFrame: true });
  } catch (e) {
    e2 = String(e);
  }
  assert.equal(e2, e1, path);
  assert.deepEqual(reused, plain, path);
  assert.deepEqual(s2, s1, path);
}

describe('decodeFrame on reused frames', () => {
  it('equals decoding ordinary frames on every committed scenario', async () => {
    for (const f of readdirSync(SCENARIOS).filter((f) => !f.endsWith('.json'))) await decodeBoth(join(SCENARIOS, f));
  });

  it('equals decoding ordinary frames on every public capture', { skip: !existsSync(PUBLIC) && 'no ../shared/captures/public' }, async () => {
    const files = (readdirSync(PUBLIC, { recursive: true }) as string[]).map((f) => join(PUBLIC, f)).filter((f) => statSync(f).isFile() && !f.endsWith('.md'));
    for (const f of files) await decodeBoth(f);
  });
});
