// `triage --format html`: the usual triage (summary table on stdout), then a folder with an index page and one HTML
// report per capture, each analysed again with its sessions (the triage workers send back documents only).

import { renderHtml, writeTriageHtml } from '../report/html/index.js';
import { openLocation } from '../triage/source.js';
import { UsageError } from '../util/errors.js';
import { analyzeWithSessions } from './analyze.js';
import { triage, type TriageEntry, type TriageOptions, type TriageResult } from './triage.js';

export interface TriageHtmlResult {
  result: TriageResult;
  /** The index page and the reports written, as paths. */
  written: { index: string; reports: string[] };
}

/** `opts` as for triage(); its format and output are ignored (the table goes to stdout, the pages to `dir`). */
export async function triageHtml(inputs: readonly string[], opts: TriageOptions, dir: string | undefined): Promise<TriageHtmlResult> {
  if (!dir) throw new UsageError('--format html writes a folder: add --output DIR');
  const entries: TriageEntry[] = [];
  const result = await triage(inputs, { ...opts, format: 'table', output: undefined, onEntry: (e) => entries.push(e) });
  const analyzeOpts = (opts.analyzeOptions ?? {}) as Parameters<typeof analyzeWithSessions>[1];
  const written = await writeTriageHtml(
    dir,
    entries.map((e) => ({
      path: e.source.path,
      ticket: e.source.ticket,
      document: e.kind === 'document' ? e.document : null,
      error: e.kind === 'error' ? e.error : null,
    })),
    async (_path, i) => {
      const e = entries[i];
      if (e.kind !== 'document') return null;
      const loc = e.source.location;
      const source = loc.kind === 'file' ? loc.file : { stream: await openLocation(loc), name: e.source.path };
      return renderHtml(await analyzeWithSessions(source, analyzeOpts));
    },
  );
  return { result, written };
}
