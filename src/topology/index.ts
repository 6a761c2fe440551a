// Groups SMTP sessions into dialogues (client leg, server leg, relay legs, notifications) and assigns host roles.

import type { LegRole } from '../analysis/types.js';
import { spliceAbortOf } from './abort.js';
import type { SmtpSession, SmtpTransaction } from '../smtp/types.js';
import {
  greetingLines,
  isAvHintText,
  isAvProxyText,
  isAvVirusReply,
  isFortigateStyleRefusal,
  isVirusReply,
  replyLine,
  senderRefusal,
  virusWords,
} from './hostav.js';
import {
  before,
  endpointText,
  frameBefore,
  hostMatches,
  interfaceSide,
  isLoopback,
  MATCH_WEIGHT,
  matchSessions,
  normIp,
  sameIp,
  seconds,
} from './match.js';
import type {
  Dialogue,
  HostAvSignal,
  Leg,
  Notification,
  Relay,
  RoleGuess,
  Side,
  Topology,
  TopologyOverrides,
  TxPair,
} from './types.js';

export type * from './types.js';
export { parseHostSpec } from './match.js';

/** How long after its upstream leg ended a relay leg may still start (a host AV delivering a cleaned copy). */
const RELAY_SLACK_S = 300;
/** A proxy's server leg starts while the client leg is open (both legs come from one capture point). */
const PAIR_SLACK_S = 0;
/** Notifications: how long after the original they may come. */
const NOTIFY_WINDOW_S = 3600;

export function buildTopology(sessions: readonly SmtpSession[], overrides: TopologyOverrides = {}): Topology {
  // One function per phase: each is small enough to be optimised on its own (one large function was compiled and
  // thrown away up to five times per worker as later phases ran for the first time: ~80 ms of compiler work each).
  const byId = new Map(sessions.map((s) => [s.id, s]));
  const legs = new Map<number, Leg>();
  const relayOf = findRelays(sessions);
  const pairOrder = proxyPairs(sessions, relayOf, overrides);
  const { dialogues, dialogueOf } = dialoguesOf(sessions, relayOf, pairOrder, legs, overrides);
  attachRelays(relayOf, dialogueOf, dialogues, legs);
  const notifications = attachNotifications(sessions, legs, dialogues, byId);
  // Dense ids 1..n in order after removals.
  const renumber = new Map(dialogues.map((x, i) => [x.id, i + 1]));
  for (const x of dialogues) x.id = renumber.get(x.id)!;
  for (const l of legs.values()) if (l.dialogue !== null) l.dialogue = renumber.get(l.dialogue) ?? null;

  // 5. Host AV signals per dialogue, shared between dialogues that reach the same mail host.
  collectHostAv(dialogues, legs, overrides);

  const roles = assignRoles(dialogues, overrides);
  return { legs, dialogues, notifications, roles, overrides };
}

type PairOrder = Array<{ client: SmtpSession; server: SmtpSession; reasons: string[]; pairs: TxPair[] }>;

/**
 * 1. Relay legs: the mail host hands the same message to a local SMTP program. Candidates come from an index of
 * sessions by server address (the upstream leg's server is the relay's client host), not from all pairs.
 */
function findRelays(sessions: readonly SmtpSession[]): Map<number, Relay> {
  const relayOf = new Map<number, Relay>();
  const byServerIp = new Map<string, SmtpSession[]>();
  for (const x of sessions) {
    const k = normIp(x.server.ip);
    const list = byServerIp.get(k);
    if (list) list.push(x);
    else byServerIp.set(k, [x]);
  }
  for (const b of sessions) {
    const loop = isLoopback(b.client.ip);
    if (!loop && !isLoopback(b.server.ip) && !byServerIp.has(normIp(b.client.ip))) continue;
    const pool = loop ? sessions : [...(byServerIp.get(normIp(b.client.ip)) ?? []), ...(byServerIp.get(normIp(b.server.ip)) ?? [])];
    let best: { a: SmtpSession; pairs: TxPair[]; score: number } | null = null;
    for (const a of pool) {
      if (a === b || relayOf.get(a.id)?.upstream === b) continue;
      if (!before(a.start, b.start) && !(a.start.frame === b.start.frame && a.id < b.id)) continue;
      if (seconds(a.end, b.start) > RELAY_SLACK_S) continue;
      if (!isRelayShape(a, b)) continue;
      const m = matchSessions(a, b);
      // Without a message in common (nothing was sent, or all was refused), a relay-shaped connection opened
      // while the upstream leg was open is still the AV proxy's hop to the local SMTP program.
      if (m.length === 0 && !(seconds(b.start, a.end) >= 0 && b.transactions.length === 0)) continue;
      const score = m.reduce((n, x) => n + MATCH_WEIGHT[x.by], 0);
      if (!best || score > best.score || (score === best.score && before(best.a.start, a.start))) {
        best = { a, score, pairs: m.map((x) => ({ up: { session: a, tx: x.up }, down: { session: b, tx: x.down }, by: x.by })) };
      }
    }
    if (best) relayOf.set(b.id, { session: b, upstream: best.a, pairs: best.pairs });
  }
  return relayOf;
}

