// The ladder (sequence) diagram of the key dialogue: commands, replies, body bands, aborts and notifications as SVG.

import type { AnalysisDocument, SessionSummary } from '../../analysis/types.js';
import type { SegmentRef } from '../../reassembly/types.js';
import type { SmtpSession, SmtpTransaction } from '../../smtp/types.js';
import { spliceAbortOf } from '../../topology/abort.js';
import { replyLine } from '../../topology/hostav.js';
import { keyDialogueOf, keyTransactions, legLabel, type KeyDialogue } from '../chart/series.js';
import { clip, escapeHtml as esc } from './escape.js';

export type Column = 'sender' | 'fortigate' | 'hostav' | 'mail' | 'notified';

type Kind = 'cmd' | 'reply' | 'body-start' | 'body-end' | 'abort' | 'close' | 'notify' | 'summary';

interface Ev {
  ref: SegmentRef;
  session: number;
  leg: string;
  kind: Kind;
  from: Column;
  to: Column;
  text: string;
  key: boolean;
  /** For body-start/body-end: which body (session:tx) they bound. */
  band?: string;
  bytes?: number;
  emphasis?: 'abort' | 'refusal' | 'accepted' | 'av';
}

export interface LadderOptions {
  /** Show every event when the dialogue has at most this many; above, only the key transactions in full. */
  fullUpTo?: number;
  /** Hard cap on rows. */
  maxRows?: number;
  /** A session of the dialogue to draw (default: the document's key dialogue). */
  seedSession?: number;
}

const COL_NAME: Record<Column, string> = { sender: 'sender', fortigate: 'FortiGate', hostav: 'host AV', mail: 'mail server', notified: 'notified' };
const ROW = 22;
const TOP = 70;
const GUTTER = 150;
const W = 940;

export interface Ladder {
  svg: string;
  columns: Column[];
  rows: number;
  /** Events left out of the diagram because the dialogue is long (summarised in rows). */
  condensed: number;
}

function cmpRef(a: SegmentRef, b: SegmentRef): number {
  return a.tsSec - b.tsSec || a.tsNsec - b.tsNsec || a.frame - b.frame;
}

/** Per leg: which columns it joins. */
function legColumns(doc: AnalysisDocument, kd: KeyDialogue): Map<number, [Column, Column]> {
  const m = new Map<number, [Column, Column]>();
  const mailSide: Column = kd.relays.length || doc.roles.hostAv.ip !== null ? 'hostav' : 'mail';
  if (kd.client) m.set(kd.client.id, ['sender', 'fortigate']);
  if (kd.server) m.set(kd.server.id, ['fortigate', mailSide]);
  for (const r of kd.relays) m.set(r.id, ['hostav', 'mail']);
  for (const o of kd.others) m.set(o.id, ['sender', mailSide]);
  for (const n of kd.notifications) m.set(n.id, [kd.relays.length ? 'hostav' : mailSide, 'notified']);
  return m;
}

function columnLabel(doc: AnalysisDocument, kd: KeyDialogue, c: Column): string {
  const r = doc.roles;
  const ip = (x: { ip: string | null; port: number | null }) => (x.ip ? (x.port !== null ? `${x.ip.includes(':') ? `[${x.ip}]` : x.ip}:${x.port}` : x.ip) : null);
  switch (c) {
    case 'sender':
      return ip(r.sender) ?? kd.client?.client ?? kd.others[0]?.client ?? '';
    case 'fortigate':
      return ip(r.fortigate) ?? (kd.client && kd.server ? 'transparent (no own IP)' : 'not located');
    case 'hostav':
      return ip(r.hostAv) ?? kd.server?.server ?? '';
    case 'mail':
      return (kd.relays[0]?.server ?? ip(r.mailServer) ?? kd.server?.server ?? kd.others[0]?.server) || '';
    case 'notified':
      return kd.notifications[0]?.server ?? '';
  }
}

