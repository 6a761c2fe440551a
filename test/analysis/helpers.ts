// Test helper: builds SmtpSession objects by hand (times in seconds), numbering frames across all legs in time order.

import type { CaptureSummary } from '../../src/capture/types.js';
import type { SegmentRef } from '../../src/reassembly/types.js';
import type { BodyPoint, SmtpCommand, SmtpReply, SmtpSession, SmtpTransaction, TransactionOutcome } from '../../src/smtp/types.js';

export const T0 = 1_700_000_000;

export interface TxSpec {
  at: number;
  from: string;
  rcpt: string[];
  method?: 'DATA' | 'BDAT';
  /** Body segments: [time, bytes in this segment]. Empty: no body. */
  chunks?: Array<[number, number]>;
  /** End-of-data time (the segment carrying the dot). Omitted: no end-of-data. */
  endAt?: number;
  final?: { at: number; code: number; text: string; enhanced?: string };
  rejectedAt?: SmtpTransaction['rejectedAt'];
  abort?: { at: number; how: 'rst' | 'fin' | 'reply' | 'gap'; by?: 'client' | 'server' | 'unknown' };
  outcome?: TransactionOutcome;
  messageId?: string;
  subject?: string;
  text?: string;
  prefix?: string;
  gapBytes?: number;
  avHeaders?: string[];
  eicar?: boolean;
}

export interface LegSpec {
  id: number;
  client: string; // 'ip:port' or '[v6]:port'
  server: string;
  iface?: string;
  start: number;
  end?: number;
  banner?: string;
  ehlo?: string;
  txs?: TxSpec[];
  close?: { at: number; kind: 'fin' | 'rst'; by: 'client' | 'server' };
  tlsAt?: number;
  startSeen?: boolean;
  ttl?: number;
  isn?: number;
  /** Replies outside the command/response flow (e.g. a virus reply after a FIN). */
  extraReplies?: Array<{ at: number; code: number; text: string }>;
  noReplies?: boolean;
}

function ep(s: string): { ip: string; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^(.+):(\d+)$/.exec(s);
  if (!m) throw new Error(`bad endpoint ${s}`);
  return { ip: m[1], port: Number(m[2]) };
}

class Refs {
  all: Array<{ r: SegmentRef & { t: number }; seq: number }> = [];
  seq = 0;
  at(t: number): SegmentRef {
    const sec = Math.floor(t);
    const r = { frame: 0, tsSec: T0 + sec, tsNsec: Math.round((t - sec) * 1e9), t };
    this.all.push({ r, seq: this.seq++ });
    return r;
  }
  number(): void {
    this.all.sort((a, b) => a.r.t - b.r.t || a.seq - b.seq);
    let f = 0;
    for (const { r } of this.all) {
      r.frame = ++f;
      delete (r as { t?: number }).t;
    }
  }
}

