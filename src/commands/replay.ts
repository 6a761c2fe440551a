// `replay`: one SMTP dialogue (or each in turn) as time-ordered lines: commands, replies, bodies summarised, TCP events.

import { runPipeline, type PipelineOptions } from '../pipeline.js';
import type { CaptureSummary } from '../capture/types.js';
import type { SmtpSession, SmtpTransaction } from '../smtp/types.js';
import { InputError } from '../capture/types.js';

export interface ReplayLine {
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** 'C' client to server, 'S' server to client, '-' an event of the connection. */
  dir: 'C' | 'S' | '-';
  text: string;
}

export interface ReplayedSession {
  id: number;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  interfaceName?: string;
  start: { tsSec: number; tsNsec: number };
  lines: ReplayLine[];
}

export interface ReplayResult {
  capture: CaptureSummary;
  sessions: ReplayedSession[];
}

export interface ReplayOptions extends PipelineOptions {
  session?: number;
}

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function bodySummary(t: SmtpTransaction): string {
  const parts = [`${t.method === 'BDAT' ? 'BDAT chunks' : 'message body'}: ${size(t.body.bytes)}`];
  if (t.message?.messageId) parts.push(`Message-ID ${t.message.messageId}`);
  if (t.message?.subject) parts.push(`Subject "${t.message.subject}"`);
  const att = t.message?.attachments ?? [];
  if (att.length) parts.push(`attachments: ${att.map((a) => `${a.name ?? '(unnamed)'} ${a.type} ${size(a.size)}`).join('; ')}`);
  if (t.message?.eicar) parts.push('EICAR test string present');
  if (t.body.gapBytes) parts.push(`${t.body.gapBytes} bytes missing from the capture`);
  const frames = t.body.first && t.body.last ? ` frames ${t.body.first.frame}-${t.body.last.frame}` : '';
  return `[${parts.join(', ')}]${frames}`;
}

/** Builds the replay lines of one session, in frame order (ties: as recorded). */
export function replaySession(s: SmtpSession): ReplayedSession {
  const lines: ReplayLine[] = [];
  for (const c of s.commands) {
    lines.push({ frame: c.frame, tsSec: c.tsSec, tsNsec: c.tsNsec, dir: 'C', text: c.args ? `${c.verb} ${c.args}` : c.verb });
  }
  for (const r of s.replies) {
    const text = r.lines.length <= 1 ? `${r.code} ${r.lines[0] ?? ''}`.trimEnd() : `${r.code} ${r.lines[0]} (+${r.lines.length - 1} more lines)`;
    lines.push({ frame: r.frame, tsSec: r.tsSec, tsNsec: r.tsNsec, dir: 'S', text });
  }
  for (const t of s.transactions) {
    if (t.body.first) {
      lines.push({ frame: t.body.first.frame, tsSec: t.body.first.tsSec, tsNsec: t.body.first.tsNsec, dir: 'C', text: bodySummary(t) });
    }
    if (t.body.endOfData) {
      const eod = t.body.endOfData;
      lines.push({ frame: eod.frame, tsSec: eod.tsSec, tsNsec: eod.tsNsec, dir: 'C', text: t.method === 'BDAT' ? '[last BDAT chunk complete]' : '.' });
    }
    if (t.abort) {
      const a = t.abort;
      lines.push({
        frame: a.ref.frame, tsSec: a.ref.tsSec, tsNsec: a.ref.tsNsec, dir: '-',
        text: `transaction ${t.index + 1} aborted by ${a.by} (${a.how}${a.reply ? ` ${a.reply.code}` : ''}) after ${a.bodyBytesSent} body bytes`,
      });
    }
  }
  for (const e of s.events) {
    if (e.kind === 'info' && e.name === 'starttls') continue;
    const who = e.dir === 'c2s' ? 'client' : e.dir === 's2c' ? 'server' : '';
    lines.push({ frame: e.frame, tsSec: e.tsSec, tsNsec: e.tsNsec, dir: '-', text: `${e.name}${who ? ` (${who})` : ''}${e.detail ? `: ${e.detail}` : ''}` });
  }
  if (s.tls) lines.push({ frame: s.tls.ref.frame, tsSec: s.tls.ref.tsSec, tsNsec: s.tls.ref.tsNsec, dir: '-', text: 'TLS from here on (not decrypted)' });
  const order = { C: 0, S: 1, '-': 2 } as const;
  lines.sort((a, b) => a.frame - b.frame || order[a.dir] - order[b.dir]);
  return { id: s.id, client: s.client, server: s.server, interfaceName: s.interfaceName, start: s.start, lines };
}

export async function replay(path: string, opts: ReplayOptions = {}): Promise<ReplayResult> {
  const r = await runPipeline(path, opts);
  let chosen = r.sessions;
  if (opts.session !== undefined) {
    chosen = r.sessions.filter((s) => s.id === opts.session);
    if (!chosen.length) {
      throw new InputError(`no SMTP session ${opts.session} (the capture has ${r.sessions.length}; see 'splice-doctor sessions')`, path);
    }
  }
  return { capture: r.capture, sessions: chosen.map(replaySession) };
}
