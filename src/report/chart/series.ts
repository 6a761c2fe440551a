// The splice timing chart's data: cumulative message bytes over time on each leg of the key dialogue. Pure.

import type { AnalysisDocument, SessionSummary } from '../../analysis/types.js';
import type { SegmentRef } from '../../reassembly/types.js';
import type { SmtpReply, SmtpSession, SmtpTransaction } from '../../smtp/types.js';
import { spliceAbortOf } from '../../topology/abort.js';
import { replyLine } from '../../topology/hostav.js';

export type ChartLegKind = 'client' | 'server' | 'relay' | 'session';

export interface ChartPoint {
  /** Seconds from the dialogue start (the first SYN or packet of any of its legs). */
  t: number;
  /** Cumulative body bytes on the wire up to and including this frame. */
  bytes: number;
  frame: number;
}

export interface ChartLeg {
  leg: ChartLegKind;
  /** 'client leg', 'server leg', 'relay leg', 'sender-side leg', 'mail-side leg', 'SMTP session'. */
  label: string;
  session: number;
  /** 1-based transaction number within the session (as in the document), or null when the leg carried none. */
  transaction: number | null;
  transactions: number;
  method: 'DATA' | 'BDAT' | null;
  points: ChartPoint[];
  /** The end-of-data marker ('.' or BDAT LAST) if seen. */
  endOfData: ChartPoint | null;
  /** Body bytes on the wire (all of them, even when `points` was thinned). */
  wireBytes: number;
  outcome: string | null;
}

export type ChartMarkerKind = 'abort' | 'refusal' | 'accepted' | 'mail-reply' | 'notification';

export interface ChartMarker {
  kind: ChartMarkerKind;
  leg: ChartLegKind | 'notification';
  session: number;
  t: number;
  frame: number;
  /** Short text as it should read on the chart (a reply line, 'RST by FortiGate after 4284 bytes'). Unescaped. */
  label: string;
}

export interface ChartData {
  /** Key dialogue id from the document (null when the key session stands alone). */
  dialogue: number | null;
  /** Time origin: the dialogue's first packet, as the document prints times (ISO or '+S.uuuuuus'). */
  start: string | null;
  startTs: { tsSec: number; tsNsec: number } | null;
  legs: ChartLeg[];
  markers: ChartMarker[];
  /**
   * What the curves show: 'streaming' (server-leg body before the client's end-of-data, or part of a message forwarded
   * and then cut off, which a store-and-forward proxy never does), 'buffered', or 'unknown' (one leg only).
   */
  shape: 'streaming' | 'buffered' | 'unknown';
  /** The server leg's first body byte came before the client leg's end-of-data: the curves rise together. */
  interleaved: boolean;
}

/** The legs of the document's key dialogue (the one its timeline and critical findings are about). */
export interface KeyDialogue {
  id: number | null;
  client: SessionSummary | null;
  server: SessionSummary | null;
  relays: SessionSummary[];
  notifications: SessionSummary[];
  /** Unpaired sessions of the dialogue (a lone leg whose side is unknown). */
  others: SessionSummary[];
}

export function keyDialogueOf(doc: AnalysisDocument, seedSession?: number): KeyDialogue | null {
  if (doc.sessions.length === 0) return null;
  const byId = new Map(doc.sessions.map((s) => [s.id, s]));
  const firstCritical = doc.findings.find((f) => f.severity === 'critical' && f.sessions.length) ?? doc.findings.find((f) => f.sessions.length);
  const seed =
    byId.get(seedSession ?? -1) ?? byId.get(doc.timeline[0]?.session ?? -1) ?? byId.get(firstCritical?.sessions[0] ?? -1) ?? doc.sessions[0];
  const members = seed.dialogue === null ? [seed] : doc.sessions.filter((s) => s.dialogue === seed.dialogue);
  const kd: KeyDialogue = { id: seed.dialogue, client: null, server: null, relays: [], notifications: [], others: [] };
  for (const s of members) {
    if (s.leg === 'client' && !kd.client) kd.client = s;
    else if (s.leg === 'server' && !kd.server) kd.server = s;
    else if (s.leg === 'relay') kd.relays.push(s);
    else if (s.leg === 'notification') kd.notifications.push(s);
    else kd.others.push(s);
  }
  // Notifications about this dialogue that topology kept in a dialogue of their own: tie them back by peer.
  const mine = new Set(members.map((s) => s.id));
  for (const s of doc.sessions) {
    if (s.leg === 'notification' && !mine.has(s.id) && s.peer !== null && mine.has(s.peer)) kd.notifications.push(s);
  }
  return kd;
}