export function buildSessions(specs: LegSpec[]): SmtpSession[] {
  const refs = new Refs();
  const out: SmtpSession[] = [];
  const replyFix: Array<() => void> = [];
  for (const sp of specs) {
    const commands: SmtpCommand[] = [];
    const replies: SmtpReply[] = [];
    const cmd = (t: number, verb: string, args = ''): number => {
      const r = refs.at(t);
      const c: SmtpCommand = { verb, args, frame: 0, tsSec: 0, tsNsec: 0, offset: 0 };
      commands.push(c);
      replyFix.push(() => Object.assign(c, { frame: r.frame, tsSec: r.tsSec, tsNsec: r.tsNsec }));
      return commands.length - 1;
    };
    const rep = (t: number, code: number, text: string, ci?: number, enhanced?: string): SmtpReply => {
      const r = refs.at(t);
      const reply: SmtpReply = { code, lines: [text], enhanced, offset: 0, commandIndex: ci, frame: 0, tsSec: 0, tsNsec: 0 };
      if (sp.noReplies) return reply;
      replies.push(reply);
      if (ci !== undefined) commands[ci].replyIndex = replies.length - 1;
      // keep the frame/time of the reply object in sync with its ref after numbering
      replyFix.push(() => Object.assign(reply, { frame: r.frame, tsSec: r.tsSec, tsNsec: r.tsNsec }));
      return reply;
    };
    const startRef = refs.at(sp.start);
    if (sp.banner !== undefined) rep(sp.start + 0.001, 220, sp.banner);
    const e = cmd(sp.start + 0.002, 'EHLO', 'client.example');
    rep(sp.start + 0.003, 250, sp.ehlo ?? 'mail.example.com', e);
    const tls = sp.tlsAt !== undefined ? refs.at(sp.tlsAt) : undefined;
    const txs: SmtpTransaction[] = (sp.txs ?? []).map((x, index) => {
      const mi = cmd(x.at, 'MAIL', `FROM:<${x.from}>`);
      const start = refs.at(x.at);
      rep(x.at + 0.0001, 250, 'OK', mi);
      for (const r of x.rcpt) rep(x.at + 0.0003, 250, 'OK', cmd(x.at + 0.0002, 'RCPT', `TO:<${r}>`));
      const chunks = x.chunks ?? [];
      const points: BodyPoint[] = [];
      let bytes = 0;
      let first: SegmentRef | undefined;
      let lastRef: SegmentRef | undefined;
      if (chunks.length) {
        const di = cmd(chunks[0][0] - 0.0002, x.method ?? 'DATA');
        rep(chunks[0][0] - 0.0001, 354, 'End data with <CR><LF>.<CR><LF>', di);
      }
      for (const [t, n] of chunks) {
        const r = refs.at(t);
        bytes += n;
        first ??= r;
        lastRef = r;
        const p = { frame: 0, tsSec: 0, tsNsec: 0, bytes };
        points.push(p);
        replyFix.push(() => Object.assign(p, { frame: r.frame, tsSec: r.tsSec, tsNsec: r.tsNsec }));
      }
      // The end-of-data marker rides in the last body segment when it is sent at the same moment.
      const lastChunk = chunks[chunks.length - 1];
      const endOfData = x.endAt === undefined ? undefined : lastChunk && lastChunk[0] === x.endAt ? lastRef : refs.at(x.endAt);
      const finalReply = x.final ? rep(x.final.at, x.final.code, x.final.text, undefined, x.final.enhanced) : undefined;
      const outcome: TransactionOutcome =
        x.outcome ?? (x.abort ? 'aborted' : finalReply ? (finalReply.code < 400 ? 'accepted' : 'rejected') : 'incomplete');
      const abortRef = x.abort ? refs.at(x.abort.at) : undefined;
      const h = (s: string) => s.padEnd(64, '0').slice(0, 64);
      return {
        index,
        mailFrom: x.from,
        rcptTo: [...x.rcpt],
        rcptAccepted: [...x.rcpt],
        method: chunks.length ? x.method ?? 'DATA' : undefined,
        outcome,
        start,
        finalReply,
        rejectedAt: x.rejectedAt ?? (outcome === 'rejected' ? 'end-of-data' : undefined),
        body: { wireBytes: bytes, bytes, first, last: lastRef, endOfData, points, gapBytes: x.gapBytes ?? 0 },
        bodySha256: chunks.length ? h('b' + (x.prefix ?? x.messageId ?? '')) : undefined,
        prefixSha256: chunks.length && x.prefix ? h('a' + x.prefix) : undefined,
        message: chunks.length
          ? {
              messageId: x.messageId,
              subject: x.subject,
              to: [...x.rcpt],
              attachments: [],
              eicar: x.eicar ?? false,
              avHeaders: x.avHeaders ?? [],
              textExcerpt: x.text,
              retainedBytes: bytes,
              truncated: false,
            }
          : undefined,
        abort: x.abort ? { by: x.abort.by ?? 'client', how: x.abort.how, ref: abortRef!, bodyBytesSent: bytes } : undefined,
      } satisfies SmtpTransaction;
    });
    for (const x of sp.extraReplies ?? []) rep(x.at, x.code, x.text);
    const closeRef = sp.close ? refs.at(sp.close.at) : undefined;
    const endRef = refs.at(sp.end ?? sp.close?.at ?? Math.max(sp.start + 1, ...(sp.txs ?? []).map((t) => (t.final?.at ?? t.endAt ?? t.at) + 0.01)));
    const c = ep(sp.client);
    const s = ep(sp.server);
    out.push({
      id: sp.id,
      connectionId: sp.id,
      client: c,
      server: s,
      interfaceIndex: 0,
      interfaceName: sp.iface,
      start: startRef,
      end: endRef,
      banner: sp.banner,
      helo: 'client.example',
      extensions: ['PIPELINING'],
      commands,
      replies,
      transactions: txs,
      tls: tls ? { ref: tls } : undefined,
      events: [],
      tcp: {
        startSeen: sp.startSeen ?? true,
        close: sp.close?.kind ?? 'fin',
        closedBy: sp.close?.by,
        closeRef,
        clientIsn: sp.isn,
        clientTtl: sp.ttl,
        stats: {
          packets: 10,
          retransmissions: 0,
          overlaps: 0,
          outOfOrder: 0,
          gaps: 0,
          gapBytes: 0,
          duplicatesAcrossInterfaces: 0,
          bytesC2s: 100,
          bytesS2c: sp.noReplies ? 0 : 100,
          bufferLimitHits: 0,
        },
      },
    });
  }
  refs.number();
  for (const f of replyFix) f();
  return out;
}

