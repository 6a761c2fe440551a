// Triage summary for people: counts per verdict, then one row per capture grouped by ticket (cli-table3).

import Table from 'cli-table3';
import type { TriageEntry, TriageResult, TriageRow } from '../triage/types.js';
import { escapeTerminal } from '../util/escape.js';

const VERDICT_ORDER = ['misconfigured', 'at-risk', 'inconclusive', 'healthy', 'no-smtp', 'error'];
const SEVERITY_ORDER: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** The small row the table needs, derived once per entry (the document itself is not kept). */
export function triageRow(e: TriageEntry): TriageRow {
  const base = { index: e.source.index, path: e.source.path, ticket: e.source.ticket, ms: e.ms, exitCode: e.exitCode };
  if (e.kind === 'error') {
    const at = e.error.offset !== undefined ? ` (offset ${e.error.offset})` : '';
    return { ...base, verdict: 'error', confidence: '-', keyFinding: e.error.message + at, sessions: null };
  }
  const d = e.document;
  let key = '';
  const findings = Array.isArray(d.findings) ? d.findings : [];
  let best: (typeof findings)[number] | undefined;
  for (const f of findings) {
    if (!best || (SEVERITY_ORDER[f.severity ?? 'info'] ?? 3) < (SEVERITY_ORDER[best.severity ?? 'info'] ?? 3)) best = f;
  }
  if (best) key = String(best.title ?? best.ruleId ?? '');
  const err = d.capture?.error;
  if (err) key = `${key ? key + '; ' : ''}damaged: ${err.message ?? ''}${err.offset !== undefined ? ` (offset ${err.offset})` : ''}`;
  return {
    ...base,
    verdict: String(d.verdict),
    confidence: d.confidence ?? '-',
    keyFinding: key || '-',
    sessions: Array.isArray(d.sessions) ? d.sessions.length : null,
  };
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The whole summary: a counts table, then captures grouped by ticket (tickets in order of first appearance). */
export function renderTriageTable(r: TriageResult): string {
  const counts = new Table({ head: ['verdict', 'captures'], style: { head: [], border: [] } });
  const keys = [...VERDICT_ORDER.filter((v) => r.counts[v]), ...Object.keys(r.counts).filter((v) => !VERDICT_ORDER.includes(v)).sort()];
  for (const v of keys) counts.push([v, String(r.counts[v])]);
  counts.push(['total', String(Object.values(r.counts).reduce((a, b) => a + b, 0))]);

  const groups = new Map<string, TriageRow[]>();
  for (const row of r.rows) {
    const k = row.ticket ?? '';
    const g = groups.get(k);
    if (g) g.push(row);
    else groups.set(k, [row]);
  }
  const rows = new Table({
    head: ['ticket', 'path', 'verdict', 'confidence', 'key finding', 'sessions', 'time'],
    style: { head: [], border: [], compact: true },
    colWidths: [null, null, null, null, 60, null, null] as unknown as number[],
  });
  for (const [ticket, list] of groups) {
    list.forEach((row, i) => {
      rows.push([
        i === 0 ? escapeTerminal(ticket || '-') : '',
        escapeTerminal(row.path),
        row.verdict,
        row.confidence,
        escapeTerminal(row.keyFinding),
        row.sessions === null ? '-' : String(row.sessions),
        duration(row.ms),
      ]);
    });
  }
  const notes: string[] = [];
  if (r.skipped) notes.push(`${r.skipped} capture(s) skipped: already in the --resume file (counted above)`);
  if (r.interrupted) notes.push(`interrupted: ${r.rows.length} of ${r.total - r.skipped} capture(s) processed; continue with --resume`);
  const parts = [counts.toString()];
  if (r.rows.length) parts.push(rows.toString());
  parts.push(...notes);
  return parts.join('\n') + '\n';
}