/**
 * 2. Proxy pairs among the sessions that are not relay legs: same message on two connections, overlapping in time.
 * Only sessions that share a key (Message-ID, body prefix, envelope, 4-tuple, HELO) and overlap are compared.
 */
function proxyPairs(sessions: readonly SmtpSession[], relayOf: Map<number, Relay>, overrides: TopologyOverrides): PairOrder {
  const candidates: Array<{ a: SmtpSession; b: SmtpSession; score: number; pairs: Array<{ up: SmtpTransaction; down: SmtpTransaction; by: TxPair['by'] }> }> = [];
  const free = sessions.filter((s) => !relayOf.has(s.id));
  const seen = new Set<string>();
  for (const bucket of pairBuckets(free)) {
    bucket.sort((x, y) => (before(x.start, y.start) ? -1 : before(y.start, x.start) ? 1 : x.id - y.id));
    for (let i = 0; i < bucket.length; i++) {
      for (let j = i + 1; j < bucket.length; j++) {
        const a = bucket[i];
        const b = bucket[j];
        if (seconds(a.end, b.start) > PAIR_SLACK_S) break; // sorted by start: later ones start after a ended
        const key = a.id < b.id ? `${a.id}:${b.id}` : `${b.id}:${a.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const [x, y] = a.id < b.id ? [a, b] : [b, a];
        if (!overlaps(x, y)) continue;
        const m = matchSessions(x, y);
        let score = m.reduce((n, z) => n + MATCH_WEIGHT[z.by], 0) * 1000;
        if (m.length === 0) {
          // No message in common (e.g. FortiGate never forwarded a refused message): the same 4-tuple on two
          // connections at once is a transparent proxy's two legs; the same HELO name at once is a weaker hint.
          if (sameTuple(x, y)) score = 500;
          else if (x.helo && x.helo === y.helo && !sameIp(x.server.ip, y.server.ip)) score = 300;
          else continue;
        }
        score -= Math.min(99, Math.abs(seconds(x.start, y.start)));
        candidates.push({ a: x, b: y, score, pairs: m });
      }
    }
  }
  candidates.sort((x, y) => y.score - x.score || x.a.id - y.a.id || x.b.id - y.b.id);
  const paired = new Set<number>();
  const pairOrder: PairOrder = [];
  for (const c of candidates) {
    if (paired.has(c.a.id) || paired.has(c.b.id)) continue;
    paired.add(c.a.id);
    paired.add(c.b.id);
    const o = orient(c.a, c.b, c.pairs, overrides);
    const flip = o.client !== c.a;
    const pairs: TxPair[] = c.pairs.map((x) => {
      const ra = { session: c.a, tx: x.up };
      const rb = { session: c.b, tx: x.down };
      return flip ? { up: rb, down: ra, by: x.by } : { up: ra, down: rb, by: x.by };
    });
    pairOrder.push({ client: o.client, server: o.server, reasons: o.reasons, pairs });
  }
  return pairOrder;
}

/** 3. Dialogues in order of first session; lone legs get a side. */
function dialoguesOf(
  sessions: readonly SmtpSession[],
  relayOf: Map<number, Relay>,
  pairOrder: PairOrder,
  legs: Map<number, Leg>,
  overrides: TopologyOverrides,
): { dialogues: Dialogue[]; dialogueOf: Map<number, Dialogue> } {
  const dialogues: Dialogue[] = [];
  const pairOf = new Map<number, (typeof pairOrder)[number]>();
  for (const q of pairOrder) {
    pairOf.set(q.client.id, q);
    pairOf.set(q.server.id, q);
  }
  const relayUpstreams = new Set([...relayOf.values()].map((r) => r.upstream.id));
  const dialogueOf = new Map<number, Dialogue>();
  const firsts = [...sessions].sort((x, y) => x.id - y.id);
  for (const s of firsts) {
    if (relayOf.has(s.id) || dialogueOf.has(s.id)) continue;
    const p = pairOf.get(s.id);
    const d: Dialogue = {
      id: dialogues.length + 1,
      client: null,
      server: null,
      pairs: [],
      relays: [],
      notifications: [],
      transparent: null,
      lone: null,
      reasons: [],
      hostAv: [],
    };
    if (p) {
      d.client = p.client;
      d.server = p.server;
      d.pairs = p.pairs;
      d.reasons = p.reasons;
      d.transparent =
        sameIp(p.client.client.ip, p.server.client.ip) &&
        sameIp(p.client.server.ip, p.server.server.ip) &&
        p.client.client.port === p.server.client.port &&
        p.client.server.port === p.server.server.port;
      dialogueOf.set(p.client.id, d);
      dialogueOf.set(p.server.id, d);
      legs.set(p.client.id, { session: p.client, role: 'client', side: 'sender', dialogue: d.id, peer: p.server.id, reasons: p.reasons });
      legs.set(p.server.id, { session: p.server, role: 'server', side: 'mail', dialogue: d.id, peer: p.client.id, reasons: p.reasons });
    } else {
      const hasRelay = relayUpstreams.has(s.id);
      const g = guessSide(s, hasRelay, overrides);
      d.lone = g.side;
      d.reasons = g.reasons;
      if (g.side === 'sender') d.client = s;
      else d.server = s;
      dialogueOf.set(s.id, d);
      const role: LegRole = g.side === 'sender' ? 'client' : g.side === 'mail' ? 'server' : 'unpaired';
      legs.set(s.id, { session: s, role, side: g.side, dialogue: d.id, peer: null, reasons: g.reasons });
    }
    dialogues.push(d);
  }
  return { dialogues, dialogueOf };
}

/** Relay chains: attach each relay to the dialogue of its (transitive) upstream. */
function attachRelays(relayOf: Map<number, Relay>, dialogueOf: Map<number, Dialogue>, dialogues: Dialogue[], legs: Map<number, Leg>): void {
  const relays = [...relayOf.values()].sort((x, y) => x.session.id - y.session.id);
  for (let pass = 0; pass < 4; pass++) {
    for (const r of relays) {
      if (dialogueOf.has(r.session.id)) continue;
      const d = dialogueOf.get(r.upstream.id);
      if (!d) continue;
      d.relays.push(r);
      dialogueOf.set(r.session.id, d);
      legs.set(r.session.id, {
        session: r.session,
        role: 'relay',
        side: 'mail',
        dialogue: d.id,
        peer: r.upstream.id,
        reasons: [
          `${endpointText(r.session.client)} -> ${endpointText(r.session.server)} ${r.pairs.length ? `carries the same message as session ${r.upstream.id} (${r.pairs[0].by})` : `opened while session ${r.upstream.id} was open`}` +
            (isLoopback(r.session.server.ip) ? ' to a loopback address' : ' to another port of the same host'),
        ],
      });
    }
  }
  for (const r of relays) {
    if (!legs.has(r.session.id)) {
      // A relay cycle (should not happen): keep it visible as its own dialogue.
      const d: Dialogue = { id: dialogues.length + 1, client: null, server: r.session, pairs: [], relays: [], notifications: [], transparent: null, lone: 'mail', reasons: ['relay without an upstream dialogue'], hostAv: [] };
      dialogues.push(d);
      legs.set(r.session.id, { session: r.session, role: 'unpaired', side: 'mail', dialogue: d.id, peer: null, reasons: d.reasons });
    }
  }
}

/** 4. Notifications about aborted or refused messages. */
function attachNotifications(
  sessions: readonly SmtpSession[],
  legs: Map<number, Leg>,
  dialogues: Dialogue[],
  byId: Map<number, SmtpSession>,
): Notification[] {
  const notifications = findNotifications(sessions, legs, dialogues, byId);
  for (const n of notifications) {
    const d = dialogues.find((x) => x.id === legs.get(n.about.session.id)?.dialogue);
    d?.notifications.push(n);
    const leg = legs.get(n.ref.session.id);
    if (leg && leg.role !== 'relay' && n.ref.session.transactions.every((t) => notifications.some((m) => m.ref.tx === t))) {
      leg.role = 'notification';
      leg.peer = n.about.session.id;
      // A lone notification session belongs to the dialogue it is about, not to one of its own.
      const own = dialogues.find((x) => x.id === leg.dialogue);
      if (d && own && own !== d && own.lone !== null && (own.client ?? own.server) === n.ref.session) {
        dialogues.splice(dialogues.indexOf(own), 1);
        leg.dialogue = d.id;
      }
    }
  }
  return notifications;
}

/** b looks like a mail host handing a message to its own SMTP program: loopback, or the same host on another port. */
function isRelayShape(a: SmtpSession, b: SmtpSession): boolean {
  const fromMailHost = sameIp(b.client.ip, a.server.ip) || isLoopback(b.client.ip);
  if (!fromMailHost) return false;
  // The same server endpoint again is another session to the same program, not a hop behind it.
  if (sameIp(b.server.ip, a.server.ip) && b.server.port === a.server.port) return false;
  return isLoopback(b.server.ip) || sameIp(b.server.ip, a.server.ip);
}

/** RFC 1918, shared (RFC 6598) and unique-local IPv6 addresses. */
export function isPrivate(ip: string): boolean {
  const v = ip.toLowerCase();
  const m = /^(\d+)\.(\d+)\./.exec(v);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  return /^f[cd][0-9a-f]{2}:/.test(v);
}

function lowerAddr(a: string | undefined): string {
  return (a ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
}

/** Sessions grouped by what two legs of one proxied dialogue share. */
function pairBuckets(sessions: readonly SmtpSession[]): SmtpSession[][] {
  const buckets = new Map<string, SmtpSession[]>();
  const add = (k: string, s: SmtpSession) => {
    const list = buckets.get(k);
    if (!list) buckets.set(k, [s]);
    else if (list[list.length - 1] !== s) list.push(s);
  };
  for (const s of sessions) {
    for (const t of s.transactions) {
      const mid = t.message?.messageId?.trim();
      if (mid) add(`m:${mid}`, s);
      if (t.prefixSha256 && t.body.bytes > 0) add(`p:${t.prefixSha256}`, s);
      if (t.mailFrom !== undefined) for (const r of t.rcptTo) add(`e:${lowerAddr(t.mailFrom)}>${lowerAddr(r)}`, s);
    }
    add(`t:${normIp(s.client.ip)}|${s.client.port}|${normIp(s.server.ip)}|${s.server.port}`, s);
    if (s.helo) add(`h:${s.helo}`, s);
  }
  return [...buckets.values()].filter((b) => b.length > 1);
}

function sameTuple(a: SmtpSession, b: SmtpSession): boolean {
  return sameIp(a.client.ip, b.client.ip) && sameIp(a.server.ip, b.server.ip) && a.client.port === b.client.port && a.server.port === b.server.port;
}

function overlaps(a: SmtpSession, b: SmtpSession): boolean {
  return seconds(a.start, b.end) >= -PAIR_SLACK_S && seconds(b.start, a.end) >= -PAIR_SLACK_S;
}

/** Which of two paired sessions is the client leg (sender -> FortiGate)? Votes, strongest first. */
function orient(
  a: SmtpSession,
  b: SmtpSession,
  pairs: Array<{ up: SmtpTransaction; down: SmtpTransaction }>,
  ov: TopologyOverrides,
): { client: SmtpSession; server: SmtpSession; reasons: string[] } {
  let vote = 0; // > 0: a is the client leg
  const why: string[] = [];
  const fg = ov.fortigate;
  if (fg) {
    const aToFg = sameIp(a.server.ip, fg.ip) || sameIp(b.client.ip, fg.ip);
    const bToFg = sameIp(b.server.ip, fg.ip) || sameIp(a.client.ip, fg.ip);
    if (aToFg !== bToFg) {
      vote += aToFg ? 100 : -100;
      why.push(`--fortigate ${fg.ip}: the sender connects to it`);
    }
  }
  for (const spec of [ov.mailServer, ov.hostAv]) {
    if (!spec) continue;
    const am = hostMatches(spec, a.server);
    const bm = hostMatches(spec, b.server);
    if (am !== bm) {
      vote += am ? -100 : 100;
      why.push(`the stated mail-side address ${spec.ip} is the server of one leg only`);
    }
  }
  let cmdVotes = 0;
  let bodyVotes = 0;
  let refusal = 0;
  for (const p of pairs) {
    if (p.up.start.frame !== p.down.start.frame) cmdVotes += frameBefore(p.up.start, p.down.start) ? 1 : -1;
    const fu = p.up.body.first;
    const fd = p.down.body.first;
    if (fu && fd && fu.frame !== fd.frame) bodyVotes += frameBefore(fu, fd) ? 1 : -1;
    const refusedA = p.up.finalReply && isFortigateStyleRefusal(p.up.finalReply) && p.down.outcome !== 'rejected';
    const refusedB = p.down.finalReply && isFortigateStyleRefusal(p.down.finalReply) && p.up.outcome !== 'rejected';
    if (refusedA && !refusedB) refusal++;
    if (refusedB && !refusedA) refusal--;
  }
  // Without matched transactions (a capture that started mid-session), who got FortiGate's refusal and who got
  // the AV's own virus reply still tell the legs apart.
  if (pairs.length === 0) {
    const ra = senderRefusal(a) !== null;
    const rb = senderRefusal(b) !== null;
    if (ra !== rb) {
      refusal += ra ? 1 : -1;
    }
    const va = a.replies.some((r) => isAvVirusReply(r));
    const vb = b.replies.some((r) => isAvVirusReply(r));
    if (va !== vb) {
      vote += va ? -3 : 3;
      why.push('the host AV\'s own virus reply came on the server leg');
    }
  }
  if (cmdVotes) why.push(`MAIL FROM reached the ${cmdVotes > 0 ? 'first' : 'second'} session first (FortiGate forwards what the sender sent)`);
  if (bodyVotes) why.push('the message body appeared on the client leg first');
  if (refusal) why.push('the sender was refused with a FortiGate-style reply while the mail side was cut off');
  vote += 4 * Math.sign(cmdVotes) + 3 * Math.sign(bodyVotes) + 3 * Math.sign(refusal);
  const sa = interfaceSide(a.interfaceName);
  const sb = interfaceSide(b.interfaceName);
  if (sa && sb && sa !== sb) {
    vote += sa === 'wan' ? 2 : -2;
    why.push(`interfaces ${a.interfaceName} / ${b.interfaceName}`);
  }
  if (vote === 0 && a.start.frame !== b.start.frame) {
    vote = frameBefore(a.start, b.start) ? 1 : -1;
    why.push('the client leg started first');
  }
  const [client, server] = vote >= 0 ? [a, b] : [b, a];
  const fp = fingerprintDiff(client, server);
  if (fp) why.push(fp);
  return { client, server, reasons: why };
}

/** What tells two legs with the same addresses apart (transparent mode). */
function fingerprintDiff(c: SmtpSession, s: SmtpSession): string | null {
  const parts: string[] = [];
  if (c.interfaceName && s.interfaceName && c.interfaceName !== s.interfaceName) parts.push(`interface ${c.interfaceName} vs ${s.interfaceName}`);
  if (c.tcp.clientTtl !== undefined && s.tcp.clientTtl !== undefined && c.tcp.clientTtl !== s.tcp.clientTtl) parts.push(`client TTL ${c.tcp.clientTtl} vs ${s.tcp.clientTtl}`);
  if (c.tcp.clientMss !== undefined && s.tcp.clientMss !== undefined && c.tcp.clientMss !== s.tcp.clientMss) parts.push(`MSS ${c.tcp.clientMss} vs ${s.tcp.clientMss}`);
  if (c.tcp.clientIsn !== undefined && s.tcp.clientIsn !== undefined && c.tcp.clientIsn !== s.tcp.clientIsn) parts.push(`ISN ${c.tcp.clientIsn} vs ${s.tcp.clientIsn}`);
  if (parts.length === 0) return null;
  return `legs told apart by ${parts.join(', ')}`;
}

/** Where a lone leg was captured: toward the mail side, or the sender's side. */
function guessSide(s: SmtpSession, hasRelay: boolean, ov: TopologyOverrides): { side: Side; reasons: string[] } {
  if (ov.fortigate) {
    if (sameIp(s.server.ip, ov.fortigate.ip)) return { side: 'sender', reasons: [`its server is the stated FortiGate ${ov.fortigate.ip}`] };
    if (sameIp(s.client.ip, ov.fortigate.ip)) return { side: 'mail', reasons: [`its client is the stated FortiGate ${ov.fortigate.ip}`] };
  }
  for (const [flag, spec] of [['--mail-server', ov.mailServer], ['--host-av', ov.hostAv]] as const) {
    if (spec && hostMatches(spec, s.server) && !ov.fortigate) return { side: 'mail', reasons: [`its server is the stated ${flag} ${spec.ip}`] };
  }
  if (hasRelay) return { side: 'mail', reasons: ['the mail host relays its messages onward (a relay leg follows)'] };
  for (const t of s.transactions) {
    if (spliceAbortOf(s, t)) {
      return { side: 'mail', reasons: [`transaction ${t.index + 1} was cut off mid-body by the client, as FortiGate cuts the server leg`] };
    }
  }
  // An AV's own virus reply comes from the mail side; its banner does not tell (FortiGate relays the greeting).
  const avReply = s.replies.find((r) => isAvVirusReply(r));
  if (avReply) return { side: 'mail', reasons: [`a host AV answers on it: "${replyLine(avReply)}"`] };
  const refusal = senderRefusal(s);
  if (refusal) return { side: 'sender', reasons: [`a message was refused after its body with "${replyLine(refusal)}", as FortiGate refuses the sender`] };
  const side = interfaceSide(s.interfaceName);
  if (side === 'wan') return { side: 'sender', reasons: [`captured on ${s.interfaceName}`] };
  if (side === 'lan') return { side: 'mail', reasons: [`captured on ${s.interfaceName}`] };
  return { side: 'unknown', reasons: ['no second leg and nothing tells which side of a FortiGate it was captured on'] };
}

function txText(t: SmtpTransaction): string {
  const m = t.message;
  if (!m) return '';
  return [m.subject ?? '', m.textExcerpt ?? '', m.from ?? '', ...(m.to ?? [])].join('\n');
}

function addr(a: string | undefined): string {
  return (a ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
}

function findNotifications(
  sessions: readonly SmtpSession[],
  legs: Map<number, Leg>,
  dialogues: Dialogue[],
  byId: Map<number, SmtpSession>,
): Notification[] {
  void byId;
  // Originals: transactions on legs that were aborted, refused or reset, and everything on mail-side legs.
  const originals: Array<{ s: SmtpSession; t: SmtpTransaction }> = [];
  for (const s of sessions) {
    const leg = legs.get(s.id);
    if (!leg || leg.role === 'relay') continue;
    for (const t of s.transactions) if (t.outcome !== 'accepted' || (t.message?.eicar ?? false)) originals.push({ s, t });
  }
  const out: Notification[] = [];
  for (const s of sessions) {
    const leg = legs.get(s.id);
    if (!leg || leg.role === 'relay') continue;
    for (const t of s.transactions) {
      const text = txText(t);
      const words = virusWords(text);
      if (words.length === 0) continue;
      const low = text.toLowerCase();
      let best: Notification | null = null;
      for (const o of originals) {
        if (o.s === s) continue;
        if (!before(o.t.start, t.start) || seconds(o.t.start, t.start) > NOTIFY_WINDOW_S) continue;
        const od = legs.get(o.s.id)?.dialogue;
        if (od !== undefined && od === leg.dialogue) continue;
        const dOrig = dialogues.find((d) => d.id === od);
        const senderIp = dOrig?.client?.client.ip ?? o.s.client.ip;
        if (sameIp(s.client.ip, senderIp)) continue;
        if (addr(t.mailFrom) !== '' && addr(t.mailFrom) === addr(o.t.mailFrom)) continue;
        const mo = o.t.message?.messageId;
        if (mo && t.message?.messageId === mo) continue;
        const on: string[] = [];
        if (mo && low.includes(mo.toLowerCase().replace(/^<|>$/g, ''))) on.push(`Message-ID ${mo}`);
        const subj = o.t.message?.subject?.trim();
        if (subj && subj.length >= 4 && low.includes(subj.toLowerCase())) on.push(`subject "${subj}"`);
        const from = addr(o.t.mailFrom);
        if (from && (low.includes(from) || t.rcptTo.some((r) => addr(r) === from))) on.push(`sender <${from}>`);
        for (const r of o.t.rcptTo) {
          const a = addr(r);
          if (a && (low.includes(a) || t.rcptTo.some((x) => addr(x) === a))) {
            on.push(`recipient <${a}>`);
            break;
          }
        }
        if (on.length === 0) continue;
        const score = on.length + (o.t.outcome === 'aborted' ? 2 : 0) + (mo && on[0].startsWith('Message-ID') ? 2 : 0);
        const bestScore = best ? best.matchedOn.length + (best.about.tx.outcome === 'aborted' ? 2 : 0) + (best.matchedOn[0]?.startsWith('Message-ID') ? 2 : 0) : -1;
        if (score > bestScore) best = { ref: { session: s, tx: t }, about: { session: o.s, tx: o.t }, matchedOn: on, words };
      }
      if (best) out.push(best);
    }
  }
  return out;
}

function collectHostAv(dialogues: Dialogue[], legs: Map<number, Leg>, ov: TopologyOverrides): void {
  const own = new Map<number, HostAvSignal[]>();
  const mailHost = (d: Dialogue): string | null => (d.server ? d.server.server.ip.toLowerCase() : d.lone === 'sender' && d.client ? d.client.server.ip.toLowerCase() : null);
  for (const d of dialogues) {
    const sig: HostAvSignal[] = [];
    if (ov.hostAv) {
      const s = d.server ?? d.client;
      const stated = s && (hostMatches(ov.hostAv, s.server) || d.relays.some((r) => sameIp(r.session.client.ip, ov.hostAv!.ip)));
      if (stated) sig.push({ kind: 'user', strength: 'strong', session: null, ref: null, text: `stated with --host-av ${ov.hostAv.ip}${ov.hostAv.port ? ':' + ov.hostAv.port : ''}`, viaHost: false });
    }
    for (const r of d.relays) {
      const t = r.session.transactions[0];
      sig.push({
        kind: 'relay',
        strength: 'strong',
        session: r.session.id,
        ref: t ? t.start : r.session.start,
        text: r.pairs.length
          ? `relay leg ${endpointText(r.session.client)} -> ${endpointText(r.session.server)} carries the message onward (${r.pairs[0].by} match)`
          : `relay leg ${endpointText(r.session.client)} -> ${endpointText(r.session.server)} opened while session ${r.upstream.id} was open`,
        viaHost: false,
      });
      for (const rt of r.session.transactions) {
        for (const h of rt.message?.avHeaders ?? []) {
          sig.push({ kind: 'av-header', strength: 'hint', session: r.session.id, ref: rt.body.first ?? rt.start, text: h, viaHost: false });
        }
      }
    }
    const seen = [d.server, d.client].filter((x): x is SmtpSession => x !== null);
    for (const s of seen) {
      for (const g of greetingLines(s)) {
        const line = replyLine(g) + (g.lines.length > 1 ? ' ' + g.lines.slice(1).join(' ') : '');
        if (isAvProxyText(g.lines.join(' '))) sig.push({ kind: 'banner', strength: 'strong', session: s.id, ref: g, text: line, viaHost: false });
        else if (isAvHintText(g.lines.join(' '))) sig.push({ kind: 'product-hint', strength: 'hint', session: s.id, ref: g, text: line, viaHost: false });
      }
    }
    // Virus replies from the mail side: on a server leg FortiGate is the client, so they are not FortiGate's.
    if (d.server && legs.get(d.server.id)?.side !== 'unknown') {
      for (const r of d.server.replies) {
        if (isVirusReply(r)) sig.push({ kind: 'virus-reply', strength: 'strong', session: d.server.id, ref: r, text: replyLine(r), viaHost: false });
      }
    } else if (d.server) {
      for (const r of d.server.replies) {
        if (isAvVirusReply(r)) sig.push({ kind: 'virus-reply', strength: 'strong', session: d.server.id, ref: r, text: replyLine(r), viaHost: false });
      }
    }
    for (const n of d.notifications) {
      sig.push({
        kind: 'notification',
        strength: 'strong',
        session: n.ref.session.id,
        ref: n.ref.tx.start,
        text: `notification ${n.ref.tx.message?.subject ? `"${n.ref.tx.message.subject}" ` : ''}from ${endpointText(n.ref.session.client)} about the message`,
        viaHost: false,
      });
    }
    own.set(d.id, sig);
  }
  // A host AV sits on a host: what one dialogue shows holds for others reaching the same mail host. One pass
  // per host (a busy capture has thousands of dialogues to the same server).
  const byHost = new Map<string, Dialogue[]>();
  for (const d of dialogues) {
    const host = mailHost(d);
    if (host === null) continue;
    const list = byHost.get(host);
    if (list) list.push(d);
    else byHost.set(host, [d]);
  }
  const sharedOf = new Map<Dialogue, HostAvSignal[]>();
  for (const group of byHost.values()) {
    if (group.length < 2) continue;
    // First dialogue to show each signal (kind + text); others get it as viaHost.
    const firstBy = new Map<string, { d: Dialogue; s: HostAvSignal }>();
    for (const d of group) {
      for (const sig of own.get(d.id) ?? []) {
        if (sig.kind === 'user' || sig.kind === 'notification' || sig.kind === 'av-header') continue;
        const k = `${sig.kind}|${sig.text}`;
        const f = firstBy.get(k);
        if (!f) firstBy.set(k, { d, s: sig });
      }
    }
    for (const d of group) {
      const mine = new Set((own.get(d.id) ?? []).map((x) => `${x.kind}|${x.text}`));
      const shared: HostAvSignal[] = [];
      for (const [k, f] of firstBy) {
        if (mine.has(k)) continue;
        shared.push({ ...f.s, viaHost: true });
      }
      if (shared.length) sharedOf.set(d, shared);
    }
  }
  for (const d of dialogues) d.hostAv = [...(own.get(d.id) ?? []), ...(sharedOf.get(d) ?? [])];
}

function role(ip: string | null, port: number | null, source: RoleGuess['source'], evidence: string[]): RoleGuess {
  return { ip, port, source, evidence };
}

/** The dialogue the report is about: an abort first, then a pair, then anything with a transaction. */
export function keyDialogue(dialogues: readonly Dialogue[]): Dialogue | null {
  const score = (d: Dialogue): number => {
    const legsOf = [d.server, d.client].filter((x): x is SmtpSession => x !== null);
    const aborted = d.server?.transactions.some((t) => spliceAbortOf(d.server!, t) !== null) ?? false;
    return (
      (aborted && d.hostAv.length ? 64 : 0) +
      (aborted ? 32 : 0) +
      (d.hostAv.some((s) => !s.viaHost) ? 16 : 0) +
      (d.client && d.server ? 8 : 0) +
      (d.relays.length ? 4 : 0) +
      (legsOf.some((s) => s.transactions.some((t) => t.message?.eicar || (t.outcome === 'rejected' && t.rejectedAt === 'end-of-data'))) ? 4 : 0) +
      (d.notifications.length ? 4 : 0) +
      (legsOf.some((s) => s.transactions.length > 0) ? 2 : 0)
    );
  };
  let best: Dialogue | null = null;
  for (const d of dialogues) if (!best || score(d) > score(best)) best = d;
  return best;
}

function assignRoles(dialogues: Dialogue[], ov: TopologyOverrides): Topology['roles'] {
  const key = keyDialogue(dialogues);
  const spec = (flag: string, h: { ip: string; port?: number }) => role(h.ip, h.port ?? null, 'user', [`stated with ${flag}`]);

  let sender = role(null, null, 'unknown', []);
  let fortigate = role(null, null, 'unknown', []);
  let hostAv = role(null, null, 'unknown', []);
  let mailServer = role(null, null, 'unknown', []);
  if (key) {
    if (key.client) {
      sender = role(key.client.client.ip, null, 'inferred', [`client of the client leg (session ${key.client.id})`]);
    } else if (key.server && isPrivate(key.server.client.ip) && !isLoopback(key.server.client.ip)) {
      // Inbound mail comes from the Internet: a private client on the mail-side leg is FortiGate's inside address.
      fortigate = role(key.server.client.ip, null, 'inferred', [
        `private client address of the mail-side leg (session ${key.server.id}): FortiGate's inside address in NAT mode`,
      ]);
      sender = role(null, null, 'unknown', ['FortiGate (NAT mode) hides the sender from the mail side']);
    } else if (key.server) {
      sender = role(key.server.client.ip, null, 'inferred', [
        `client of the mail-side leg (session ${key.server.id}): the sender if FortiGate is transparent, FortiGate itself in NAT mode`,
      ]);
    }
    if (key.client && key.server) {
      if (key.transparent) {
        fortigate = role(null, null, 'unknown', [
          `transparent mode: both legs (sessions ${key.client.id} and ${key.server.id}) carry the sender's and the mail server's addresses, so FortiGate's own IP does not appear`,
        ]);
      } else if (!sameIp(key.server.client.ip, key.client.client.ip)) {
        fortigate = role(key.server.client.ip, null, 'inferred', [
          `opens the server leg (session ${key.server.id}) in place of the sender: FortiGate's inside address (NAT mode)`,
          `the sender connects to ${endpointText(key.client.server)} (session ${key.client.id})`,
        ]);
      } else if (!sameIp(key.client.server.ip, key.server.server.ip)) {
        fortigate = role(key.client.server.ip, key.client.server.port, 'inferred', [
          `the sender connects to ${endpointText(key.client.server)} (session ${key.client.id}) while the mail side is reached at ${endpointText(key.server.server)} (virtual IP, sender address kept)`,
        ]);
      } else {
        fortigate = role(key.server.client.ip, null, 'inferred', [`opens the server leg (session ${key.server.id}) in place of the sender`]);
      }
    } else if (fortigate.ip === null) {
      fortigate = role(null, null, 'unknown', ['only one leg is visible: FortiGate cannot be located (in transparent mode it has no address on the legs at all)']);
    }
    const sigs = key.hostAv.filter((s) => s.strength === 'strong');
    const relay = key.relays[0];
    const mailLeg = key.server ?? (key.lone !== 'sender' ? key.client : null) ?? key.client;
    if (relay) {
      hostAv = role(relay.upstream.server.ip, relay.upstream.server.port, 'inferred', [
        `answers on ${endpointText(relay.upstream.server)} and relays the message to ${endpointText(relay.session.server)} (session ${relay.session.id})`,
      ]);
      mailServer = role(relay.session.server.ip, relay.session.server.port, 'inferred', [`receives the relay leg (session ${relay.session.id})`]);
    } else if (mailLeg) {
      if (sigs.length || key.hostAv.length) {
        const s = sigs[0] ?? key.hostAv[0];
        hostAv = role(mailLeg.server.ip, mailLeg.server.port, 'inferred', [`${s.kind}: ${s.text}`]);
        mailServer = role(mailLeg.server.ip, mailLeg.server.port, 'inferred', [
          'the host AV runs on the mail server and answers on its SMTP port; the SMTP program behind it is not in the capture',
        ]);
      } else {
        mailServer = role(mailLeg.server.ip, mailLeg.server.port, 'inferred', [`server of the ${key.server ? 'mail-side' : 'only'} leg (session ${mailLeg.id})`]);
        hostAv = role(null, null, 'unknown', ['no host AV seen: no relay leg, no AV banner, no AV reply']);
      }
    }
  }
  if (ov.fortigate) fortigate = spec('--fortigate', ov.fortigate);
  if (ov.hostAv) hostAv = spec('--host-av', ov.hostAv);
  if (ov.mailServer) mailServer = spec('--mail-server', ov.mailServer);
  return { sender, fortigate, hostAv, mailServer };
}