export function captureSummary(over: Partial<CaptureSummary> = {}): CaptureSummary {
  return {
    path: 'test.pcap',
    format: 'pcap',
    gzip: false,
    timestampKind: 'absolute',
    interfaces: [],
    linkTypes: [1],
    packets: 100,
    fileBytes: 1000,
    capturedBytes: 1000,
    firstTs: { sec: T0, nsec: 0 },
    lastTs: { sec: T0 + 10, nsec: 0 },
    sha256: '0'.repeat(64),
    error: null,
    skipped: {},
    ...over,
  };
}

// ---- Ready-made dialogues -------------------------------------------------------------------------------------

export const SENDER = '203.0.113.10';
export const MX = '198.51.100.25';
export const FGT_WAN = '198.51.100.1';
export const FGT_LAN = '10.0.0.1';

export interface DialogueOpts {
  mode: 'streaming' | 'buffered';
  virus?: boolean;
  /** How FortiGate cuts the server leg on a virus with splice on. */
  abortHow?: 'rst' | 'fin';
  transparent?: boolean;
  banner?: string;
  /** Add a host-AV relay leg on loopback: 'accepted' (delivers a copy) or 'aborted' (honours the abort). */
  relay?: 'accepted' | 'aborted';
  notification?: boolean;
  /** Only these legs end up in the capture. */
  legs?: Array<'client' | 'server' | 'relay' | 'notification'>;
  virusReplyAfterFin?: string;
  chunks?: number;
}

/**
 * A sender -> FortiGate -> mail server dialogue. Client leg id 1, server leg id 2, relay 3, notification 4
 * (ids are renumbered in order when legs are left out).
 */
