// `sessions`: list the SMTP sessions of one capture (data only; rendering lives in report/).

import { runPipeline, type PipelineOptions, type PipelineResult } from '../pipeline.js';

export interface SessionsOptions extends PipelineOptions {}

export type SessionsResult = Pick<PipelineResult, 'capture' | 'sessions' | 'tcp'>;

export async function sessions(path: string, opts: SessionsOptions = {}): Promise<SessionsResult> {
  const r = await runPipeline(path, opts);
  return { capture: r.capture, sessions: r.sessions, tcp: r.tcp };
}