export function legLabel(s: SessionSummary): string {
  switch (s.leg) {
    case 'client':
      return s.peer === null ? 'sender-side leg' : 'client leg';
    case 'server':
      return s.peer === null ? 'mail-side leg' : 'server leg';
    case 'relay':
      return 'relay leg';
    case 'notification':
      return 'notification';
    default:
      return 'SMTP session';
  }
}

function ts(r: { tsSec: number; tsNsec: number }): number {
  // Seconds as a float relative to an origin is computed in `rel`; this is only for ordering.
  return r.tsSec + r.tsNsec / 1e9;
}

function cmp(a: { tsSec: number; tsNsec: number }, b: { tsSec: number; tsNsec: number }): number {
  return a.tsSec - b.tsSec || a.tsNsec - b.tsNsec;
}

/** Which transactions of each leg the chart and the ladder focus on: the aborted one, else the first with a body. */
export interface KeyTransactions {
  server: SmtpTransaction | null;
  client: SmtpTransaction | null;
  relays: Map<number, SmtpTransaction | null>;
}

function sameMessage(a: SmtpTransaction, b: SmtpTransaction): boolean {
  const ma = a.message?.messageId;
  if (ma && ma === b.message?.messageId) return true;
  if (a.prefixSha256 && a.prefixSha256 === b.prefixSha256) return true;
  return false;
}

function focusOf(s: SmtpSession): SmtpTransaction | null {
  return (
    s.transactions.find((t) => spliceAbortOf(s, t) !== null) ??
    s.transactions.find((t) => t.outcome === 'aborted' && t.body.first) ??
    s.transactions.find((t) => t.outcome === 'rejected' && t.body.first) ??
    s.transactions.find((t) => t.body.first) ??
    s.transactions[0] ??
    null
  );
}

/** The counterpart of `t` on another leg: same Message-ID or message prefix, else the closest by start time. */
function counterpart(t: SmtpTransaction | null, other: SmtpSession | null): SmtpTransaction | null {
  if (!other || other.transactions.length === 0) return null;
  if (!t) return focusOf(other);
  const same = other.transactions.find((x) => sameMessage(t, x));
  if (same) return same;
  const envelope = other.transactions.find((x) => x.mailFrom === t.mailFrom && x.rcptTo.join() === t.rcptTo.join());
  if (envelope) return envelope;
  let best: SmtpTransaction | null = null;
  for (const x of other.transactions) if (!best || Math.abs(ts(x.start) - ts(t.start)) < Math.abs(ts(best.start) - ts(t.start))) best = x;
  return best;
}

export function keyTransactions(kd: KeyDialogue, sessions: ReadonlyMap<number, SmtpSession>): KeyTransactions {
  const server = kd.server ? sessions.get(kd.server.id) ?? null : null;
  const client = kd.client ? sessions.get(kd.client.id) ?? null : null;
  let st = server ? focusOf(server) : null;
  let ct: SmtpTransaction | null;
  if (st) ct = counterpart(st, client);
  else {
    ct = client ? focusOf(client) : null;
    st = counterpart(ct, server);
  }
  const relays = new Map<number, SmtpTransaction | null>();
  for (const r of kd.relays) relays.set(r.id, counterpart(st ?? ct, sessions.get(r.id) ?? null));
  return { server: st, client: ct, relays };
}

/**
 * Per leg of the key dialogue, the cumulative body bytes of its key transaction over time (seconds from the
 * dialogue start), and the markers that explain the picture: the abort, FortiGate's refusal to the sender, the mail
 * side's replies after the body, and notifications. `sessions` are the pipeline's sessions (ids as in the document).
 */
