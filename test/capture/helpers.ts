// Capture test helpers: temp files, reading to arrays, streaming in odd chunk sizes.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture, readCaptureStream, type ReadOptions } from '../../src/capture/read.js';
import type { CaptureSummary, RawFrame } from '../../src/capture/types.js';
import { testTempDir } from '../tmp.js';

const dir = testTempDir('splice-doctor-capture-');
let n = 0;

export function tmpFile(content: Uint8Array | string, name = `f${++n}.bin`): string {
  const p = join(dir, `${++n}-${name}`);
  writeFileSync(p, content);
  return p;
}

/** A frame copied out of the reader's buffer so it can be compared after the callback. */
export interface Frame extends Omit<RawFrame, 'data'> {
  data: Buffer;
}

function keep(frames: Frame[]): (f: RawFrame) => void {
  return (f) => frames.push({ ...f, data: Buffer.from(f.data) });
}

export async function readAll(content: Uint8Array | string, opts?: ReadOptions): Promise<{ s: CaptureSummary; frames: Frame[] }> {
  const frames: Frame[] = [];
  const s = await readCapture(tmpFile(content), keep(frames), opts);
  return { s, frames };
}

export async function readFile(path: string): Promise<{ s: CaptureSummary; frames: Frame[] }> {
  const frames: Frame[] = [];
  const s = await readCapture(path, keep(frames));
  return { s, frames };
}

/** Reads from a stream delivering `size`-byte chunks (so records and lines straddle chunk boundaries). */
export async function readChunked(content: Uint8Array | string, size: number, opts?: ReadOptions): Promise<{ s: CaptureSummary; frames: Frame[] }> {
  const buf = typeof content === 'string' ? Buffer.from(content, 'latin1') : Buffer.from(content);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
  }
  const frames: Frame[] = [];
  const s = await readCaptureStream(chunks(), 'stream.bin', keep(frames), opts);
  return { s, frames };
}

export function bytes(...vals: number[]): Uint8Array {
  return new Uint8Array(vals);
}
