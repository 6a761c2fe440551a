// Small helpers for topology: ordering of capture points, matching a message across connections, address checks.

import type { Endpoint, SegmentRef } from '../reassembly/types.js';
import type { SmtpSession, SmtpTransaction } from '../smtp/types.js';
import type { HostSpec, MatchKind } from './types.js';

/** Capture order: time first, frame number on equal clocks (one capture point ticks coarsely). */
export function before(a: SegmentRef, b: SegmentRef): boolean {
  if (a.tsSec !== b.tsSec) return a.tsSec < b.tsSec;
  if (a.tsNsec !== b.tsNsec) return a.tsNsec < b.tsNsec;
  return a.frame < b.frame;
}

/** Frame order within one capture file, which is the order the capture point saw things. */
export function frameBefore(a: SegmentRef, b: SegmentRef): boolean {
  return a.frame < b.frame;
}

export function seconds(a: SegmentRef, b: SegmentRef): number {
  return b.tsSec - a.tsSec + (b.tsNsec - a.tsNsec) / 1e9;
}

export function isLoopback(ip: string): boolean {
  const v = ip.toLowerCase();
  return v.startsWith('127.') || v === '::1' || v === '0:0:0:0:0:0:0:1' || v.startsWith('::ffff:127.');
}

export function normIp(ip: string): string {
  // Fast path: dotted IPv4 (the common case) needs no work.
  const c = ip.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39 && !ip.includes(':')) return ip;
  return ip.toLowerCase().replace(/^\[|\]$/g, '');
}

export function sameIp(a: string, b: string): boolean {
  return normIp(a) === normIp(b);
}

export function endpointText(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

export function hostMatches(spec: HostSpec | undefined, e: Endpoint): boolean {
  if (!spec) return false;
  return sameIp(spec.ip, e.ip) && (spec.port === undefined || spec.port === e.port);
}

/** Parse `IP`, `IP:PORT`, `[IPv6]:PORT` or a bare IPv6 address. Returns undefined when it is not an address. */
export function parseHostSpec(raw: string | undefined): HostSpec | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (!s) return undefined;
  let m = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(s);
  if (m) return withPort(m[1], m[2]);
  m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(s);
  if (m) {
    if (m[1].split('.').some((o) => Number(o) > 255)) return undefined;
    return withPort(m[1], m[2]);
  }
  if (/^[0-9a-fA-F:]+(?:\d{1,3}(?:\.\d{1,3}){3})?$/.test(s) && s.includes(':') && s.split(':').length >= 3) return { ip: s.toLowerCase() };
  return undefined;
}

function withPort(ip: string, port: string | undefined): HostSpec | undefined {
  if (port === undefined) return { ip: ip.toLowerCase() };
  const p = Number(port);
  if (!(p > 0 && p < 65536)) return undefined;
  return { ip: ip.toLowerCase(), port: p };
}

function lowerAddr(a: string | undefined): string {
  return (a ?? '').trim().replace(/^<|>$/g, '').toLowerCase();
}

/** Is this the same message (or the same envelope) on two connections? The strongest reason wins. */
export function matchTx(a: SmtpTransaction, b: SmtpTransaction): MatchKind | null {
  const ma = a.message?.messageId?.trim();
  const mb = b.message?.messageId?.trim();
  if (ma && mb) {
    if (ma === mb) return 'message-id';
    // Two different Message-IDs are two messages, whatever the envelope says (a sender mailing the same person twice).
    return null;
  }
  if (a.prefixSha256 && b.prefixSha256 && a.prefixSha256 === b.prefixSha256 && a.body.bytes > 0) return 'prefix';
  if (a.mailFrom === undefined || b.mailFrom === undefined) return null;
  if (lowerAddr(a.mailFrom) !== lowerAddr(b.mailFrom)) return null;
  if (a.rcptTo.length === 0 && b.rcptTo.length === 0) return null;
  const rb = new Set(b.rcptTo.map(lowerAddr));
  if (a.rcptTo.some((r) => rb.has(lowerAddr(r)))) return 'envelope';
  return null;
}

export const MATCH_WEIGHT: Record<MatchKind, number> = { 'message-id': 3, prefix: 3, envelope: 1 };

/** Match the transactions of two sessions in order (each used once). */
export function matchSessions(up: SmtpSession, down: SmtpSession): Array<{ up: SmtpTransaction; down: SmtpTransaction; by: MatchKind }> {
  const out: Array<{ up: SmtpTransaction; down: SmtpTransaction; by: MatchKind }> = [];
  const used = new Set<number>();
  for (const tu of up.transactions) {
    let best: { t: SmtpTransaction; by: MatchKind } | null = null;
    for (const td of down.transactions) {
      if (used.has(td.index)) continue;
      const by = matchTx(tu, td);
      if (by && (!best || MATCH_WEIGHT[by] > MATCH_WEIGHT[best.by])) best = { t: td, by };
      if (best && MATCH_WEIGHT[best.by] === 3) break;
    }
    if (best) {
      used.add(best.t.index);
      out.push({ up: tu, down: best.t, by: best.by });
    }
  }
  return out;
}

const WAN_NAME = /^(wan\d*|external\d*|outside|untrust\w*|internet|ext\d*|isp\w*|dmz-?wan)$/i;
const LAN_NAME = /^(internal\d*|lan\d*|inside|trust\w*|dmz\d*|mail\w*|server\w*|int\d*|srv\w*)$/i;

/** 'wan' or 'lan' when an interface name says which side of the FortiGate it faces; null when it does not. */
export function interfaceSide(name: string | undefined): 'wan' | 'lan' | null {
  if (!name) return null;
  if (WAN_NAME.test(name)) return 'wan';
  if (LAN_NAME.test(name)) return 'lan';
  return null;
}
