// Binds triage to the analysis: loads analyze()/analyzeStream() at run time and maps failures to one-line entry errors.

import type { Readable } from 'node:stream';
import { openLocation, oneLine } from './source.js';
import type { AnalysisDocumentLike, EntryError, WorkerJob } from './types.js';

export interface Analyzer {
  analyze?: (path: string, opts: Record<string, unknown>) => Promise<AnalysisDocumentLike>;
  analyzeStream?: (stream: Readable, name: string, opts: Record<string, unknown>) => Promise<AnalysisDocumentLike>;
  /** Checks the analyze options once (src/commands/analyze.ts overridesFrom); throws UsageError when malformed. */
  validate?: (opts: Record<string, unknown>) => unknown;
}

/** The analysis module every worker imports unless told otherwise. */
export const DEFAULT_ANALYZER = new URL('../commands/analyze.js', import.meta.url).href;

/**
 * Imports the analysis module and checks what it offers. analyzeStream is feature-tested: plain files fall
 * back to analyze(path) when it is missing; zip members need it.
 */
export async function loadAnalyzer(moduleUrl: string = DEFAULT_ANALYZER): Promise<Analyzer> {
  const m = (await import(moduleUrl)) as Record<string, unknown>;
  const a: Analyzer = {};
  if (typeof m.analyze === 'function') a.analyze = m.analyze as Analyzer['analyze'];
  if (typeof m.analyzeStream === 'function') a.analyzeStream = m.analyzeStream as Analyzer['analyzeStream'];
  if (typeof m.overridesFrom === 'function') a.validate = m.overridesFrom as Analyzer['validate'];
  if (!a.analyze && !a.analyzeStream) throw new Error(`${moduleUrl} exports neither analyze nor analyzeStream`);
  return a;
}

export type AnalyzeOutcome = { ok: true; document: AnalysisDocumentLike } | { ok: false; error: EntryError };

/** Analyses one capture; never rejects. Errors of the input become entry errors; anything else is named a bug. */
export async function analyzeSource(analyzer: Analyzer | Error, job: WorkerJob, opts: Record<string, unknown>): Promise<AnalyzeOutcome> {
  if (analyzer instanceof Error) return { ok: false, error: { message: `analysis unavailable: ${oneLine(analyzer)}` } };
  let streamError: unknown = null;
  try {
    const loc = job.location;
    let doc: AnalysisDocumentLike;
    if (loc.kind === 'file' && analyzer.analyze) {
      doc = await analyzer.analyze(loc.file, opts);
    } else if (analyzer.analyzeStream) {
      const stream = await openLocation(loc);
      // A damaged zip member fails in the inflater: remember it so the failure is reported as bad input.
      stream.once('error', (e) => (streamError ??= e));
      doc = await analyzer.analyzeStream(stream, job.path, opts);
      if (!stream.destroyed) stream.destroy();
    } else {
      return { ok: false, error: { message: 'zip members need analyzeStream, which this build of the analysis lacks' } };
    }
    return { ok: true, document: doc };
  } catch (e) {
    return { ok: false, error: toEntryError(e, job.path, streamError) };
  }
}

/** InputError (any realm: matched by name), file-system and zip errors are the input's fault; the rest are bugs. */
export function toEntryError(e: unknown, path: string, streamError: unknown = null): EntryError {
  const err = e as { name?: string; message?: string; offset?: unknown; code?: unknown };
  let message = stripPath(oneLine(e), path);
  if (err?.name === 'InputError') {
    const out: EntryError = { message };
    if (typeof err.offset === 'number') out.offset = err.offset;
    return out;
  }
  if (streamError) return { message: `damaged zip member: ${stripPath(oneLine(streamError), path)}` };
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    if (err.code === 'ENOENT') message = 'no such file or folder';
    else if (err.code === 'EACCES' || err.code === 'EPERM') message = 'permission denied';
    else if (err.code === 'EISDIR') message = 'is a folder';
    return { message };
  }
  return { message: `internal error (a bug, please report it): ${message}` };
}

function stripPath(message: string, path: string): string {
  return message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
}
