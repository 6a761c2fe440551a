// `sessions --export DIR`: writes each message as an .eml file, streamed from the SMTP stage's message tee.

import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runPipeline, type PipelineOptions, type PipelineResult } from '../pipeline.js';
import type { MessageKey } from '../smtp/index.js';

export interface ExportedMessage {
  /** The session's id as `sessions` numbers it (1..n). */
  session: number;
  /** The transaction's number within the session, 1-based (the JSON `index` + 1). */
  transaction: number;
  /** Path of the written file (inside the export directory). */
  file: string;
  /** Bytes written: the unstuffed message, exactly what `bodySha256` covers. */
  bytes: number;
  /** End-of-data (DATA '.', BDAT LAST) was seen and no gap fell inside the body. Otherwise the name ends `-partial`. */
  complete: boolean;
}

/** Open files kept at once; beyond it the least recently written one is closed and reopened for append later. */
const MAX_OPEN = 64;

interface OpenMessage {
  key: MessageKey;
  tmp: string;
  fd: number; // -1 when closed
  bytes: number;
  ended: boolean;
}

/**
 * Runs its own pipeline pass over the capture and writes every message body (every transaction whose body started)
 * to `dir` as `session-<id>-tx-<n>.eml`, or `session-<id>-tx-<n>-partial.eml` when the message was cut (abort,
 * gap, capture end). Bytes are written as they are parsed (never a whole message in memory) under a temporary
 * name, renamed once the session numbering is known. File names come only from numbers, never from capture content.
 * Returns the written files in session then transaction order.
 */
export async function exportMessages(capturePath: string, dir: string, opts: PipelineOptions = {}): Promise<ExportedMessage[]> {
  return (await exportWithResult(capturePath, dir, opts)).files;
}

/** exportMessages that also returns the pipeline result, so `sessions --export` needs one pass only. */
export async function exportWithResult(
  capturePath: string,
  dir: string,
  opts: PipelineOptions = {},
): Promise<{ files: ExportedMessage[]; result: PipelineResult }> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const tag = `.splice-doctor-export-${process.pid}-${Date.now().toString(36)}`;
  const open = new Map<string, OpenMessage>();
  // Insertion order of `lru` = least recently written first.
  const lru = new Map<string, OpenMessage>();
  let failure: { error: unknown } | undefined;

  const ensureOpen = (m: OpenMessage, id: string): void => {
    lru.delete(id);
    if (m.fd < 0) {
      if (lru.size >= MAX_OPEN) {
        const [oldId, old] = lru.entries().next().value as [string, OpenMessage];
        lru.delete(oldId);
        closeSync(old.fd);
        old.fd = -1;
      }
      m.fd = openSync(m.tmp, m.bytes === 0 ? 'w' : 'a');
    }
    lru.set(id, m);
  };

  const onMessageData = (key: MessageKey, bytes: Uint8Array, end: boolean): void => {
    if (failure) return;
    try {
      const id = `${key.connectionId}-${key.transactionIndex}`;
      let m = open.get(id);
      if (!m) {
        m = { key: { ...key }, tmp: join(root, `${tag}-${id}.tmp`), fd: -1, bytes: 0, ended: false };
        open.set(id, m);
      }
      if (m.ended) return;
      if (bytes.length > 0 || m.fd < 0) ensureOpen(m, id);
      let off = 0;
      while (off < bytes.length) off += writeSync(m.fd, bytes, off, bytes.length - off);
      m.bytes += bytes.length;
      if (end) {
        m.ended = true;
        lru.delete(id);
        closeSync(m.fd);
        m.fd = -1;
      }
    } catch (error) {
      failure = { error };
    }
  };

  const cleanup = (): void => {
    for (const m of open.values()) {
      if (m.fd >= 0) {
        try {
          closeSync(m.fd);
        } catch {
          // already closed
        }
        m.fd = -1;
      }
    }
  };

  /** After a failure: every file closed and every temporary file removed. */
  const discard = (): void => {
    cleanup();
    for (const m of open.values()) rmSync(m.tmp, { force: true });
  };

  let result: PipelineResult;
  try {
    result = await runPipeline(capturePath, { ...opts, smtpHooks: { onMessageData } });
  } catch (error) {
    discard();
    throw error;
  }
  if (failure) {
    discard();
    throw failure.error;
  }
  cleanup();

  const out: ExportedMessage[] = [];
  const byConn = new Map(result.sessions.map((s) => [s.connectionId, s]));
  const entries = [...open.values()];
  const sessionOf = (m: OpenMessage) => byConn.get(m.key.connectionId);
  entries.sort(
    (a, b) => (sessionOf(a)?.id ?? Infinity) - (sessionOf(b)?.id ?? Infinity) || a.key.transactionIndex - b.key.transactionIndex,
  );
  for (const m of entries) {
    const s = sessionOf(m);
    const t = s?.transactions.find((x) => x.index === m.key.transactionIndex);
    if (!s || !t) {
      // A connection dropped after detection (e.g. not SMTP after all): nothing to export.
      rmSync(m.tmp, { force: true });
      continue;
    }
    const complete = t.body.endOfData !== undefined && t.body.gapBytes === 0 && m.ended;
    const n = t.index + 1;
    const file = join(root, `session-${s.id}-tx-${n}${complete ? '' : '-partial'}.eml`);
    renameSync(m.tmp, file);
    out.push({ session: s.id, transaction: n, file, bytes: m.bytes, complete });
  }
  return { files: out, result };
}
