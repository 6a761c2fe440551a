// Per-connection SMTP state machine: detection, commands, replies, PIPELINING pairing, DATA/BDAT bodies, outcomes.

import type {
  ConnectionClose,
  ConnectionInfo,
  Direction,
  SegmentRef,
  StreamChunk,
  StreamGap,
  StreamHandler,
  TcpEnd,
} from '../reassembly/types.js';
import { attachPoints, DotDecoder, MessageSink, PointSeries, type ByteSink } from './body.js';
import { classifyClient, findClientStart, findServerStart, NEED_MORE, NOT_SMTP } from './detect.js';
import { SMTP_EVENT_BY_NAME } from './events.js';
import { LineReader } from './lines.js';
import { parseRetained } from './mime-pool.js';
import { Fifo } from '../util/fifo.js';
import type {
  SmtpCommand,
  SmtpEvent,
  SmtpLimits,
  SmtpReply,
  SmtpSession,
  SmtpTransaction,
  TransactionAbort,
} from './types.js';
import { SMTP_PORTS } from '../util/ports.js';

/** Bytes per direction examined before a connection is declared not SMTP. */
export const DETECT_BYTES = 4096;
/** Client bytes held while waiting for the reply to DATA or STARTTLS. */
const HOLD_BYTES = 256 * 1024;
const MAX_PENDING = 1024;
const MAX_EVENTS_PER_NAME = 100;
const MAX_SAFE_DIGITS = 15;

const KNOWN_VERBS = new Set([
  'HELO', 'EHLO', 'LHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'VRFY', 'EXPN', 'HELP', 'NOOP', 'QUIT',
  'STARTTLS', 'AUTH', 'TURN', 'ETRN', 'ATRN', 'BURL', 'SEND', 'SOML', 'SAML', 'XCLIENT', 'XFORWARD', 'XEXCH50',
  'X-EXPS', 'X-LINK2STATE', 'XUSR', 'XAUTH', 'VERB', 'ONEX', 'XTRN', 'XQUE', 'XSHADOW', 'XRCPTFORWARD',
]);
/** First client verbs that show the "220" greeting was another protocol (FTP mostly). */
const FOREIGN_VERBS = new Set(['USER', 'PASS', 'SYST', 'FEAT', 'PWD', 'CWD', 'TYPE', 'PASV', 'EPSV', 'LIST', 'RETR', 'STOR', 'OPTS', 'CAPA', 'ACCT']);
const NO_REF: SegmentRef = { frame: 0, tsSec: 0, tsNsec: 0 };
const BASE64ISH = /^[A-Za-z0-9+/=]{8,}$/;
const MAIL_HEADER =
  /^(?:received|from|to|cc|subject|date|message-id|mime-version|content-type|content-transfer-encoding|content-disposition|return-path|reply-to|dkim-signature|x-[a-z0-9-]+):/im;

type ClientMode = 'cmd' | 'data' | 'bdat' | 'hold' | 'tls';

interface Pending {
  cmd: number; // index in commands; -1 for an end-of-data reply slot
  verb: string;
  tx?: Tx;
  last?: boolean; // BDAT LAST
  rcpt?: string;
}

interface HeldData {
  gap: boolean;
  offset: number;
  bytes: Uint8Array; // empty for a gap
  length: number;
  ref: SegmentRef;
}

type CloseReason = 'rset' | 'mail' | 'quit' | 'helo' | 'starttls';

/** Identifies one message for the `onMessageData` tee: the connection and the transaction's 0-based index. */
export interface MessageKey {
  connectionId: number;
  transactionIndex: number;
}
/** Tee of a message's unstuffed bytes (see SmtpOptions.onMessageData); the view is valid during the call only. */
export type MessageDataHook = (key: MessageKey, bytes: Uint8Array, end: boolean) => void;
const EMPTY = new Uint8Array(0);

class Tx implements ByteSink {
  readonly t: SmtpTransaction;
  decided = false;
  bodyStarted = false;
  endOfData = false;
  closedBy?: CloseReason;
  closeRef?: SegmentRef;
  cut?: TransactionAbort;
  rcptReplies = 0;
  rcptFailures = 0;
  lastRcptReject?: SmtpReply;
  sink?: MessageSink;
  readonly series = new PointSeries();
  decoder?: DotDecoder;
  bdatWire = 0;
  bdatBytes = 0;
  /** Export tee: set while the sink is open. */
  tee?: { hook: MessageDataHook; key: MessageKey };
  /** A 2xx/4xx/5xx reply that came while the DATA body was open, and the body's wire size then. */
  duringData?: { rep: SmtpReply; ref: SegmentRef; wire: number };
  /** That reply was taken as the end-of-data reply (the '.' was lost in a later-declared gap): no '.' slot. */
  eodAnswered = false;

  constructor(index: number, start: SegmentRef) {
    this.t = {
      index,
      rcptTo: [],
      rcptAccepted: [],
      outcome: 'incomplete',
      start,
      body: { wireBytes: 0, bytes: 0, points: [], gapBytes: 0 },
    };
  }

  write(b: Uint8Array, s: number, e: number): void {
    if (!this.sink) return;
    this.sink.write(b, s, e);
    if (this.tee && e > s) this.tee.hook(this.tee.key, b.subarray(s, e), false);
  }

  get wire(): number {
    return this.decoder ? this.decoder.wire : this.bdatWire;
  }

  get unstuffed(): number {
    return this.decoder ? this.decoder.bytes : this.bdatBytes;
  }

  /** Body bytes can still arrive (started, not ended, not cut by a gap). */
  get bodyOpen(): boolean {
    return this.bodyStarted && !this.endOfData;
  }
}

export interface SessionSink {
  emit(session: SmtpSession, parses: Promise<void>[]): void;
  /** The connection turned out not to be SMTP: it will never emit a session. Called at most once per connection. */
  ignored?(connectionId: number): void;
}

/** The StreamHandler for one connection. */
export class SmtpConnection implements StreamHandler {
  // Detection.
  private mode: 'detect' | 'smtp' | 'ignored' = 'detect';
  private dbuf: Record<Direction, Uint8Array> | null = {
    c2s: new Uint8Array(0),
    s2c: new Uint8Array(0),
  };
  private dlen: Record<Direction, number> = { c2s: 0, s2c: 0 };
  private dbase: Record<Direction, number> = { c2s: -1, s2c: -1 };
  private dentries: { dir: Direction; offset: number; length: number; ref: SegmentRef }[] = [];
  private dother: ({ gap: StreamGap } | { end: TcpEnd })[] = [];
  private start: Record<Direction, number> = { c2s: 0, s2c: 0 };

