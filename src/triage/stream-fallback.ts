// Interim analyzeStream for zip members: the analyze pipeline fed by readCaptureStream. Used only while
// src/commands/analyze.ts does not export analyzeStream itself (the worker feature-tests for that first).

import type { Readable } from 'node:stream';
import { diagnose } from '../analysis/analyze.js';
import type { AnalysisDocument } from '../analysis/types.js';
import { readCaptureStream } from '../capture/read.js';
import type { RawFrame } from '../capture/types.js';
import { overridesFrom, type AnalyzeCommandOptions } from '../commands/analyze.js';
import { decodeFrame } from '../decode/index.js';
import type { DecodeStats } from '../decode/types.js';
import { Reassembler } from '../reassembly/reassembler.js';
import { createSmtpFactory } from '../smtp/index.js';
import type { SmtpSession } from '../smtp/types.js';

/**
 * Mirrors runPipeline (src/pipeline.ts) + analyze() with a stream as the source. Keep in step with them until
 * analyzeStream lands there; test/triage/real-analyzer.test.ts compares a zip member's verdict with its file's.
 */
export async function analyzeStreamFallback(stream: Readable, name: string, opts: AnalyzeCommandOptions = {}): Promise<AnalysisDocument> {
  const overrides = overridesFrom(opts);
  const p = opts.pipeline ?? {};
  const decode: DecodeStats = {};
  const sessions: SmtpSession[] = [];
  const smtp = createSmtpFactory({ limits: p.smtp, onSession: (s) => sessions.push(s) });
  const reassembler = new Reassembler(smtp, p.reassembly);
  const onFrame = (f: RawFrame): void => {
    const pkt = decodeFrame(f, decode);
    if (pkt !== null) reassembler.push(pkt);
  };
  const capture = await readCaptureStream(stream, name, onFrame, p.read);
  reassembler.finish();
  await smtp.drain();
  sessions.sort((a, b) => a.connectionId - b.connectionId);
  sessions.forEach((s, i) => (s.id = i + 1));
  return diagnose({ capture, sessions }, { overrides, fortios: opts.fortios, profile: opts.profile });
}
