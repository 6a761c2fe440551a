// The key dialogue as a short timeline: commands, replies, body start and end, aborts, across its legs in frame order.

import type { CaptureSummary } from '../capture/types.js';
import type { SmtpSession, SmtpTransaction } from '../smtp/types.js';
import { formatTime, legNameOf } from '../rules/context.js';
import { replyLine } from '../topology/hostav.js';
import type { Dialogue, Topology } from '../topology/types.js';
import type { TimelineEntry } from './types.js';

interface Line extends TimelineEntry {
  prio: number;
  tsSec: number;
  tsNsec: number;
}

const KEY_VERBS = new Set(['MAIL', 'RCPT', 'DATA', 'BDAT', 'STARTTLS']);

function sessionLines(s: SmtpSession, leg: string, focus: SmtpTransaction | null): Line[] {
  const out: Line[] = [];
  const add = (ref: { frame: number; tsSec: number; tsNsec: number }, dir: Line['dir'], text: string, prio: number) =>
    out.push({ time: null, frame: ref.frame, session: s.id, leg, dir, text, prio, tsSec: ref.tsSec, tsNsec: ref.tsNsec });
  for (const c of s.commands) {
    const text = c.args ? `${c.verb} ${c.args}` : c.verb;
    add(c, 'C', text.length > 120 ? text.slice(0, 117) + '...' : text, KEY_VERBS.has(c.verb) ? 2 : 1);
  }
  for (const r of s.replies) {
    const verb = r.commandIndex !== undefined ? s.commands[r.commandIndex]?.verb : undefined;
    const key = r.code >= 400 || r.code === 354 || verb === 'DATA' || verb === 'BDAT' || (r.commandIndex === undefined && r.code !== 220);
    add(r, 'S', replyLine(r), key ? 2 : 1);
  }
  for (const t of s.transactions) {
    const p = focus === null || focus === t ? 3 : 2;
    if (t.body.first) add(t.body.first, 'C', `[message body starts${t.message?.messageId ? `: ${t.message.messageId}` : ''}]`, p);
    if (t.body.endOfData) add(t.body.endOfData, 'C', `[end of data after ${t.body.wireBytes} bytes]`, p);
    if (t.abort) add(t.abort.ref, '-', `[${t.abort.how.toUpperCase()} by ${t.abort.by} after ${t.abort.bodyBytesSent} body bytes: no end-of-data]`, p + 1);
  }
  if (s.tcp.closeRef && s.tcp.close !== 'capture-end' && !s.transactions.some((t) => t.abort && t.abort.ref.frame === s.tcp.closeRef!.frame)) {
    add(s.tcp.closeRef, '-', `[TCP ${s.tcp.close.toUpperCase()} by ${s.tcp.closedBy ?? 'unknown'}]`, 1);
  }
  return out;
}

/** At most `max` lines; the key transaction's lines first, then the rest of the key verbs, then greetings. */
export function buildTimeline(capture: CaptureSummary, topology: Topology, d: Dialogue | null, max = 20): TimelineEntry[] {
  if (!d) return [];
  const sessions: SmtpSession[] = [d.client, d.server, ...d.relays.map((r) => r.session), ...d.notifications.map((n) => n.ref.session)].filter(
    (x, i, a): x is SmtpSession => x !== null && a.indexOf(x) === i,
  );
  const focus =
    d.server?.transactions.find((t) => t.outcome === 'aborted') ?? d.server?.transactions.find((t) => t.body.first) ?? d.client?.transactions[0] ?? null;
  const all: Line[] = [];
  for (const s of sessions) all.push(...sessionLines(s, legNameOf(topology, s.id), s === d.server ? focus : null));
  // Keep the window of the focus transaction when the dialogue is long.
  all.sort((a, b) => a.frame - b.frame || a.session - b.session);
  const chosen: Line[] = [];
  for (const prio of [4, 3, 2, 1]) {
    for (const l of all) {
      if (chosen.length >= max) break;
      if (l.prio === prio) chosen.push(l);
    }
  }
  chosen.sort((a, b) => a.frame - b.frame || a.session - b.session);
  return chosen.map((l) => ({ time: formatTime(capture, l), frame: l.frame, session: l.session, leg: l.leg, dir: l.dir, text: l.text }));
}