  // Session.
  private readonly session: SmtpSession;
  private readonly cr: LineReader;
  private readonly sr: LineReader;
  private cmode: ClientMode = 'cmd';
  private smode: 'reply' | 'tls' = 'reply';
  private holdFor?: 'DATA' | 'STARTTLS';
  private holdTx?: Tx;
  private held: HeldData[] = [];
  private heldBytes = 0;
  private readonly pending = new Fifo<Pending>();
  private multi?: SmtpReply;
  private readonly txs: Tx[] = [];
  private parses: Promise<void>[] = [];
  private cur?: Tx;
  private bodyTx?: Tx;
  private bdatRemaining = 0;
  private bdatLast = false;
  private authBudget = 0;
  private firstReplySeen = false;
  private clientSeen = false;
  private serverSeen = false;
  private quitSeen = false;
  private quitReported = false;
  private lmtp = false;
  private suppressOrphans = false;
  private afterServerGap = false;
  /** STARTTLS was accepted: the next client line shows whether the capture carries TLS or decrypted text. */
  private afterStarttls = false;
  private firstCommandChecked = false;
  private firstEnd?: { side: 'client' | 'server'; kind: 'fin' | 'rst'; ref: SegmentRef };
  /** The last thing in the client direction was a gap (no byte after it): still open if the capture ends now. */
  private clientGapOpen = false;
  private readonly eventCounts = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly info: ConnectionInfo,
    private readonly limits: SmtpLimits,
    private readonly out: SessionSink,
    private readonly onMessageData?: MessageDataHook,
  ) {
    this.cr = new LineReader(limits.maxLineBytes);
    this.sr = new LineReader(limits.maxLineBytes);
    this.session = {
      id: info.id,
      connectionId: info.id,
      client: info.client,
      server: info.server,
      interfaceIndex: info.interfaceIndex,
      start: info.firstTs,
      end: info.firstTs,
      extensions: [],
      commands: [],
      replies: [],
      transactions: [],
      events: [],
      tcp: {
        startSeen: info.startSeen,
        close: 'capture-end',
        stats: {
          packets: 0, retransmissions: 0, overlaps: 0, outOfOrder: 0, gaps: 0, gapBytes: 0,
          duplicatesAcrossInterfaces: 0, bytesC2s: 0, bytesS2c: 0, bufferLimitHits: 0,
        },
      },
    };
    if (info.interfaceName !== undefined) this.session.interfaceName = info.interfaceName;
    const tcp = this.session.tcp;
    if (info.clientIsn !== undefined) tcp.clientIsn = info.clientIsn;
    if (info.serverIsn !== undefined) tcp.serverIsn = info.serverIsn;
    if (info.clientTtl !== undefined) tcp.clientTtl = info.clientTtl;
    if (info.serverTtl !== undefined) tcp.serverTtl = info.serverTtl;
    if (info.clientMss !== undefined) tcp.clientMss = info.clientMss;
    if (info.serverMss !== undefined) tcp.serverMss = info.serverMss;
    if (info.vlan !== undefined) tcp.vlan = info.vlan.slice();
  }

  // ---------------------------------------------------------------- StreamHandler

  onData(chunk: StreamChunk): void {
    if (this.mode === 'smtp') {
      this.feed(chunk.dir, chunk.bytes, chunk.offset, chunk.ref);
    } else if (this.mode === 'detect') {
      this.detectData(chunk);
    }
  }

  onGap(gap: StreamGap): void {
    if (this.mode === 'smtp') this.gap(gap);
    else if (this.mode === 'detect') {
      this.dother.push({ gap });
      // A gap this early: decide with what we have.
      this.decide(true);
    }
  }

  onEnd(end: TcpEnd): void {
    if (this.mode === 'smtp') this.end(end);
    else if (this.mode === 'detect') this.dother.push({ end });
  }

  onClose(close: ConnectionClose): void {
    if (this.closed) return;
    this.closed = true;
    if (this.mode === 'detect') this.decide(true);
    if (this.mode !== 'smtp') {
      this.ignore();
      return;
    }
    this.finish(close);
  }

  // ---------------------------------------------------------------- detection

  private detectData(chunk: StreamChunk): void {
    const dir = chunk.dir;
    const bufs = this.dbuf!;
    if (this.dbase[dir] < 0) this.dbase[dir] = chunk.offset;
    const room = DETECT_BYTES - this.dlen[dir];
    const n = Math.min(room, chunk.bytes.length);
    if (n > 0) {
      if (bufs[dir].length < this.dlen[dir] + n) {
        const nb = new Uint8Array(DETECT_BYTES);
        nb.set(bufs[dir].subarray(0, this.dlen[dir]));
        bufs[dir] = nb;
      }
      bufs[dir].set(chunk.bytes.subarray(0, n), this.dlen[dir]);
      this.dentries.push({ dir, offset: chunk.offset, length: n, ref: chunk.ref });
      this.dlen[dir] += n;
    }
    this.decide(n < chunk.bytes.length);
    if (this.mode === 'smtp' && n < chunk.bytes.length) {
      this.feed(dir, chunk.bytes.subarray(n), chunk.offset + n, chunk.ref);
    }
  }

  private decide(final: boolean): void {
    if (this.mode !== 'detect') return;
    const b = this.dbuf!;
    const sStart = findServerStart(b.s2c, this.dlen.s2c, final);
    const cls = classifyClient(b.c2s, this.dlen.c2s);
    let s2cStart = -1;
    let c2sStart = -1;
    let midBody = false;
    if (sStart >= 0) {
      const c = findClientStart(b.c2s, this.dlen.c2s, b.s2c, sStart);
      if (c === NOT_SMTP) return this.ignore();
      if (c === NEED_MORE && !final) return;
      s2cStart = sStart;
      c2sStart = c >= 0 ? c : this.dlen.c2s;
    } else if (cls === 'smtp') {
      s2cStart = 0;
      c2sStart = 0;
    } else if ((final || this.dlen.s2c > 0) && this.startsInBody()) {
      midBody = true;
      s2cStart = 0;
      c2sStart = 0;
    } else if (sStart === NOT_SMTP || final || (cls === 'no' && this.dlen.s2c > 0)) {
      // A client that is not SMTP-like still waits (within DETECT_BYTES) for the server: malware talks before
      // the 220, and the server's first bytes settle it.
      return this.ignore();
    } else {
      return;
    }
    this.mode = 'smtp';
    const base = (d: Direction): number => (this.dbase[d] < 0 ? 0 : this.dbase[d]);
    this.start.c2s = base('c2s') + c2sStart;
    this.start.s2c = base('s2c') + s2cStart;
    if (s2cStart > 0 || c2sStart > 0) {
      const first = this.dentries.find((e) => e.dir === 's2c') ?? this.dentries[0];
      this.event('preamble', first ? first.ref : this.info.firstTs, 's2c', `client ${c2sStart} bytes, server ${s2cStart} bytes skipped`);
    }
    if (midBody) this.startInBody();
    const entries = this.dentries;
    const others = this.dother;
    this.dentries = [];
    this.dother = [];
    this.dbuf = null;
    for (const e of entries) {
      const view = b[e.dir].subarray(e.offset - base(e.dir), e.offset - base(e.dir) + e.length);
      this.feed(e.dir, view, e.offset, e.ref);
    }
    for (const o of others) {
      if ('gap' in o) this.gap(o.gap);
      else this.end(o.end);
    }
  }

  /**
   * A capture that starts inside a DATA body: no SYN, no greeting, an SMTP server port, client bytes that read as a
   * message (CRLF text lines with mail headers, a MIME boundary or base64 lines), server bytes absent or replies.
   */
  private startsInBody(): boolean {
    // Only plain-text SMTP ports: a capture that starts inside an implicit-TLS session (465) shows no body.
    if (this.info.startSeen || !SMTP_PORTS.has(this.info.server.port)) return false;
    const b = this.dbuf!;
    const ns = this.dlen.s2c;
    if (ns > 0 && !looksLikeReply(b.s2c.subarray(0, ns), 0)) return false;
    return looksLikeMessageBody(b.c2s, this.dlen.c2s);
  }

  /** A transaction whose envelope was before the capture: the client side is a DATA body from its first byte. */
  private startInBody(): void {
    const first = this.dentries.find((e) => e.dir === 'c2s');
    const ref = first ? first.ref : this.info.firstTs;
    this.event('started-in-data', ref, 'c2s', 'no SYN and no greeting; the first client bytes are a message body');
    // A later reply is not a greeting, and replies to commands before the capture are not strays.
    this.firstReplySeen = true;
    this.suppressOrphans = true;
    const tx = this.ensureTx(ref);
    tx.bodyStarted = true;
    tx.t.method = 'DATA';
    // No MessageSink: the message's start is missing, so no hash or MIME facts (they would describe another message).
    tx.decoder = new DotDecoder(tx);
    tx.decoder.gap(0);
    this.bodyTx = tx;
    this.cmode = 'data';
  }

  private ignore(): void {
    if (this.mode !== 'ignored') this.out.ignored?.(this.info.id);
    this.mode = 'ignored';
    this.dbuf = null;
    this.dentries = [];
    this.dother = [];
  }

  // ---------------------------------------------------------------- events

  private event(name: string, ref: SegmentRef, dir?: Direction, detail?: string): void {
    const n = (this.eventCounts.get(name) ?? 0) + 1;
    this.eventCounts.set(name, n);
    if (n > MAX_EVENTS_PER_NAME) return;
    const spec = SMTP_EVENT_BY_NAME.get(name);
    const e: SmtpEvent = {
      name,
      kind: spec ? spec.kind : 'anomaly',
      frame: ref.frame,
      tsSec: ref.tsSec,
      tsNsec: ref.tsNsec,
    };
    if (dir) e.dir = dir;
    if (detail !== undefined) e.detail = detail;
    this.session.events.push(e);
  }

  // ---------------------------------------------------------------- stream input

  private feed(dir: Direction, b: Uint8Array, offset: number, ref: SegmentRef): void {
    const st = this.start[dir];
    if (offset + b.length <= st) return;
    if (offset < st) {
      b = b.subarray(st - offset);
      offset = st;
    }
    if (b.length === 0) return;
    if (dir === 'c2s') this.client(b, offset, ref);
    else this.server(b, offset, ref);
  }

  private client(b: Uint8Array, base: number, ref: SegmentRef): void {
    this.clientSeen = true;
    this.clientGapOpen = false;
    let i = 0;
    while (i < b.length) {
      switch (this.cmode) {
        case 'tls':
          return;
        case 'hold':
          this.hold(b.slice(i), base + i, ref);
          return;
        case 'data':
          i = this.dataBytes(b, i, ref);
          break;
        case 'bdat':
          i = this.bdatBytes(b, i, ref);
          break;
        case 'cmd': {
          if (!this.cr.hasPartial && isTlsRecord(b, i)) {
            // Implicit TLS, or the handshake after STARTTLS: the server side stops at its own first TLS record.
            if (!this.afterStarttls) {
              this.session.tls ??= { ref };
              this.event('tls', ref, 'c2s', 'TLS record where a command was expected');
            }
            this.cmode = 'tls';
            // The server may still answer the TLS bytes as if they were command lines.
            this.suppressOrphans = true;
            return;
          }
          if (this.cr.skipToLf && looksLikeCommand(b, i)) this.cr.skipToLf = false;
          if (this.afterStarttls && !this.cr.hasPartial) {
            this.afterStarttls = false;
            this.event('plaintext-after-starttls', ref, 'c2s');
          }
          if (this.quitSeen && !this.quitReported) {
            this.quitReported = true;
            this.event('data-after-quit', ref, 'c2s');
          }
          i = this.cr.read(b, i, base, ref);
          if (this.cr.ready) this.commandLine();
          break;
        }
      }
    }
  }

  private server(b: Uint8Array, base: number, ref: SegmentRef): void {
    this.serverSeen = true;
    let i = 0;
    while (i < b.length && this.smode === 'reply') {
      if (!this.sr.hasPartial) {
        if (isTlsRecord(b, i)) {
          this.smode = 'tls';
          if (!this.session.tls && !this.afterStarttls) {
            this.session.tls = { ref };
            this.event('tls', ref, 's2c', 'TLS record where a reply was expected');
          }
          return;
        }
        if (this.sr.skipToLf && looksLikeReply(b, i)) this.sr.skipToLf = false;
      }
      i = this.sr.read(b, i, base, ref);
      if (this.sr.ready) this.replyLine();
    }
  }

  private gap(g: StreamGap): void {
    this.event('tcp-gap', g.ref, g.dir, `${g.length} bytes missing at offset ${g.offset}`);
    if (g.dir === 'c2s') {
      if (this.cmode === 'hold') {
        this.held.push({ gap: true, offset: g.offset, bytes: new Uint8Array(0), length: g.length, ref: g.ref });
        return;
      }
      this.clientGap(g.length, g.ref);
    } else {
      if (this.smode === 'tls') return;
      // Replies inside the gap are lost: the next reply re-aligns the queue of pending commands (afterServerGap).
      this.sr.reset();
      this.sr.skipToLf = true;
      this.multi = undefined;
      this.afterServerGap = true;
      this.suppressOrphans = true;
      if (this.cmode === 'hold') this.release(this.holdFor === 'DATA', g.ref);
    }
  }

  private clientGap(length: number, ref: SegmentRef): void {
    this.clientGapOpen = true;
    if (this.cmode === 'data' || this.cmode === 'bdat') {
      const tx = this.bodyTx!;
      if (this.cmode === 'data') this.replyBeforeGap(tx);
      this.event('gap-in-data', ref, 'c2s', `${length} body bytes missing after ${tx.wire} bytes`);
      this.cutTx(tx, { by: 'unknown', how: 'gap', ref, bodyBytesSent: tx.wire });
      tx.t.body.gapBytes += length;
      this.finishSink(tx);
      if (this.cmode === 'data') {
        tx.decoder!.gap(length);
        return;
      }
      if (length < this.bdatRemaining) {
        this.bdatRemaining -= length;
        tx.bdatWire += length;
        return;
      }
      tx.bdatWire += this.bdatRemaining;
      const rest = length - this.bdatRemaining;
      this.bdatRemaining = 0;
      this.cmode = 'cmd';
      if (this.bdatLast) this.bodyTx = undefined;
      if (rest > 0) this.cr.skipToLf = true;
      return;
    }
    if (this.cmode === 'cmd') {
      this.cr.reset();
      this.cr.skipToLf = true;
      this.suppressOrphans = true;
    }
  }

  /**
   * A gap inside a DATA body is declared only some packets after the hole (docs/decisions-reassembly.md), so a
   * server reply can be seen before it. If a 2xx/4xx/5xx reply came while the body was open and not one body
   * byte followed it before this gap, the client's '.' may have been inside the gap (or behind it): the reply is
   * taken as the end-of-data reply (it decides the outcome), as when the reply follows the gap.
   */
  private replyBeforeGap(tx: Tx): void {
    const dd = tx.duringData;
    if (!dd || tx.decided || tx.eodAnswered || tx.wire !== dd.wire) return;
    tx.eodAnswered = true;
    if (tx.cut && tx.cut.how === 'reply' && tx.cut.ref.frame === dd.ref.frame) tx.cut = undefined;
    dd.rep.endOfData = true;
    // Its reply-during-data event, and those of later replies (to commands behind the gap), are withdrawn.
    const events = this.session.events;
    let removed = 0;
    for (let k = events.length - 1; k >= 0; k--) {
      if (events[k].name === 'reply-during-data' && events[k].frame >= dd.ref.frame) {
        events.splice(k, 1);
        removed++;
      }
    }
    if (removed > 0) this.eventCounts.set('reply-during-data', (this.eventCounts.get('reply-during-data') ?? removed) - removed);
    this.event('resync-after-gap', dd.ref, 's2c', `reply ${dd.rep.code} answered an end of data lost in a later gap`);
    // Replies to commands that were lost with the '.' must not be reported as strays.
    this.suppressOrphans = true;
    this.eodReply(tx, dd.rep);
  }

  private end(e: TcpEnd): void {
    const side = e.dir === 'c2s' ? 'client' : 'server';
    this.event(e.kind === 'fin' ? 'tcp-fin' : 'tcp-rst', e.ref, e.dir);
    if (!this.firstEnd) {
      this.firstEnd = { side, kind: e.kind, ref: e.ref };
      this.session.tcp.closedBy = side;
      this.session.tcp.closeRef = e.ref;
    }
    const tx = this.bodyTx ?? this.cur;
    if (tx && tx.bodyOpen) this.cutTx(tx, { by: side, how: e.kind, ref: e.ref, bodyBytesSent: tx.wire });
  }

  // ---------------------------------------------------------------- holding client bytes until a reply

  private hold(bytes: Uint8Array, offset: number, ref: SegmentRef): void {
    this.held.push({ gap: false, offset, bytes, length: bytes.length, ref });
    this.heldBytes += bytes.length;
    if (this.heldBytes > HOLD_BYTES) {
      if (this.holdFor === 'DATA') this.event('data-without-354', ref, 'c2s', 'no reply to DATA before the body');
      this.release(this.holdFor === 'DATA', ref);
    }
  }

  /** Replays the held client bytes as a DATA body (asBody) or as commands. */
  private release(asBody: boolean, ref: SegmentRef): void {
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    const forData = this.holdFor === 'DATA';
    const tx = this.holdTx;
    this.holdFor = undefined;
    this.holdTx = undefined;
    this.cmode = 'cmd';
    if (asBody && forData) this.startData(tx ?? this.ensureTx(ref));
    for (const h of held) {
      if (h.gap) {
        if ((this.cmode as ClientMode) === 'hold') this.held.push(h);
        else this.clientGap(h.length, h.ref);
      } else {
        this.client(h.bytes, h.offset, h.ref);
      }
    }
  }

  // ---------------------------------------------------------------- bodies

  private startData(tx: Tx): void {
    tx.bodyStarted = true;
    tx.t.method = 'DATA';
    tx.sink = new MessageSink(this.limits.maxMessageBytes);
    tx.decoder = new DotDecoder(tx);
    this.bodyTx = tx;
    this.cmode = 'data';
  }

  private dataBytes(b: Uint8Array, i: number, ref: SegmentRef): number {
    const tx = this.bodyTx!;
    const dec = tx.decoder!;
    const before = dec.wire;
    const r = dec.feed(b, i);
    if (dec.wire > before) {
      if (!tx.t.body.first) tx.t.body.first = ref;
      tx.t.body.last = ref;
      tx.series.mark(ref, dec.wire);
    }
    if (r < 0) return b.length;
    this.endOfData(tx, ref);
    this.cmode = 'cmd';
    this.bodyTx = undefined;
    return r;
  }

  private bdatBytes(b: Uint8Array, i: number, ref: SegmentRef): number {
    const tx = this.bodyTx!;
    const n = Math.min(this.bdatRemaining, b.length - i);
    if (n > 0) {
      tx.write(b, i, i + n);
      tx.bdatWire += n;
      tx.bdatBytes += n;
      this.bdatRemaining -= n;
      if (!tx.t.body.first) tx.t.body.first = ref;
      tx.t.body.last = ref;
      tx.series.mark(ref, tx.bdatWire);
    }
    if (this.bdatRemaining === 0) {
      this.cmode = 'cmd';
      if (this.bdatLast) {
        this.endOfData(tx, ref);
        this.bodyTx = undefined;
      }
    }
    return i + n;
  }

  private endOfData(tx: Tx, ref: SegmentRef): void {
    tx.endOfData = true;
    tx.t.body.endOfData = ref;
    this.finishSink(tx);
    if (this.cur === tx) this.cur = undefined;
    if (tx.t.method === 'DATA' && !tx.eodAnswered) {
      const n = this.lmtp ? Math.max(1, tx.t.rcptAccepted.length) : 1;
      for (let k = 0; k < n; k++) this.pushPending({ cmd: -1, verb: '.', tx });
    }
  }

  /** The message can no longer grow: fix its hashes and start its MIME parse now (memory is released early). */
  private finishSink(tx: Tx): void {
    if (!tx.sink || tx.sink.finished) return;
    const res = tx.sink.finish();
    tx.sink = undefined;
    if (tx.tee) {
      const tee = tx.tee;
      tx.tee = undefined;
      tee.hook(tee.key, EMPTY, true);
    }
    // Undefined when the whole message was retained: the MIME stage hashes it with the parse (off this thread).
    if (res.sha256 !== undefined) tx.t.bodySha256 = res.sha256;
    tx.t.prefixSha256 = res.prefixSha256;
    const at = tx.t.body.last ?? tx.t.start;
    if (res.truncated) {
      this.event('limit-message-bytes', at, 'c2s', `kept the first ${res.retainedBytes} bytes`);
    }
    const truncated = res.truncated || !tx.endOfData || tx.t.body.gapBytes > 0;
    this.parses.push(
      parseRetained(res, truncated, res.sha256 === undefined).then((r) => {
        if (r.sha256 !== undefined) tx.t.bodySha256 = r.sha256;
        tx.t.message = r.info;
        if (r.error !== undefined) this.event('mime-parse-error', at, 'c2s', r.error);
      }),
    );
  }

  private cutTx(tx: Tx, abort: TransactionAbort): void {
    if (!tx.cut) tx.cut = abort;
  }

  // ---------------------------------------------------------------- commands

  private pushPending(p: Pending): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.drop(1);
      const c = p.cmd >= 0 ? this.session.commands[p.cmd] : undefined;
      this.event('pipelining-overflow', c ? { frame: c.frame, tsSec: c.tsSec, tsNsec: c.tsNsec } : NO_REF, 'c2s');
    }
    this.pending.push(p);
  }

  private shiftPending(): Pending | undefined {
    return this.pending.shift();
  }

  private peekPending(): Pending | undefined {
    return this.pending.peek();
  }

  private ensureTx(ref: SegmentRef): Tx {
    if (this.cur) return this.cur;
    const tx = new Tx(this.txs.length, ref);
    if (this.onMessageData) tx.tee = { hook: this.onMessageData, key: { connectionId: this.info.id, transactionIndex: tx.t.index } };
    this.txs.push(tx);
    this.cur = tx;
    return tx;
  }

  private closeTx(reason: CloseReason, ref: SegmentRef): void {
    const tx = this.cur;
    if (!tx) return;
    this.cur = undefined;
    tx.closedBy = reason;
    tx.closeRef = ref;
    if (tx.bodyOpen) {
      // A BDAT transaction abandoned between chunks.
      this.cutTx(tx, { by: 'client', how: reason === 'quit' ? 'quit' : 'rset', ref, bodyBytesSent: tx.wire });
      this.finishSink(tx);
      if (this.bodyTx === tx) {
        this.bodyTx = undefined;
        // A 220 to STARTTLS can arrive while the client side is still inside a chunk (desynchronised by lost
        // packets): with no transaction left to count the bytes into, the client side goes back to commands.
        if (this.cmode === 'bdat') {
          this.cmode = 'cmd';
          this.bdatRemaining = 0;
        }
      }
    }
  }

  private commandLine(): void {
    const r = this.cr;
    const ref = r.lineRef;
    if (r.tooLong) this.event('line-too-long', ref, 'c2s', `${r.lineBytes} bytes`);
    if (r.bareLf) this.event('bare-lf', ref, 'c2s');
    const line = r.line;
    const cmd: SmtpCommand = { verb: '', args: '', frame: ref.frame, tsSec: ref.tsSec, tsNsec: ref.tsNsec, offset: r.lineOffset };
    if (this.authBudget > 0) {
      this.authBudget--;
      cmd.verb = 'AUTH-RESPONSE';
      cmd.args = '[redacted]';
      this.addCommand(cmd, { cmd: 0, verb: 'AUTH-RESPONSE' });
      return;
    }
    if (/[\x00-\x08\x0e-\x1f\x7f]/.test(line)) this.event('binary-data', ref, 'c2s');
    const sp = line.indexOf(' ');
    const rawVerb = sp < 0 ? line : line.slice(0, sp);
    const verb = rawVerb.toUpperCase();
    let args = sp < 0 ? '' : line.slice(sp + 1);
    if (!this.firstCommandChecked) {
      this.firstCommandChecked = true;
      if (FOREIGN_VERBS.has(verb) && this.session.commands.length === 0) {
        // The 220 greeting belonged to FTP or another protocol: drop the connection silently.
        this.mode = 'ignored';
        this.cmode = 'tls';
        this.smode = 'tls';
        return;
      }
    }
    if (!KNOWN_VERBS.has(verb)) {
      // A lone base64-looking token may be a credential line of an AUTH exchange we could not follow.
      const secretish = BASE64ISH.test(line.trim());
      this.event('unknown-command', ref, 'c2s', !secretish && /^[A-Za-z][A-Za-z0-9-]{0,15}$/.test(rawVerb) ? verb : undefined);
      cmd.verb = 'UNKNOWN';
      cmd.args = secretish ? '[redacted]' : line;
      this.addCommand(cmd, { cmd: 0, verb: 'UNKNOWN' });
      return;
    }
    cmd.verb = verb;
    const p: Pending = { cmd: 0, verb };
    switch (verb) {
      case 'EHLO':
      case 'HELO':
      case 'LHLO':
        if (this.session.helo === undefined) this.session.helo = args;
        if (verb === 'LHLO') this.lmtp = true;
        this.closeTx('helo', ref);
        break;
      case 'MAIL': {
        this.closeTx('mail', ref);
        const tx = this.ensureTx(ref);
        tx.t.mailFrom = address(args, 'FROM:');
        p.tx = tx;
        break;
      }
      case 'RCPT': {
        const tx = this.ensureTx(ref);
        const to = address(args, 'TO:');
        tx.t.rcptTo.push(to);
        p.tx = tx;
        p.rcpt = to;
        break;
      }
      case 'DATA': {
        const tx = this.ensureTx(ref);
        tx.t.method ??= 'DATA';
        p.tx = tx;
        break;
      }
      case 'BDAT':
        this.bdatCommand(cmd, args, p, ref);
        return;
      case 'RSET':
        this.closeTx('rset', ref);
        break;
      case 'QUIT':
        this.closeTx('quit', ref);
        this.quitSeen = true;
        break;
      case 'AUTH': {
        const sp2 = args.indexOf(' ');
        const mech = (sp2 < 0 ? args : args.slice(0, sp2)).toUpperCase();
        const ir = sp2 >= 0 && args.slice(sp2 + 1).trim() !== '';
        args = ir ? `${mech} [redacted]` : mech;
        this.session.auth = { mechanism: mech };
        this.authBudget = authLines(mech, ir);
        break;
      }
      default:
        break;
    }
    cmd.args = args;
    this.addCommand(cmd, p);
    if (verb === 'DATA') {
      if (this.serverSeen) {
        this.cmode = 'hold';
        this.holdFor = 'DATA';
        this.holdTx = p.tx;
      } else {
        this.startData(p.tx!);
      }
    } else if (verb === 'STARTTLS' && this.serverSeen) {
      this.cmode = 'hold';
      this.holdFor = 'STARTTLS';
    }
  }

  private addCommand(cmd: SmtpCommand, p: Pending): void {
    p.cmd = this.session.commands.length;
    this.session.commands.push(cmd);
    this.pushPending(p);
  }

  private bdatCommand(cmd: SmtpCommand, args: string, p: Pending, ref: SegmentRef): void {
    cmd.args = args;
    const m = /^\s*(\d+)(?:\s+(LAST))?\s*$/i.exec(args);
    if (!m) {
      this.event('invalid-bdat', ref, 'c2s', args === '' ? 'no chunk size' : 'malformed chunk size');
      this.addCommand(cmd, p);
      return;
    }
    let size: number;
    if (m[1].replace(/^0+(?=\d)/, '').length > MAX_SAFE_DIGITS) {
      this.event('bdat-too-long', ref, 'c2s', `chunk size of ${m[1].length} digits`);
      size = Number.MAX_SAFE_INTEGER;
    } else {
      size = Number(m[1]);
    }
    const last = m[2] !== undefined;
    const tx = this.ensureTx(ref);
    if (!tx.bodyStarted) {
      tx.bodyStarted = true;
      tx.t.method = 'BDAT';
      tx.sink = new MessageSink(this.limits.maxMessageBytes);
    }
    p.tx = tx;
    p.last = last;
    this.addCommand(cmd, p);
    this.bodyTx = tx;
    this.bdatLast = last;
    this.bdatRemaining = size;
    if (size > 0) {
      this.cmode = 'bdat';
    } else if (last) {
      this.endOfData(tx, ref);
      this.bodyTx = undefined;
    }
  }

  // ---------------------------------------------------------------- replies

  private replyLine(): void {
    const r = this.sr;
    const ref = r.lineRef;
    if (r.tooLong) this.event('line-too-long', ref, 's2c', `${r.lineBytes} bytes`);
    if (r.bareLf) this.event('bare-lf', ref, 's2c');
    const line = r.line;
    const m = /^([1-5]\d\d)([ -]|$)/.exec(line);
    if (!m) {
      this.event('invalid-reply', ref, 's2c', 'no reply code');
      return;
    }
    if (/[\x00-\x08\x0e-\x1f\x7f]/.test(line)) this.event('binary-data', ref, 's2c');
    const code = Number(m[1]);
    const text = line.slice(m[0].length);
    let rep = this.multi;
    if (rep && rep.code !== code) {
      this.event('invalid-reply', ref, 's2c', `code ${code} inside a ${rep.code} multi-line reply`);
    }
    if (!rep) {
      rep = { code, lines: [], frame: ref.frame, tsSec: ref.tsSec, tsNsec: ref.tsNsec, offset: r.lineOffset };
      this.multi = rep;
    }
    rep.lines.push(text);
    if (m[2] === '-') return;
    this.multi = undefined;
    this.reply(rep, ref);
  }

  private reply(rep: SmtpReply, lastRef: SegmentRef): void {
    const lastLine = rep.lines[rep.lines.length - 1];
    const em = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/.exec(lastLine);
    if (em && Number(em[1]) === Math.floor(rep.code / 100)) rep.enhanced = `${em[1]}.${em[2]}.${em[3]}`;
    const idx = this.session.replies.length;
    this.session.replies.push(rep);
    const ref: SegmentRef = { frame: rep.frame, tsSec: rep.tsSec, tsNsec: rep.tsNsec };

    if (!this.firstReplySeen) {
      this.firstReplySeen = true;
      const front = this.peekPending();
      const greeting =
        (rep.code === 220 && (!front || front.verb !== 'STARTTLS')) ||
        ((rep.code === 421 || rep.code === 554) && !front);
      if (greeting) {
        this.session.banner = rep.lines[0];
        if (this.session.commands.length > 0) {
          const c = this.session.commands[0];
          this.event('command-before-greeting', { frame: c.frame, tsSec: c.tsSec, tsNsec: c.tsNsec }, 'c2s');
        }
        return;
      }
      if (this.info.startSeen && this.start.s2c === 0) this.event('no-greeting', ref, 's2c', `first reply ${rep.code}`);
    }

    if (this.afterServerGap) {
      this.afterServerGap = false;
      this.realign(rep.code);
    }
    const p = this.shiftPending();
    if (!p) {
      this.orphanReply(rep, ref);
      return;
    }
    if (p.cmd >= 0) {
      rep.commandIndex = p.cmd;
      this.session.commands[p.cmd].replyIndex = idx;
    } else {
      rep.endOfData = true;
    }
    this.answered(p, rep, ref, lastRef);
  }

  /**
   * After a server-side gap: replies to the oldest pending commands may have been lost. A reply code that only one
   * kind of command gets (354 DATA, 334/235 AUTH, 221 QUIT, 220 STARTTLS) drops the pending entries before the
   * first command of that kind; any other code pairs with the oldest pending command as usual.
   */
  private realign(code: number): void {
    const fits: Record<number, string[]> = {
      354: ['DATA'],
      334: ['AUTH', 'AUTH-RESPONSE'],
      235: ['AUTH', 'AUTH-RESPONSE'],
      221: ['QUIT'],
      220: ['STARTTLS'],
    };
    const verbsFit = fits[code];
    if (!verbsFit) return;
    for (let k = 0; k < this.pending.length; k++) {
      if (verbsFit.includes(this.pending.at(k)!.verb)) {
        this.pending.drop(k);
        return;
      }
    }
  }

  private orphanReply(rep: SmtpReply, ref: SegmentRef): void {
    const tx = this.bodyTx;
    if (tx && this.cmode === 'data') {
      if (tx.eodAnswered) {
        // Its end-of-data reply was already taken (the '.' was in the gap): the client side is past the body.
        tx.endOfData = true;
        this.cmode = 'cmd';
        this.bodyTx = undefined;
        if (this.cur === tx) this.cur = undefined;
        return;
      }
      if (tx.cut && tx.cut.how === 'gap') {
        // The end of the body was lost in a gap; this reply answers it.
        this.event('resync-after-gap', ref, 's2c', `reply ${rep.code}`);
        rep.endOfData = true;
        tx.endOfData = true;
        this.cmode = 'cmd';
        this.bodyTx = undefined;
        if (this.cur === tx) this.cur = undefined;
        this.eodReply(tx, rep);
        return;
      }
      this.event('reply-during-data', ref, 's2c', `reply ${rep.code} before end of data`);
      if (!tx.duringData && tx.decoder && rep.code >= 200 && rep.code !== 421) tx.duringData = { rep, ref, wire: tx.decoder.wire };
      if (rep.code >= 400) {
        this.cutTx(tx, {
          by: 'server', how: 'reply', ref, bodyBytesSent: tx.wire,
          reply: { code: rep.code, text: rep.lines.join('\n') },
        });
      }
      return;
    }
    if (rep.code === 421) {
      const cur = this.cur;
      if (cur && cur.bodyOpen) {
        this.cutTx(cur, { by: 'server', how: 'reply', ref, bodyBytesSent: cur.wire, reply: { code: 421, text: rep.lines.join('\n') } });
      }
      return;
    }
    if (this.suppressOrphans || !this.clientSeen) return;
    this.event('reply-without-command', ref, 's2c', `reply ${rep.code}`);
  }

  private answered(p: Pending, rep: SmtpReply, ref: SegmentRef, lastRef: SegmentRef): void {
    const ok = rep.code >= 200 && rep.code < 300;
    const fail = rep.code >= 400;
    const tx = p.tx;
    if (rep.code === 421 && tx && tx.bodyOpen) {
      // The server gave up in the middle of a body (e.g. a timeout between BDAT chunks).
      this.cutTx(tx, { by: 'server', how: 'reply', ref, bodyBytesSent: tx.wire, reply: { code: 421, text: rep.lines.join('\n') } });
      return;
    }
    switch (p.verb) {
      case 'EHLO':
      case 'LHLO':
        if (ok) {
          this.session.extensions = rep.lines
            .slice(1)
            .map((l) => l.trim().split(/\s+/)[0].toUpperCase())
            .filter((k) => k !== '');
        }
        break;
      case 'STARTTLS':
        if (rep.code === 220) {
          this.closeTx('starttls', ref);
          this.session.tls = { ref };
          this.event('starttls', ref, 's2c');
          // Each side stops at its first TLS record; a decrypted capture goes on in plain text and is parsed.
          this.afterStarttls = true;
        }
        if (this.cmode === 'hold') this.release(false, ref);
        break;
      case 'AUTH':
      case 'AUTH-RESPONSE':
        if (rep.code === 334) {
          if (this.authBudget < 1) this.authBudget = 1;
        } else {
          this.authBudget = 0;
          if (this.session.auth && (ok || fail)) this.session.auth.outcome = ok ? 'success' : 'failure';
        }
        break;
      case 'MAIL':
        if (tx && fail) this.decideTx(tx, 'rejected', rep, 'MAIL');
        break;
      case 'RCPT':
        if (tx) {
          tx.rcptReplies++;
          if (ok) tx.t.rcptAccepted.push(p.rcpt ?? '');
          else if (fail) {
            tx.rcptFailures++;
            tx.lastRcptReject = rep;
          }
        }
        break;
      case 'DATA':
        if (rep.code === 354) {
          if (this.cmode === 'hold' && this.holdFor === 'DATA') this.release(true, ref);
        } else {
          if (tx && fail) {
            if (tx.rcptReplies > 0 && tx.t.rcptAccepted.length === 0 && tx.lastRcptReject) {
              this.decideTx(tx, 'rejected', tx.lastRcptReject, 'RCPT');
            } else {
              this.decideTx(tx, 'rejected', rep, 'DATA');
            }
          }
          if (this.cmode === 'hold' && this.holdFor === 'DATA') this.release(false, ref);
        }
        break;
      case 'BDAT':
        if (tx) {
          if (fail) this.decideTx(tx, 'rejected', rep, p.last ? 'end-of-data' : 'BDAT');
          else if (ok && p.last) this.decideTx(tx, 'accepted', rep);
        }
        break;
      case '.':
        if (tx) this.eodReply(tx, rep);
        break;
      default:
        break;
    }
  }

  private eodReply(tx: Tx, rep: SmtpReply): void {
    // The server already refused the body mid-way (reply-during-data): a reply to the later '.' does not undo it.
    if (tx.cut && tx.cut.how === 'reply' && tx.cut.by === 'server') return;
    if (rep.code >= 200 && rep.code < 300) this.decideTx(tx, 'accepted', rep);
    else if (rep.code >= 400) this.decideTx(tx, 'rejected', rep, 'end-of-data');
  }

  private decideTx(tx: Tx, outcome: 'accepted' | 'rejected', rep: SmtpReply, at?: SmtpTransaction['rejectedAt']): void {
    if (tx.decided) return;
    tx.decided = true;
    tx.t.outcome = outcome;
    tx.t.finalReply = rep;
    if (at) tx.t.rejectedAt = at;
  }

  // ---------------------------------------------------------------- end of connection

  private finish(close: ConnectionClose): void {
    const s = this.session;
    s.end = close.lastTs;
    s.tcp.close = close.reason;
    s.tcp.stats = { ...close.stats };
    const endRef = close.lastTs;
    if (this.cmode === 'cmd' && this.cr.flush()) {
      this.event('unterminated-line', this.cr.lineRef, 'c2s');
      this.commandLine();
    }
    if (this.smode === 'reply') {
      if (this.sr.flush()) {
        this.event('unterminated-line', this.sr.lineRef, 's2c');
        this.replyLine();
      }
      if (this.multi) {
        const m = this.multi;
        this.multi = undefined;
        this.reply(m, { frame: m.frame, tsSec: m.tsSec, tsNsec: m.tsNsec });
      }
    }
    if (this.cmode === 'hold') {
      if (this.holdFor === 'DATA' && this.heldBytes > 0) this.event('data-without-354', endRef, 'c2s', 'no reply to DATA before the body');
      this.release(this.holdFor === 'DATA' && this.heldBytes > 0, endRef);
    }
    if (this.clientSeen !== this.serverSeen) {
      this.event('one-sided', s.start, this.clientSeen ? 'c2s' : 's2c', this.clientSeen ? 'only client bytes' : 'only server bytes');
    }
    for (const tx of this.txs) {
      this.settle(tx);
      s.transactions.push(tx.t);
      this.finishSink(tx);
      tx.decoder = undefined;
    }
    const parses = this.parses;
    this.parses = [];
    const done = (): void => {
      for (const [name, n] of this.eventCounts) {
        if (n > MAX_EVENTS_PER_NAME) this.event('events-suppressed', endRef, undefined, `${name}: ${n - MAX_EVENTS_PER_NAME} more`);
      }
      // Stable order by frame so that asynchronous additions do not change the output.
      s.events.sort((a, b) => a.frame - b.frame);
    };
    if (parses.length === 0) {
      done();
      this.out.emit(s, parses);
    } else {
      this.out.emit(s, [Promise.all(parses).then(done)]);
    }
  }

  /** Final outcome of a transaction, from the facts gathered. */
  private settle(tx: Tx): void {
    const t = tx.t;
    const body = t.body;
    body.wireBytes = tx.wire;
    body.bytes = tx.unstuffed;
    attachPoints(body, tx.series.packed());
    if (tx.decided) return;
    if (tx.cut) {
      if (tx.cut.how === 'gap' && this.clientGapOpen && !tx.endOfData && !this.firstEnd && this.session.tcp.close === 'capture-end') {
        // The capture ended inside the hole: how the message ended is not in the capture.
        t.outcome = 'incomplete';
        return;
      }
      t.outcome = 'aborted';
      t.abort = tx.cut;
      return;
    }
    if (tx.endOfData) {
      t.outcome = 'incomplete';
      return;
    }
    if (!tx.bodyStarted && tx.rcptReplies > 0 && tx.t.rcptAccepted.length === 0 && tx.lastRcptReject && tx.rcptFailures === tx.rcptReplies) {
      t.outcome = 'rejected';
      t.rejectedAt = 'RCPT';
      t.finalReply = tx.lastRcptReject;
      return;
    }
    if (tx.closedBy) {
      t.outcome = 'reset';
      return;
    }
    const fe = this.firstEnd;
    if (fe) {
      t.outcome = 'aborted';
      t.abort = { by: fe.side, how: fe.kind, ref: fe.ref, bodyBytesSent: tx.wire };
      return;
    }
    t.outcome = 'incomplete';
  }
}

