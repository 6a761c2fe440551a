// `analyze`: one capture in, one analysis document out (data only; never prints, never exits).

import { runPipeline, type CaptureSource, type PipelineOptions } from '../pipeline.js';
import { diagnose } from '../analysis/analyze.js';
import type { AnalysisDocument, AnalyzeOptions } from '../analysis/types.js';
import { parseHostSpec } from '../topology/match.js';
import type { HostSpec, TopologyOverrides } from '../topology/types.js';
import { UsageError } from '../util/errors.js';
import { configFromText, readBackup } from './config.js';
import { withConfig } from '../analysis/config.js';
import type { SmtpSession } from '../smtp/types.js';

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

/** The analysis document and the SMTP sessions it was made from (the HTML report draws the sessions' byte curves). */
export async function analyzeWithSessions(source: CaptureSource, opts: AnalyzeCommandOptions = {}): Promise<{ document: AnalysisDocument; sessions: SmtpSession[] }> {
  const overrides = overridesFrom(opts);
  // Read the backup first: a bad backup is an input error before minutes of capture reading.
  const cfgPath = opts.fortigateConfig;
  const backup = cfgPath ? await readBackup(cfgPath) : null;
  const version = backup && cfgPath ? configFromText(backup, cfgPath).version : undefined;
  // The document names the capture by its hash: never read without it here.
  const pipeline = opts.pipeline ?? {};
  const result = await runPipeline(source, { ...pipeline, read: { ...pipeline.read, hash: true } });
  const doc = diagnose(result, { overrides, fortios: opts.fortios ?? version, profile: opts.profile });
  if (!backup || !cfgPath) return { document: doc, sessions: result.sessions };
  // Now that the capture names the mail server, pick the policies that reach it.
  const mailServer = overrides.mailServer?.ip ?? doc.roles.mailServer.ip ?? doc.roles.hostAv.ip ?? undefined;
  return { document: withConfig(doc, configFromText(backup, cfgPath, { mailServer }), cfgPath), sessions: result.sessions };
}

export async function analyze(path: string, opts: AnalyzeCommandOptions = {}): Promise<AnalysisDocument> {
  return (await analyzeWithSessions(path, opts)).document;
}

/** analyze() for a byte stream (a zip member in triage), read in place; `name` is used in messages and the document. */
export async function analyzeStream(
  stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  name: string,
  opts: AnalyzeCommandOptions = {},
): Promise<AnalysisDocument> {
  return (await analyzeWithSessions({ stream, name }, opts)).document;
}
