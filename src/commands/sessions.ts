// `sessions`: list the SMTP sessions of one capture (data only; rendering lives in report/).

import { runPipeline, type CaptureSource, type PipelineOptions, type PipelineResult } from '../pipeline.js';
import type { SmtpSession } from '../smtp/types.js';

export interface SessionsOptions extends PipelineOptions {}

export type SessionsResult = Pick<PipelineResult, 'capture' | 'sessions' | 'tcp'>;

export async function sessions(path: string, opts: SessionsOptions = {}): Promise<SessionsResult> {
  const r = await runPipeline(path, opts);
  return { capture: r.capture, sessions: r.sessions, tcp: r.tcp };
}

export type SessionsSummary = Pick<PipelineResult, 'capture' | 'tcp'> & { count: number };

/**
 * The same pass, streamed: `each` gets every session in id order as soon as it is complete, and nothing is kept, so
 * memory stays flat however many sessions the capture holds (what `sessions` on the command line uses).
 */
export async function sessionsStream(source: CaptureSource, opts: SessionsOptions, each: (s: SmtpSession) => void): Promise<SessionsSummary> {
  let count = 0;
  const r = await runPipeline(source, {
    ...opts,
    // Nothing in the sessions output shows the file's hash: skip it (a thread and ~0.7 CPU s per GiB).
    read: { ...opts.read, hash: false },
    onSession: (s) => {
      count++;
      each(s);
    },
  });
  return { capture: r.capture, tcp: r.tcp, count };
}