export function dialogue(o: DialogueOpts): SmtpSession[] {
  const transparent = o.transparent ?? true;
  const n = o.chunks ?? 4;
  const from = 'alice@sender.example';
  const rcpt = ['bob@mail.example'];
  const msg = { messageId: '<m1@sender.example>', subject: 'Invoice', prefix: 'm1' };
  const banner = o.banner ?? 'mail.example ESMTP Postfix';
  // Client leg: body chunks every 0.1 s from t=1.0; end-of-data after the last.
  const cChunks: Array<[number, number]> = Array.from({ length: n }, (_, i) => [1.0 + i * 0.1, 1000]);
  const cEnd = 1.0 + n * 0.1;
  const clientTx: TxSpec = {
    at: 0.5,
    from,
    rcpt,
    chunks: cChunks,
    endAt: cEnd,
    ...msg,
    final: o.virus
      ? { at: cEnd + 0.05, code: 554, text: '5.7.1 This email contains a virus (EICAR_TEST_FILE) and was blocked by FortiGate' }
      : { at: cEnd + (o.mode === 'buffered' ? 0.6 : 0.05), code: 250, text: '2.0.0 Ok: queued as ABC123' },
  };
  let serverTx: TxSpec;
  if (o.mode === 'streaming') {
    const sChunks: Array<[number, number]> = cChunks.map(([t, b]) => [t + 0.01, b]);
    if (o.virus) {
      const cut = sChunks.slice(0, Math.max(1, n - 1));
      serverTx = { at: 0.51, from, rcpt, chunks: cut, ...msg, abort: { at: cEnd + 0.02, how: o.abortHow ?? 'rst', by: 'client' } };
    } else {
      serverTx = { at: 0.51, from, rcpt, chunks: sChunks, endAt: cEnd + 0.01, ...msg, final: { at: cEnd + 0.04, code: 250, text: '2.0.0 Ok: queued as ABC123' } };
    }
  } else {
    if (o.virus) {
      serverTx = { at: 0.51, from, rcpt, ...msg, outcome: 'reset' };
    } else {
      const sChunks: Array<[number, number]> = cChunks.map((_, i) => [cEnd + 0.5 + i * 0.001, 1000]);
      serverTx = { at: 0.51, from, rcpt, chunks: sChunks, endAt: cEnd + 0.51 + n * 0.001, ...msg, final: { at: cEnd + 0.55, code: 250, text: '2.0.0 Ok: queued' } };
    }
  }
  const legs: LegSpec[] = [];
  const want = new Set(o.legs ?? ['client', 'server', 'relay', 'notification']);
  const clientLeg: LegSpec = {
    id: 1,
    client: `${SENDER}:40000`,
    server: transparent ? `${MX}:25` : `${FGT_WAN}:25`,
    iface: 'wan1',
    start: 0,
    banner,
    txs: [clientTx],
    ttl: 52,
    isn: 1000,
  };
  const serverLeg: LegSpec = {
    id: 2,
    client: transparent ? `${SENDER}:40000` : `${FGT_LAN}:30000`,
    server: `${MX}:25`,
    iface: 'internal',
    start: 0.001,
    banner,
    txs: [serverTx],
    ttl: 255,
    isn: 5000,
    close: o.virus && o.mode === 'streaming' ? { at: cEnd + 0.02, kind: o.abortHow ?? 'rst', by: 'client' } : undefined,
    extraReplies: o.virusReplyAfterFin ? [{ at: cEnd + 0.03, code: 554, text: o.virusReplyAfterFin }] : undefined,
  };
  if (want.has('client')) legs.push(clientLeg);
  if (want.has('server')) legs.push(serverLeg);
  if (o.relay && want.has('relay')) {
    const rChunks: Array<[number, number]> = cChunks.slice(0, n - 1).map(([t, b]) => [t + 0.02, b]);
    const relayTx: TxSpec =
      o.relay === 'accepted'
        ? { at: 0.6, from, rcpt, chunks: [...rChunks, [cEnd + 0.5, 300]], endAt: cEnd + 0.5, ...msg, prefix: 'm1-cleaned', final: { at: cEnd + 0.52, code: 250, text: '2.0.0 Ok: queued as DEF456' }, avHeaders: ['X-Virus-Scanned: clamav'] }
        : { at: 0.6, from, rcpt, chunks: rChunks, ...msg, abort: { at: cEnd + 0.03, how: 'rst', by: 'client' } };
    legs.push({ id: 3, client: `127.0.0.1:41000`, server: '127.0.0.1:10025', iface: 'lo', start: 0.59, banner: 'localhost ESMTP Postfix', txs: [relayTx] });
  }
  if (o.notification && want.has('notification')) {
    legs.push({
      id: 4,
      client: `${MX}:42000`,
      server: '192.0.2.50:25',
      iface: 'internal',
      start: cEnd + 2,
      banner: 'admin.example ESMTP',
      txs: [
        {
          at: cEnd + 2.1,
          from: 'postmaster@mail.example',
          rcpt: ['admin@mail.example'],
          chunks: [[cEnd + 2.2, 800]],
          endAt: cEnd + 2.2,
          messageId: '<n1@mail.example>',
          subject: 'VIRUS ALERT: EICAR_TEST_FILE in mail from <alice@sender.example>',
          text: 'A virus was found in a message from alice@sender.example to bob@mail.example, Message-ID <m1@sender.example>. It was quarantined.',
          prefix: 'n1',
          final: { at: cEnd + 2.3, code: 250, text: 'Ok' },
        },
      ],
    });
  }
  legs.forEach((l, i) => (l.id = i + 1));
  return buildSessions(legs);
}
