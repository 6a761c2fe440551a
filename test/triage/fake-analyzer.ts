// Test stand-in for src/commands/analyze.ts: reads classic pcap only, verdict by packet count, optional random delay.
// Lets the triage tests exercise scheduling, ordering and errors deterministically and fast.

import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../src/capture/types.js';

export const VERDICTS = ['healthy', 'misconfigured', 'at-risk', 'inconclusive', 'no-smtp'] as const;
const CODES: Record<string, number> = { healthy: 0, 'no-smtp': 0, misconfigured: 1, 'at-risk': 1, inconclusive: 3 };

export async function analyze(path: string, opts: Record<string, unknown>): Promise<Record<string, unknown>> {
  return analyzeBytes(await readFile(path), path, opts);
}

export async function analyzeStream(stream: Readable, name: string, opts: Record<string, unknown>): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return analyzeBytes(Buffer.concat(chunks), name, opts);
}

async function analyzeBytes(b0: Buffer, name: string, opts: Record<string, unknown>): Promise<Record<string, unknown>> {
  const maxDelay = Number(opts.maxDelayMs ?? 0);
  if (maxDelay > 0) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * maxDelay)));
  const spin = Number(opts.spinMs ?? 0);
  if (spin > 0) {
    const until = performance.now() + spin;
    while (performance.now() < until);
  }
  if (b0.length === 0) throw new InputError('empty file', name, 0);
  const b = b0[0] === 0x1f && b0[1] === 0x8b ? gunzipSync(b0) : b0;
  const head = b.subarray(0, 5).toString('latin1');
  if (head === 'CRASH') {
    setImmediate(() => {
      throw new Error('simulated crash');
    });
    return new Promise(() => undefined);
  }
  if (head === 'BUGGY') throw new TypeError('simulated bug');
  if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4) {
    if (b.length >= 4 && b.readUInt32LE(0) === 0xa1b2c3d4) throw new InputError('pcap file header cut short', name, b.length);
    throw new InputError('not a capture: unknown format', name, 0);
  }
  let off = 24;
  let packets = 0;
  let error: { message: string; offset: number; unit: 'byte' } | null = null;
  while (off < b.length) {
    if (off + 16 > b.length) {
      error = { message: 'record header cut short', offset: off, unit: 'byte' };
      break;
    }
    const cap = b.readUInt32LE(off + 8);
    if (off + 16 + cap > b.length) {
      error = { message: 'record runs past the end of the file', offset: off, unit: 'byte' };
      break;
    }
    off += 16 + cap;
    packets++;
  }
  const verdict = VERDICTS[packets % VERDICTS.length];
  const findings = verdict === 'misconfigured' ? [{ id: 'F1', ruleId: 'splice.abort', title: 'Splice abort reached the host AV', severity: 'critical' }] : [];
  return {
    schemaVersion: '1.0',
    tool: { name: 'fake', version: '0' },
    capture: { path: name, format: 'pcap', packets, error },
    verdict,
    confidence: 'high',
    exitCode: error ? 2 : CODES[verdict],
    summary: `${packets} packets`,
    roles: {},
    sessions: Array.from({ length: packets % 3 }, (_, i) => ({ id: i + 1 })),
    findings,
  };
}