export function chartSeries(doc: AnalysisDocument, sessions: readonly SmtpSession[], seedSession?: number): ChartData {
  const data = seriesOf(doc, sessions, seedSession);
  if (seedSession !== undefined) return data;
  // The key dialogue may not be the one that shows the splice mode the document reports (a small clean message can
  // leave FortiGate's buffer before the sender's '.'); then chart the dialogue the splice finding cites, so the
  // picture never contradicts the verdict.
  const streaming = doc.findings.find((f) => f.ruleId === 'splice.streaming');
  const buffered = doc.findings.find((f) => f.ruleId === 'splice.buffered');
  const want = streaming ? 'streaming' : buffered ? 'buffered' : null;
  if (want === null || data.shape === want) return data;
  for (const id of (streaming ?? buffered)!.sessions) {
    const other = seriesOf(doc, sessions, id);
    if (other.shape === want) return other;
  }
  return data;
}

function seriesOf(doc: AnalysisDocument, sessions: readonly SmtpSession[], seedSession?: number): ChartData {
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const kd = keyDialogueOf(doc, seedSession);
  const empty: ChartData = { dialogue: null, start: null, startTs: null, legs: [], markers: [], shape: 'unknown', interleaved: false };
  if (!kd) return empty;
  const members: Array<{ sum: SessionSummary; s: SmtpSession }> = [];
  for (const sum of [kd.client, kd.server, ...kd.relays, ...kd.others, ...kd.notifications]) {
    const s = sum ? byId.get(sum.id) : undefined;
    if (sum && s) members.push({ sum, s });
  }
  if (members.length === 0) return empty;
  let origin: SegmentRef = members[0].s.start;
  for (const m of members) if (cmp(m.s.start, origin) < 0) origin = m.s.start;
  const rel = (r: { tsSec: number; tsNsec: number }): number => r.tsSec - origin.tsSec + (r.tsNsec - origin.tsNsec) / 1e9;
  const keys = keyTransactions(kd, byId);

  const legs: ChartLeg[] = [];
  const markers: ChartMarker[] = [];
  const legOf = (sum: SessionSummary): ChartLegKind => (sum.leg === 'client' || sum.leg === 'server' || sum.leg === 'relay' ? sum.leg : 'session');
  const addLeg = (sum: SessionSummary, s: SmtpSession, t: SmtpTransaction | null): void => {
    const leg = legOf(sum);
    // Stream order; out-of-order segments count once the hole before them is filled (running max of time and frame).
    const points: ChartPoint[] = [];
    let late: { t: number; frame: number } | null = null;
    for (const p of t ? t.body.points : []) {
      const tp = rel(p);
      if (!late || tp > late.t || (tp === late.t && p.frame > late.frame)) late = { t: tp, frame: p.frame };
      points.push({ t: late.t, bytes: p.bytes, frame: late.frame });
    }
    const eod = t?.body.endOfData ? { t: rel(t.body.endOfData), bytes: t.body.wireBytes, frame: t.body.endOfData.frame } : null;
    legs.push({
      leg,
      label: legLabel(sum),
      session: s.id,
      transaction: t ? t.index + 1 : null,
      transactions: s.transactions.length,
      method: t?.method ?? null,
      points,
      endOfData: eod,
      wireBytes: t?.body.wireBytes ?? 0,
      outcome: t?.outcome ?? null,
    });
    if (!t) return;
    const firstBody = t.body.first;
    const abort = spliceAbortOf(s, t) ?? t.abort ?? null;
    if (abort && (abort.how === 'rst' || abort.how === 'fin' || abort.how === 'reply' || abort.bodyBytesSent > 0)) {
      const who = abort.by === 'client' ? (leg === 'server' ? 'FortiGate' : leg === 'relay' ? 'host AV' : 'client') : abort.by === 'server' ? 'server' : 'unknown side';
      const what = abort.how === 'reply' && abort.reply ? `${abort.reply.code} ${abort.reply.text}` : abort.how.toUpperCase();
      markers.push({ kind: 'abort', leg, session: s.id, t: rel(abort.ref), frame: abort.ref.frame, label: `${what} by ${who} after ${abort.bodyBytesSent} body bytes, no end-of-data` });
    }
    const fr = t.finalReply;
    if (fr) {
      if (leg === 'client' && fr.code >= 400) {
        markers.push({ kind: 'refusal', leg, session: s.id, t: rel(fr), frame: fr.frame, label: `refused to the sender: ${replyLine(fr)}` });
      } else if (fr.code < 400 && t.body.endOfData) {
        const to = leg === 'client' ? 'to the sender' : leg === 'relay' ? 'relay leg' : 'from the mail side';
        markers.push({ kind: 'accepted', leg, session: s.id, t: rel(fr), frame: fr.frame, label: `${replyLine(fr)} (${to})` });
      } else if (fr.code >= 400) {
        markers.push({ kind: 'mail-reply', leg, session: s.id, t: rel(fr), frame: fr.frame, label: replyLine(fr) });
      }
    }
    // The mail side answering after the body started (e.g. a host AV's virus reply after FortiGate's FIN).
    if (leg !== 'client' && firstBody) {
      for (const r of s.replies as SmtpReply[]) {
        if (r === fr || r.code < 400 || r.frame < firstBody.frame) continue;
        if (markers.some((m) => m.session === s.id && m.frame === r.frame)) continue;
        markers.push({ kind: 'mail-reply', leg, session: s.id, t: rel(r), frame: r.frame, label: replyLine(r) });
        if (markers.length > 64) break;
      }
    }
  };
  const pairs: Array<[SessionSummary | null, SmtpTransaction | null]> = [
    [kd.client, keys.client],
    [kd.server, keys.server],
    ...kd.relays.map((r): [SessionSummary, SmtpTransaction | null] => [r, keys.relays.get(r.id) ?? null]),
    ...kd.others.map((o): [SessionSummary, SmtpTransaction | null] => [o, focusOf(byId.get(o.id)!)]),
  ];
  for (const [sum, t] of pairs) {
    const s = sum ? byId.get(sum.id) : undefined;
    if (sum && s) addLeg(sum, s, t);
  }
  for (const n of kd.notifications) {
    const s = byId.get(n.id);
    if (!s) continue;
    const t = s.transactions[0];
    const ref = t?.start ?? s.start;
    const subject = t?.message?.subject;
    markers.push({
      kind: 'notification',
      leg: 'notification',
      session: s.id,
      t: rel(ref),
      frame: ref.frame,
      label: `notification mail${subject ? ` "${subject}"` : ''} to ${s.server.ip}`,
    });
  }
  markers.sort((a, b) => a.t - b.t || a.frame - b.frame);
  return {
    dialogue: kd.id,
    start: doc.sessions.find((x) => x.id === members.find((m) => m.s.start === origin)?.sum.id)?.start ?? null,
    startTs: { tsSec: origin.tsSec, tsNsec: origin.tsNsec },
    legs,
    markers,
    shape: shapeOf(legs),
    interleaved: interleaved(legs),
  };
}

/** Streaming when the server leg's first body byte precedes the client leg's end-of-data (or its last byte). */
export function shapeOf(legs: readonly ChartLeg[]): ChartData['shape'] {
  const c = legs.find((l) => l.leg === 'client');
  const s = legs.find((l) => l.leg === 'server');
  if (!c || !s || c.points.length === 0 || s.points.length === 0) return 'unknown';
  if (interleaved(legs)) return 'streaming';
  // Part of a message forwarded and then cut off: only a streaming proxy does that.
  return s.endOfData === null && s.outcome !== 'accepted' ? 'streaming' : 'buffered';
}

function interleaved(legs: readonly ChartLeg[]): boolean {
  const c = legs.find((l) => l.leg === 'client');
  const s = legs.find((l) => l.leg === 'server');
  if (!c || !s || c.points.length === 0 || s.points.length === 0) return false;
  const clientEnd = c.endOfData ?? c.points[c.points.length - 1];
  // Frame order is the capture point's own order: it wins over clocks that tick coarsely.
  return s.points[0].frame < clientEnd.frame;
}
