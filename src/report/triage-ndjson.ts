// Triage records: one self-contained JSON object per capture (the analyze document plus where it came from), as NDJSON or one array.

import type { TriageEntry } from '../triage/types.js';

/**
 * `path`, `ticket`, `size`, `mtimeMs` first (what --resume keys on), then the analyze document unchanged,
 * or `error` {message, offset?}. No timings: records are deterministic, so a resumed or sharded run can be
 * compared line for line with a plain one.
 */
export function triageRecord(e: TriageEntry): Record<string, unknown> {
  const head = { path: e.source.path, ticket: e.source.ticket, size: e.source.size, mtimeMs: e.source.mtimeMs };
  if (e.kind === 'error') return { ...head, error: e.error };
  return { ...head, ...e.document };
}

/** One NDJSON line, newline included: written with a single write call so an interruption never cuts it. */
export function triageNdjsonLine(e: TriageEntry): string {
  return JSON.stringify(triageRecord(e)) + '\n';
}

/** Pieces of a streamed JSON array: open, each element (with its separator), close; valid even when cut short. */
export const triageJsonArray = {
  open: '[\n',
  element: (e: TriageEntry, first: boolean): string => (first ? '' : ',\n') + JSON.stringify(triageRecord(e)),
  close: (empty: boolean): string => (empty ? ']\n' : '\n]\n'),
};
