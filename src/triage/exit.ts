// Exit codes of triage entries and how they combine: the worst capture decides the run's code.

import { exitCodeFor } from '../analysis/verdict.js';
import type { Verdict } from '../analysis/types.js';
import type { AnalysisDocumentLike } from './types.js';

/** A document's code: its own `exitCode` when present, else 2 for a damaged capture, else by verdict. */
export function documentExitCode(doc: AnalysisDocumentLike): number {
  if (typeof doc.exitCode === 'number') return doc.exitCode;
  if (doc.capture?.error) return 2;
  return exitCodeFor(String(doc.verdict) as Verdict);
}

/** An error entry (unreadable, not a capture, too large) is an input error, as for analyze. */
export const ERROR_EXIT_CODE = 2;

/**
 * Severity order for "worst": input error (2) > finding (1) > inconclusive (3) > clean (0). A bad file must not
 * hide behind a finding, and a finding must not hide behind an inconclusive capture, which plain max() would do.
 */
const RANK: Record<number, number> = { 0: 0, 3: 1, 1: 2, 2: 3 };

export function worseExit(a: number, b: number): number {
  const ra = RANK[a] ?? 4;
  const rb = RANK[b] ?? 4;
  return rb > ra ? b : a;
}