function sessionEvents(s: SmtpSession, sum: SessionSummary, cols: [Column, Column], key: SmtpTransaction | null, all: boolean): Ev[] {
  const [a, b] = cols;
  const leg = sum.leg === 'notification' ? 'notification' : legLabel(sum);
  const out: Ev[] = [];
  const keyRange = (() => {
    if (!key) return null;
    const next = s.transactions[key.index + 1];
    return { from: key.start.frame, to: next ? next.start.frame - 1 : Number.MAX_SAFE_INTEGER };
  })();
  const isKey = (frame: number) => all || (keyRange !== null && frame >= keyRange.from && frame <= keyRange.to);
  const firstReply = s.replies[0];
  for (const c of s.commands) {
    const text = c.args ? `${c.verb} ${c.args}` : c.verb;
    out.push({ ref: c, session: s.id, leg, kind: 'cmd', from: a, to: b, text, key: isKey(c.frame) });
  }
  for (const r of s.replies) {
    const t = s.transactions.find((x) => x.finalReply === r);
    const emphasis = r.code >= 400 ? (sum.leg === 'client' ? 'refusal' : 'av') : t && r.code < 400 && t.body.endOfData ? 'accepted' : undefined;
    out.push({ ref: r, session: s.id, leg, kind: 'reply', from: b, to: a, text: replyLine(r), key: isKey(r.frame) || r === firstReply || r.code >= 400, emphasis });
  }
  let abortFrame = -1;
  for (const t of s.transactions) {
    const k = all || t === key;
    const band = `${s.id}:${t.index}`;
    if (t.body.first) {
      const id = t.message?.messageId ? ` ${t.message.messageId}` : '';
      out.push({ ref: t.body.first, session: s.id, leg, kind: 'body-start', from: a, to: b, text: `message body starts${id}`, key: k, band });
      const end = t.body.endOfData ?? t.body.last ?? t.body.first;
      out.push({
        ref: end,
        session: s.id,
        leg,
        kind: 'body-end',
        from: a,
        to: b,
        text: t.body.endOfData ? `end of data "." after ${t.body.wireBytes} bytes` : `last body bytes (${t.body.wireBytes} on the wire)`,
        key: k,
        band,
        bytes: t.body.wireBytes,
      });
    }
    const ab = spliceAbortOf(s, t) ?? t.abort ?? null;
    if (ab && ab.how !== 'quit' && ab.how !== 'rset') {
      const who = ab.by === 'client' ? a : b;
      const whom = ab.by === 'client' ? b : a;
      const byName = ab.by === 'client' ? COL_NAME[a] : ab.by === 'server' ? COL_NAME[b] : 'unknown side';
      const what = ab.how === 'reply' && ab.reply ? `${ab.reply.code} ${ab.reply.text}` : `TCP ${ab.how.toUpperCase()}`;
      out.push({
        ref: ab.ref,
        session: s.id,
        leg,
        kind: 'abort',
        from: who,
        to: whom,
        text: `${what} by ${byName} after ${ab.bodyBytesSent} body bytes: no end of data`,
        key: true,
        emphasis: 'abort',
      });
      abortFrame = ab.ref.frame;
    }
  }
  if (s.tcp.closeRef && s.tcp.close !== 'capture-end' && s.tcp.closeRef.frame !== abortFrame) {
    const by = s.tcp.closedBy === 'server' ? b : a;
    out.push({ ref: s.tcp.closeRef, session: s.id, leg, kind: 'close', from: by, to: by === a ? b : a, text: `TCP ${s.tcp.close.toUpperCase()}`, key: all });
  }
  return out;
}

/**
 * The ladder of the document's key dialogue, or null when there is none. Dialogues with more than `fullUpTo`
 * events show the key transactions in full and every other run of events as one summary row.
 */