/** A TLS record header (handshake, alert, change-cipher-spec or application data, version 3.x) at b[i]. */
function isTlsRecord(b: Uint8Array, i: number): boolean {
  const t = b[i];
  if (t < 0x14 || t > 0x17) return false;
  return i + 1 >= b.length || b[i + 1] === 0x03;
}

/** After a gap: the bytes at b[i] start a reply line (`ddd` then ' ', '-', CR or LF). */
function looksLikeReply(b: Uint8Array, i: number): boolean {
  if (b.length - i < 4) return false;
  const d = (c: number): boolean => c >= 48 && c <= 57;
  const s = b[i + 3];
  return b[i] >= 50 && b[i] <= 53 && d(b[i + 1]) && d(b[i + 2]) && (s === 32 || s === 45 || s === 13 || s === 10);
}

/** The first n bytes read as part of a message: CRLF text lines with mail headers, a MIME boundary or base64. */
function looksLikeMessageBody(b: Uint8Array, n: number): boolean {
  if (n < 64) return false;
  const text = Buffer.from(b.buffer, b.byteOffset, n).toString('latin1');
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return false;
  if (/^(?:[A-Z]+ \S+ HTTP\/\d|HTTP\/\d)/.test(text)) return false;
  const lines = text.split('\n');
  lines.pop(); // the last line may be cut
  if (lines.length < 3) return false;
  for (const l of lines) if (l.length > 1000 || !l.endsWith('\r')) return false;
  if (MAIL_HEADER.test(text) || /^--[!-~]{6,}\r$/m.test(text)) return true;
  let b64 = 0;
  let len = -1;
  // The first line may start mid-line: base64 lines of one length after it.
  for (let k = 1; k < lines.length; k++) {
    const t = lines[k].slice(0, -1);
    if (t.length >= 40 && /^[A-Za-z0-9+/]+=*$/.test(t) && (len < 0 || t.length === len)) {
      len = t.length;
      b64++;
    }
  }
  return b64 >= 3;
}

