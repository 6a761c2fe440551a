// --resume: what an earlier NDJSON output already holds, keyed by path, size and modification time.

import { closeSync, ftruncateSync, openSync, readSync } from 'node:fs';
import { ERROR_EXIT_CODE, documentExitCode, worseExit } from './exit.js';
import type { AnalysisDocumentLike } from './types.js';

export interface ResumeState {
  /** Keys of captures already in the file. */
  done: Set<string>;
  /** Entries per verdict ('error' for error records) already in the file. */
  counts: Record<string, number>;
  exitCode: number;
  /** Complete records read. */
  records: number;
  /** Bytes of a cut-off last line that were dropped (an interrupted write). */
  droppedBytes: number;
}

export function resumeKey(path: string, size: number | null, mtimeMs: number | null): string {
  return JSON.stringify([path, size, mtimeMs]);
}

/**
 * Reads an NDJSON file in chunks (memory stays small whatever its size), keeps the keys of its complete
 * records, and cuts a trailing partial line off the file so that appended records start on a line of
 * their own. A missing file is an empty state. Lines that are not JSON records are left alone and not counted.
 */
export function loadResume(file: string): ResumeState {
  const st: ResumeState = { done: new Set(), counts: {}, exitCode: 0, records: 0, droppedBytes: 0 };
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return st;
    throw e;
  }
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    let carry: Buffer = Buffer.alloc(0);
    let lineStart = 0; // file offset of the first byte of `carry`
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      let chunk: Buffer = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
      let from = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, from);
        if (nl < 0) break;
        take(st, chunk.toString('utf8', from, nl));
        from = nl + 1;
      }
      lineStart += from;
      carry = Buffer.from(chunk.subarray(from));
      chunk = carry;
    }
    if (carry.length) {
      st.droppedBytes = carry.length;
      ftruncateSync(fd, lineStart);
    }
  } finally {
    closeSync(fd);
  }
  return st;
}

function take(st: ResumeState, line: string): void {
  if (!line.trim()) return;
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  if (!r || typeof r !== 'object' || typeof r.path !== 'string') return;
  st.done.add(resumeKey(r.path, (r.size as number | null) ?? null, (r.mtimeMs as number | null) ?? null));
  st.records++;
  let verdict: string;
  let code: number;
  if (r.error) {
    verdict = 'error';
    code = ERROR_EXIT_CODE;
  } else {
    verdict = String(r.verdict);
    code = documentExitCode(r as unknown as AnalysisDocumentLike);
  }
  st.counts[verdict] = (st.counts[verdict] ?? 0) + 1;
  st.exitCode = worseExit(st.exitCode, code);
}
