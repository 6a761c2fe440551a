// `analyze`: one capture in, one analysis document out (data only; never prints, never exits).

import { runPipeline, type PipelineOptions } from '../pipeline.js';
import { diagnose } from '../analysis/analyze.js';
import type { AnalysisDocument, AnalyzeOptions } from '../analysis/types.js';
import { parseHostSpec } from '../topology/match.js';
import type { HostSpec, TopologyOverrides } from '../topology/types.js';
import { UsageError } from '../util/errors.js';

export type { AnalysisDocument, AnalyzeOptions } from '../analysis/types.js';

export interface AnalyzeCommandOptions extends AnalyzeOptions {
  pipeline?: PipelineOptions;
}

function spec(flag: string, raw: string | undefined, portAllowed: boolean): HostSpec | undefined {
  if (raw === undefined || raw === '') return undefined;
  const h = parseHostSpec(raw);
  if (!h) throw new UsageError(`${flag}: "${raw.slice(0, 60)}" is not an IP address${portAllowed ? ' or IP:PORT' : ''}`);
  if (!portAllowed && h.port !== undefined) throw new UsageError(`${flag}: give an IP address without a port`);
  return h;
}

/** Validates the stated addresses (UsageError when malformed). */
export function overridesFrom(opts: AnalyzeOptions): TopologyOverrides {
  return {
    fortigate: spec('--fortigate', opts.fortigate, false),
    hostAv: spec('--host-av', opts.hostAv, true),
    mailServer: spec('--mail-server', opts.mailServer, true),
  };
}

export async function analyze(path: string, opts: AnalyzeCommandOptions = {}): Promise<AnalysisDocument> {
  const overrides = overridesFrom(opts);
  const result = await runPipeline(path, opts.pipeline ?? {});
  return diagnose(result, { overrides, fortios: opts.fortios, profile: opts.profile });
}