/** After a gap: the bytes at b[i] start a known command verb followed by a space or a line break. */
function looksLikeCommand(b: Uint8Array, i: number): boolean {
  let j = i;
  while (j < b.length && j - i < 9 && ((b[j] | 0x20) >= 97 && (b[j] | 0x20) <= 122)) j++;
  if (j === i || j >= b.length) return false;
  const c = b[j];
  if (c !== 32 && c !== 13 && c !== 10) return false;
  return KNOWN_VERBS.has(Buffer.from(b.buffer, b.byteOffset + i, j - i).toString('latin1').toUpperCase());
}

/** The address of `MAIL FROM:<a> ...` / `RCPT TO:<a> ...` (angle brackets removed), or the first token. */
function address(args: string, prefix: string): string {
  let s = args.trimStart();
  if (s.slice(0, prefix.length).toUpperCase() === prefix) s = s.slice(prefix.length);
  else {
    const c = s.indexOf(':');
    if (c >= 0 && c < 8) s = s.slice(c + 1);
  }
  s = s.trimStart();
  if (s.startsWith('<')) {
    const e = s.indexOf('>');
    return e < 0 ? s.slice(1) : s.slice(1, e);
  }
  const sp = s.search(/\s/);
  return sp < 0 ? s : s.slice(0, sp);
}

/** Client response lines expected after `AUTH <mech>` when the server's 334 replies are not captured. */
function authLines(mech: string, initialResponse: boolean): number {
  switch (mech) {
    case 'LOGIN':
      return initialResponse ? 1 : 2;
    case 'PLAIN':
    case 'XOAUTH2':
    case 'OAUTHBEARER':
    case 'EXTERNAL':
    case 'ANONYMOUS':
      return initialResponse ? 0 : 1;
    case 'CRAM-MD5':
    case 'DIGEST-MD5':
    case 'NTLM':
    case 'GSSAPI':
    case 'SCRAM-SHA-1':
    case 'SCRAM-SHA-256':
      return initialResponse ? 1 : 1;
    default:
      return initialResponse ? 0 : 1;
  }
}
