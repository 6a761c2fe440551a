// Renders the `sessions` result: a cli-table3 table for people, and the `{ "sessions": [...] }` JSON document.

import Table from 'cli-table3';
import type { SessionsResult } from '../commands/sessions.js';
import type { SmtpSession, SmtpTransaction } from '../smtp/types.js';
import { escapeTerminal } from '../util/escape.js';
import { safeJson } from '../util/json.js';
import { isoNs, isoUs, relative, secondsBetween } from '../util/time.js';

function endpoint(e: { ip: string; port: number }): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

function outcomes(ts: SmtpTransaction[]): string {
  if (!ts.length) return '-';
  const counts = new Map<string, number>();
  for (const t of ts) counts.set(t.outcome, (counts.get(t.outcome) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
}

function anomalies(s: SmtpSession): string {
  const names = new Map<string, number>();
  for (const e of s.events) if (e.kind === 'anomaly' || e.kind === 'limit') names.set(e.name, (names.get(e.name) ?? 0) + 1);
  if (s.tcp.stats.gaps) names.set('tcp-gap', s.tcp.stats.gaps);
  return names.size ? [...names].map(([k, v]) => (v > 1 ? `${k} x${v}` : k)).join(', ') : '-';
}

type CaptureFacts = SessionsResult['capture'];

/** A session's line in the table, made as soon as the session is complete (a streamed pass keeps only these). */
export interface SessionRow {
  /** Escaped for a terminal; the start column is left out until the capture's first timestamp is known. */
  cells: string[];
  start: { tsSec: number; tsNsec: number };
}

export function sessionRow(s: SmtpSession): SessionRow {
  return {
    cells: [
      String(s.id),
      `${endpoint(s.client)} -> ${endpoint(s.server)}`,
      escapeTerminal(s.interfaceName ?? String(s.interfaceIndex)),
      `${secondsBetween(s.start, s.end).toFixed(3)}s`,
      outcomes(s.transactions),
      s.tls ? 'STARTTLS' : '-',
      escapeTerminal(anomalies(s)),
    ],
    start: { tsSec: s.start.tsSec, tsNsec: s.start.tsNsec },
  };
}

/** The sessions table: start times are relative to the capture's first packet when its timestamps are relative. */
export function renderSessionsTable(capture: CaptureFacts, rows: readonly SessionRow[]): string {
  const relativeTimes = capture.timestampKind === 'relative';
  const origin = capture.firstTs ? { tsSec: capture.firstTs.sec, tsNsec: capture.firstTs.nsec } : { tsSec: 0, tsNsec: 0 };
  const table = new Table({
    head: ['id', 'client -> server', 'interface', 'start', 'duration', 'transactions', 'TLS', 'anomalies'],
    style: { head: [], border: [] },
  });
  for (const r of rows) {
    const start = relativeTimes ? relative(origin, r.start) : isoUs(r.start.tsSec, r.start.tsNsec);
    table.push([...r.cells.slice(0, 3), start, ...r.cells.slice(3)]);
  }
  const head = `${escapeTerminal(capture.path)}: ${rows.length} SMTP session(s), ${capture.packets} packets`;
  return rows.length ? `${head}\n${table.toString()}\n` : `${head}\n`;
}

export function renderSessionsText(r: SessionsResult): string {
  return renderSessionsTable(r.capture, r.sessions.map(sessionRow));
}

/** A transaction as `sessions --format json` shows it: the envelope and outcome first, flat fields for scripts. */
export function transactionJson(t: SmtpTransaction): Record<string, unknown> {
  return {
    index: t.index,
    mailFrom: t.mailFrom ?? null,
    rcptTo: t.rcptTo,
    rcptAccepted: t.rcptAccepted,
    method: t.method ?? null,
    outcome: t.outcome,
    rejectedAt: t.rejectedAt ?? null,
    finalReply: t.finalReply ? { code: t.finalReply.code, text: t.finalReply.lines.join('\n'), frame: t.finalReply.frame } : null,
    abort: t.abort ?? null,
    bodyBytes: t.body.bytes,
    wireBytes: t.body.wireBytes,
    bodyFirstFrame: t.body.first?.frame ?? null,
    bodyLastFrame: t.body.last?.frame ?? null,
    endOfDataFrame: t.body.endOfData?.frame ?? null,
    gapBytes: t.body.gapBytes,
    messageId: t.message?.messageId ?? null,
    subject: t.message?.subject ?? null,
    from: t.message?.from ?? null,
    to: t.message?.to ?? [],
    date: t.message?.date ?? null,
    attachments: t.message?.attachments ?? [],
    eicar: t.message?.eicar ?? false,
    avHeaders: t.message?.avHeaders ?? [],
    messageTruncated: t.message?.truncated ?? false,
    bodySha256: t.bodySha256 ?? null,
    start: { frame: t.start.frame, time: isoNs(t.start.tsSec, t.start.tsNsec) },
  };
}

/** A session as `sessions --format json` shows it. */
export function sessionJson(s: SmtpSession): Record<string, unknown> {
  const ts = (r: { tsSec: number; tsNsec: number }) => isoNs(r.tsSec, r.tsNsec);
  return {
    id: s.id,
    client: s.client,
    server: s.server,
    interface: { index: s.interfaceIndex, name: s.interfaceName ?? null },
    start: { frame: s.start.frame, time: ts(s.start) },
    end: { frame: s.end.frame, time: ts(s.end) },
    banner: s.banner ?? null,
    helo: s.helo ?? null,
    extensions: s.extensions,
    tls: s.tls ? { frame: s.tls.ref.frame, time: ts(s.tls.ref) } : null,
    auth: s.auth ?? null,
    commands: s.commands.map((c) => ({ verb: c.verb, args: c.args, frame: c.frame, time: ts(c), replyIndex: c.replyIndex ?? null })),
    replies: s.replies.map((r) => ({ code: r.code, enhanced: r.enhanced ?? null, text: r.lines.join('\n'), frame: r.frame, time: ts(r), commandIndex: r.commandIndex ?? null })),
    transactions: s.transactions.map(transactionJson),
    events: s.events.map((e) => ({ name: e.name, kind: e.kind, dir: e.dir ?? null, frame: e.frame, time: ts(e), detail: e.detail ?? null })),
    tcp: s.tcp,
  };
}

/** The JSON document of `sessions --format json`: `{ "sessions": [...] }`. */
export function sessionsJson(r: SessionsResult): { sessions: Record<string, unknown>[] } {
  return { sessions: r.sessions.map(sessionJson) };
}

/**
 * Writes the same document as safeJson(sessionsJson(r)) plus a newline, a session at a time: add() each session
 * in order, then end().
 */
export function sessionsJsonWriter(write: (text: string) => void): { add(s: SmtpSession): void; end(): void } {
  let n = 0;
  // Each session is serialised inside the document's own frame, so that it comes out indented as in the whole
  // document (no second pass over the text to indent it); the frame is cut off again.
  const head = '{\n  "sessions": [\n';
  const tail = '\n  ]\n}';
  return {
    add(s) {
      const framed = safeJson({ sessions: [sessionJson(s)] });
      write((n++ === 0 ? head : ',\n') + framed.slice(head.length, framed.length - tail.length));
    },
    end() {
      write(n === 0 ? '{\n  "sessions": []\n}\n' : '\n  ]\n}\n');
    },
  };
}