export function renderLadder(doc: AnalysisDocument, sessions: readonly SmtpSession[], opts: LadderOptions = {}): Ladder | null {
  const fullUpTo = opts.fullUpTo ?? 60;
  const maxRows = opts.maxRows ?? 140;
  const kd = keyDialogueOf(doc, opts.seedSession);
  if (!kd) return null;
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const cols = legColumns(doc, kd);
  const keys = keyTransactions(kd, byId);
  const members: Array<{ sum: SessionSummary; s: SmtpSession; key: SmtpTransaction | null }> = [];
  for (const sum of [kd.client, kd.server, ...kd.relays, ...kd.others, ...kd.notifications]) {
    const s = sum ? byId.get(sum.id) : undefined;
    if (!sum || !s) continue;
    const key = sum === kd.client ? keys.client : sum === kd.server ? keys.server : sum.leg === 'relay' ? keys.relays.get(sum.id) ?? null : s.transactions[0] ?? null;
    members.push({ sum, s, key });
  }
  if (members.length === 0) return null;
  let origin = members[0].s.start;
  for (const m of members) if (cmpRef(m.s.start, origin) < 0) origin = m.s.start;
  const total = members.reduce((n, m) => n + m.s.commands.length + m.s.replies.length + 3 * m.s.transactions.length, 0);
  const all = total <= fullUpTo;
  let evs: Ev[] = [];
  for (const m of members) evs.push(...sessionEvents(m.s, m.sum, cols.get(m.s.id)!, m.key, all));
  evs.sort((x, y) => x.ref.frame - y.ref.frame || cmpRef(x.ref, y.ref) || order(x.kind) - order(y.kind));

  // Condense runs of non-key events into one summary row each.
  let condensed = 0;
  const rows: Ev[] = [];
  let run: Ev[] = [];
  const flush = () => {
    if (run.length === 0) return;
    if (run.length === 1 && run[0].kind !== 'body-start' && run[0].kind !== 'body-end') rows.push(run[0]);
    else {
      condensed += run.length;
      rows.push(summaryRow(run));
    }
    run = [];
  };
  for (const e of evs) {
    if (e.key) {
      flush();
      rows.push(e);
    } else run.push(e);
  }
  flush();
  // A body band whose start or end was summarised away would dangle: drop the lone half.
  const bands = new Map<string, number>();
  for (const r of rows) if (r.band) bands.set(r.band, (bands.get(r.band) ?? 0) + 1);
  evs = rows.filter((r) => !r.band || bands.get(r.band) === 2);
  // Still too long (e.g. a thousand RCPTs in the key transaction): keep its head and tail, the body bands, the abort
  // and every emphasised reply; the middle becomes summary rows.
  if (evs.length > maxRows) {
    const must = (e: Ev) => e.emphasis !== undefined || e.kind === 'body-start' || e.kind === 'body-end' || e.kind === 'abort';
    const headN = Math.floor(maxRows * 0.4);
    const tailN = Math.floor(maxRows * 0.4);
    const out: Ev[] = [];
    let dropped: Ev[] = [];
    evs.forEach((e, i) => {
      if (i < headN || i >= evs.length - tailN || must(e)) {
        if (dropped.length) out.push(summaryRow(dropped));
        condensed += dropped.length;
        dropped = [];
        out.push(e);
      } else dropped.push(e);
    });
    evs = out;
  }
  let hidden = 0;
  if (evs.length > maxRows) {
    hidden = evs.length - maxRows;
    evs = evs.slice(0, maxRows);
  }

  const shown: Column[] = (['sender', 'fortigate', 'hostav', 'mail', 'notified'] as Column[]).filter((c) => [...cols.values()].some(([a, b]) => a === c || b === c));
  const colW = (W - GUTTER - 80 - 80) / Math.max(shown.length - 1, 1);
  const X = (c: Column) => GUTTER + 80 + (shown.length === 1 ? 0 : shown.indexOf(c) * colW);
  const height = TOP + (evs.length + (hidden ? 1 : 0)) * ROW + 30;
  const y = (i: number) => TOP + i * ROW + 14;
  const rel = (r: SegmentRef) => r.tsSec - origin.tsSec + (r.tsNsec - origin.tsNsec) / 1e9;
  const o: string[] = [];
  o.push(`<svg width="100%" viewBox="0 0 ${W} ${height}" class="sdl ladder" role="img" aria-label="Ladder diagram of the key dialogue">`);
  o.push(`<rect class="bg" x="0" y="0" width="${W}" height="${height}" rx="6"/>`);
  o.push('<defs>');
  for (const k of ['client', 'server', 'relay', 'session', 'notification', 'abort', 'refusal', 'accepted', 'av', 'summary']) {
    o.push(`<marker id="sdl-a-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="ah-${k}" d="M0,0L10,5L0,10z"/></marker>`);
  }
  o.push('</defs>');
  // Column heads and lifelines.
  for (const c of shown) {
    const x = X(c);
    o.push(`<rect class="head" x="${x - 70}" y="8" width="140" height="40" rx="5"/>`);
    o.push(`<text class="hname" x="${x}" y="25" text-anchor="middle">${esc(COL_NAME[c])}</text>`);
    o.push(`<text class="haddr" x="${x}" y="41" text-anchor="middle">${esc(clip(columnLabel(doc, kd, c), 24))}</text>`);
    o.push(`<line class="life" x1="${x}" y1="48" x2="${x}" y2="${height - 10}"/>`);
  }
  o.push(`<text class="gut" x="8" y="${TOP - 6}">time from start, frame</text>`);
  // Body bands first, under the arrows.
  const idx = new Map<Ev, number>(evs.map((e, i) => [e, i]));
  for (const e of evs) {
    if (e.kind !== 'body-start') continue;
    const end = evs.find((x) => x.kind === 'body-end' && x.band === e.band);
    if (!end) continue;
    const i0 = idx.get(e)!;
    const i1 = idx.get(end)!;
    const x0 = Math.min(X(e.from), X(e.to)) + 6;
    const x1 = Math.max(X(e.from), X(e.to)) - 6;
    const top = y(i0) - 8;
    const bottom = Math.max(y(i1) + 8, top + 14);
    const cls = legClass(e.leg);
    o.push(`<rect class="band b-${cls}" x="${x0}" y="${top}" width="${x1 - x0}" height="${bottom - top}" rx="3"><title>${esc(`${e.leg} session ${e.session}: message body #${e.ref.frame}\u2013#${end.ref.frame}, ${end.bytes ?? 0} bytes`)}</title></rect>`);
  }
  const maxChars = (a: Column, b: Column) => Math.max(12, Math.floor((Math.abs(X(a) - X(b)) - 16) / 6.3));
  evs.forEach((e, i) => {
    const yy = y(i);
    const t = rel(e.ref);
    o.push(`<text class="gut" x="8" y="${yy + 4}">${esc(`+${t.toFixed(6)} s`)}</text><text class="gut frame" x="${GUTTER - 12}" y="${yy + 4}" text-anchor="end">#${e.ref.frame}</text>`);
    const xa = X(e.from);
    const xb = X(e.to);
    const mid = (xa + xb) / 2;
    const cls = e.emphasis ?? (e.kind === 'summary' ? 'summary' : legClass(e.leg));
    const title = `<title>${esc(`${e.leg} session ${e.session}, frame ${e.ref.frame}: ${e.text}`)}</title>`;
    if (e.kind === 'summary') {
      const x0 = X(shown[0]);
      const x1 = X(shown[shown.length - 1]);
      o.push(`<g class="ev sumrow">${title}<text class="lbl sum" x="${(x0 + x1) / 2}" y="${yy + 4}" text-anchor="middle">${esc(clip(e.text, 110))}</text></g>`);
      return;
    }
    if (e.kind === 'body-start' || e.kind === 'body-end') {
      o.push(`<g class="ev ${e.kind}">${title}<text class="lbl body t-${legClass(e.leg)}" x="${mid}" y="${yy + 4}" text-anchor="middle">${esc(clip(e.text, maxChars(e.from, e.to)))}</text></g>`);
      return;
    }
    const dx = xb > xa ? -2 : 2;
    const dash = e.kind === 'close' ? ' dash' : '';
    o.push(`<g class="ev ${e.kind} e-${cls}">${title}<line class="arr s-${cls}${dash}" x1="${xa}" y1="${yy}" x2="${xb + dx}" y2="${yy}" marker-end="url(#sdl-a-${cls})"/>`);
    if (e.kind === 'abort') {
      o.push(`<path class="x s-abort" d="M${xb + dx * 6 - 5},${yy - 5}l10,10m0,-10l-10,10"/>`);
    }
    const room = e.emphasis ? Math.max(maxChars(e.from, e.to), 96) : maxChars(e.from, e.to);
    const label = clip(e.text, room);
    // Keep a wide label inside the drawing and off the time gutter.
    const half = (label.length * 6.3) / 2;
    const lx = Math.min(Math.max(mid, GUTTER + half), W - 4 - half);
    o.push(`<text class="lbl t-${cls}" x="${n1(lx)}" y="${yy - 4}" text-anchor="middle">${esc(label)}</text></g>`);
  });
  if (hidden) o.push(`<text class="lbl sum" x="${W / 2}" y="${y(evs.length) + 4}" text-anchor="middle">${esc(`\u22ef ${hidden} more rows not shown`)}</text>`);
  o.push('</svg>');
  return { svg: o.join('\n'), columns: shown, rows: evs.length, condensed: condensed + hidden };
}

function n1(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

function summaryRow(run: Ev[]): Ev {
  const verbs = [...new Set(run.map((e) => (e.kind === 'cmd' ? e.text.split(' ')[0] : e.kind === 'reply' ? e.text.slice(0, 3) : e.kind.replace('-', ' '))))].slice(0, 6);
  const legs = [...new Set(run.map((e) => e.leg))].join(', ');
  return {
    ref: run[0].ref,
    session: run[0].session,
    leg: legs,
    kind: 'summary',
    from: run[0].from,
    to: run[0].to,
    text: `\u22ef ${run.length} events on the ${legs} (${verbs.join(', ')}) #${run[0].ref.frame}\u2013#${run[run.length - 1].ref.frame}`,
    key: false,
  };
}

function order(k: Kind): number {
  return k === 'body-start' ? 0 : k === 'cmd' ? 1 : k === 'reply' ? 2 : k === 'body-end' ? 3 : k === 'abort' ? 4 : 5;
}

function legClass(leg: string): string {
  if (leg.startsWith('client') || leg.startsWith('sender')) return 'client';
  if (leg.startsWith('server') || leg.startsWith('mail')) return 'server';
  if (leg.startsWith('relay')) return 'relay';
  if (leg.startsWith('notification')) return 'notification';
  return 'session';
}

export const LADDER_CSS = `
.sdl{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:11.5px}
.sdl .bg{fill:var(--panel)}.sdl .head{fill:var(--head);stroke:var(--border)}
.sdl .hname{font-weight:600;font-size:13px;fill:var(--fg)}.sdl .haddr{font-size:11px;fill:var(--muted)}
.sdl .life{stroke:var(--border);stroke-width:1.5;stroke-dasharray:2 3}
.sdl .gut{fill:var(--muted);font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:10.5px}
.sdl .lbl{fill:var(--fg)}.sdl .sum{fill:var(--muted);font-style:italic}.sdl .body{font-style:italic}
.sdl .arr{stroke-width:1.6}.sdl .dash{stroke-dasharray:4 3}.sdl .x{stroke-width:2.5;fill:none}
.sdl .s-client{stroke:var(--c-client)}.sdl .ah-client,.sdl .t-client{fill:var(--c-client)}
.sdl .s-server{stroke:var(--c-server)}.sdl .ah-server,.sdl .t-server{fill:var(--c-server)}
.sdl .s-relay{stroke:var(--c-relay)}.sdl .ah-relay,.sdl .t-relay{fill:var(--c-relay)}
.sdl .s-session{stroke:var(--c-session)}.sdl .ah-session,.sdl .t-session{fill:var(--c-session)}
.sdl .s-notification{stroke:var(--c-notify)}.sdl .ah-notification,.sdl .t-notification{fill:var(--c-notify)}
.sdl .s-abort{stroke:var(--bad)}.sdl .ah-abort,.sdl .t-abort{fill:var(--bad);font-weight:700}
.sdl .s-refusal{stroke:var(--warn)}.sdl .ah-refusal,.sdl .t-refusal{fill:var(--warn);font-weight:700}
.sdl .s-accepted{stroke:var(--good)}.sdl .ah-accepted,.sdl .t-accepted{fill:var(--good);font-weight:600}
.sdl .s-av{stroke:var(--c-relay)}.sdl .ah-av,.sdl .t-av{fill:var(--c-relay);font-weight:700}
.sdl .ah-summary{fill:var(--muted)}
.sdl .band{opacity:.16}.sdl .b-client{fill:var(--c-client)}.sdl .b-server{fill:var(--c-server)}.sdl .b-relay{fill:var(--c-relay)}
.sdl .b-session,.sdl .b-notification{fill:var(--c-session)}
`;
