// Runs the stages in order over one capture: read -> decode -> reassemble -> SMTP sessions. One pass, front to back.

import { readCapture, readCaptureStream, type ReadOptions } from './capture/read.js';
import type { CaptureSummary, RawFrame } from './capture/types.js';
import { decodeFrame, scratchPacket } from './decode/index.js';
import type { DecodeStats } from './decode/types.js';
import { Reassembler } from './reassembly/reassembler.js';
import type { ConnectionClose, ConnectionInfo, ReassemblyLimits } from './reassembly/types.js';
import { createSmtpFactory, type SmtpOptions } from './smtp/index.js';
import type { SmtpLimits, SmtpSession } from './smtp/types.js';

export interface PipelineOptions {
  read?: ReadOptions;
  reassembly?: Partial<ReassemblyLimits>;
  smtp?: Partial<SmtpLimits>;
  /** Stop after decoding (no reassembly, no SMTP): for `info` and benchmarks. */
  decodeOnly?: boolean;
  /** Optional SMTP hooks passed through to the SMTP stage (e.g. the message tee used by `sessions --export`). */
  smtpHooks?: Pick<SmtpOptions, 'onMessageData'>;
}

export interface PipelineResult {
  capture: CaptureSummary;
  decode: DecodeStats;
  tcp: {
    totals: Record<string, number>;
    connections: ReadonlyArray<ConnectionInfo & { close?: ConnectionClose }>;
  };
  /** SMTP sessions in order of their connection's first packet, numbered 1..n. */
  sessions: SmtpSession[];
}

/** A capture file, or a byte stream with the name to use in messages (zip members in triage). */
export type CaptureSource = string | { stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>; name: string };

export async function runPipeline(source: CaptureSource, opts: PipelineOptions = {}): Promise<PipelineResult> {
  const decode: DecodeStats = {};
  const sessions: SmtpSession[] = [];
  const smtp = opts.decodeOnly ? null : createSmtpFactory({ ...opts.smtpHooks, limits: opts.smtp, onSession: (s) => sessions.push(s) });
  const reassembler = smtp ? new Reassembler(smtp, opts.reassembly) : null;
  let tcpPackets = 0;
  // The reassembler keeps nothing of a packet object past push() (payload bytes it buffers are copied): one object
  // is filled for every frame.
  const scratch = scratchPacket();
  const onFrame = (f: RawFrame): void => {
    const p = decodeFrame(f, decode, scratch);
    if (p === null) return;
    tcpPackets++;
    reassembler?.push(p);
  };
  const capture =
    typeof source === 'string'
      ? await readCapture(source, onFrame, opts.read)
      : await readCaptureStream(source.stream, source.name, onFrame, opts.read);
  reassembler?.finish();
  if (smtp) await smtp.drain();
  sessions.sort((a, b) => a.connectionId - b.connectionId);
  sessions.forEach((s, i) => (s.id = i + 1));
  decode['tcp-packets'] = tcpPackets;
  return {
    capture,
    decode,
    tcp: { totals: reassembler ? reassembler.totals : {}, connections: reassembler ? reassembler.connections() : [] },
    sessions,
  };
}
