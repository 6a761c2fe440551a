// Flow table and per-direction TCP stream reassembly: TcpPacket in capture order -> ordered StreamHandler events.

import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpPacket } from '../decode/types.js';
import { seqAdd, seqDiff, seqDistance } from './seq.js';
import { Fifo } from '../util/fifo.js';
import {
  DEFAULT_REASSEMBLY_LIMITS,
  type ConnectionClose,
  type ConnectionInfo,
  type ConnectionStats,
  type Direction,
  type HandlerFactory,
  type ReassemblyLimits,
  type SegmentRef,
  type StreamChunk,
  type StreamHandler,
} from './types.js';
import { SMTP_PORTS, SMTP_TLS_PORTS } from '../util/ports.js';

/** A segment further than this from a connection's expected sequence numbers belongs to another epoch/leg. */
const SEQ_WINDOW = 1 << 26;
/**
 * Closed connections are kept this long (capture seconds) to absorb trailing ACKs and retransmitted FINs, and at most
 * limits.maxClosedConnections of them (default below): a busy capture closes hundreds per second.
 */
const ZOMBIE_IDLE_SECONDS = 120;
const MAX_CLOSED_CONNECTIONS = 1024;
/** Recent packets remembered per tuple for duplicate detection. */
const DUP_RING = 4;
/**
 * A hole the peer has ACKed is declared a gap only after this many further packets of the connection (or
 * ACK_GAP_SECONDS): captures often hold an ACK a few packets before the data it acknowledges.
 */
const ACK_GAP_PACKETS = 8;
const ACK_GAP_SECONDS = 1;
const CACHE_SIZE = 4096;
/** Delivered chunks remembered per direction, and bytes sampled from each, for inconsistent-overlap checks. */
const HIST_CHUNKS = 16;
const HIST_SAMPLES = 8;
/** Stands for "no event can cite this packet" (see needRef in process()); never handed to a handler. */
const NO_REF: SegmentRef = Object.freeze({ frame: 0, tsSec: 0, tsNsec: 0 });

/** A piece of stream kept out of order. `bytes` is null for ignored connections and for snaplen-missing bytes. */
interface Seg {
  off: number;
  end: number;
  bytes: Uint8Array | null;
  missing: boolean;
  ref: SegmentRef;
}

/** One direction of a connection. Offsets are stream offsets (0 = first byte after SYN, or first seq seen). */
class Half {
  known = false;
  /** Sequence number of stream offset 0. */
  base = 0;
  /** Offset of the next byte to deliver; everything before it was delivered or declared a gap. */
  next = 0;
  /** Highest sequence number (end of segment, SYN/FIN counted) seen in this direction. */
  maxEndSeq = 0;
  buf: Seg[] = [];
  bufBytes = 0;
  /** The peer ACKed up to here while bytes before it are missing (-1: none pending); see ACK_GAP_PACKETS. */
  ackHole = -1;
  ackHolePackets = 0;
  ackHoleTs = 0;
  /** Stream offset of the FIN, -1 before one is seen. */
  finOff = -1;
  finRef: SegmentRef | null = null;
  ended = false;
  seen = false;
  /** The ACK number of the latest packet in this direction that had one (`ackSeen`): acks move with the peer's
   *  data, so a packet whose ACK is far from it belongs to another connection even before the peer is seen. */
  ackSeen = false;
  lastAck = 0;
  /**
   * The last HIST_CHUNKS delivered chunks, for inconsistent-overlap checks: offset, length and HIST_SAMPLES bytes
   * sampled evenly from first to last. Sampling instead of copying keeps the hot path free of memcpy (frame data
   * may sit in a SharedArrayBuffer, where copies are slow) and the memory per connection small.
   */
  histOff: Float64Array | null = null;
  histLen: Int32Array | null = null;
  histSamples: Uint8Array | null = null;
  histPos = 0;

  nextSeq(): number {
    return (this.base + this.next) >>> 0;
  }
  /** Stream offset of a sequence number, assuming it lies within 2^31 of the delivery point. */
  offsetOf(seq: number): number {
    return this.next + seqDiff(seq, (this.base + this.next) >>> 0);
  }
}

/** What connections() and totals need of a connection; outlives its Conn once that is dropped from the table. */
interface ConnRecord {
  info: ConnectionInfo;
  stats: ConnectionStats;
  close: ConnectionClose | undefined;
  conn: Conn | null;
}

class Conn {
  readonly c2s = new Half();
  readonly s2c = new Half();
  closed = false;
  close: ConnectionClose | undefined;
  lastTs = 0;
  lastFrame: number;
  lastTsSec: number;
  lastTsNsec: number;
  /** LRU list links (least recently active first). */
  prev: Conn | null = null;
  next: Conn | null = null;
  tracked = true;

  constructor(
    readonly info: ConnectionInfo,
    /** True when the client is the tuple's canonical first endpoint. */
    readonly clientIsA: boolean,
    readonly bucket: Bucket,
    public handler: StreamHandler | null,
    readonly stats: ConnectionStats,
    readonly rec: ConnRecord,
  ) {
    this.lastFrame = info.firstTs.frame;
    this.lastTsSec = info.firstTs.tsSec;
    this.lastTsNsec = info.firstTs.tsNsec;
  }

  lastRef(): SegmentRef {
    return { frame: this.lastFrame, tsSec: this.lastTsSec, tsNsec: this.lastTsNsec };
  }
}

/** A recently seen packet of a tuple, for duplicate detection. */
interface Recent {
  valid: boolean;
  fromA: boolean;
  seq: number;
  ack: number;
  len: number;
  flags: number;
  ipId: number;
  ttl: number;
  ifIndex: number;
  ifName: string | undefined;
  ifDir: string | undefined;
  ts: number;
  /** First and last payload byte (-1 when empty): a cheap guard against equal headers with other data. */
  b0: number;
  b1: number;
  conn: Conn | null;
}

/** Every connection (epoch, leg) sharing one address/port pair. */
class Bucket {
  readonly conns: Conn[] = [];
  readonly recent: Recent[] = [];
  pos = 0;
  live = true;
  constructor(
    readonly key: string,
    readonly ipA: string,
    readonly ipB: string,
    readonly ports: number,
  ) {
    for (let i = 0; i < DUP_RING; i++) {
      this.recent.push({
        valid: false, fromA: false, seq: 0, ack: 0, len: 0, flags: 0, ipId: -1, ttl: 0,
        ifIndex: 0, ifName: undefined, ifDir: undefined, ts: 0, b0: -1, b1: -1, conn: null,
      });
    }
  }
}

function newStats(): ConnectionStats {
  return {
    packets: 0, retransmissions: 0, overlaps: 0, outOfOrder: 0, gaps: 0, gapBytes: 0,
    duplicatesAcrossInterfaces: 0, bytesC2s: 0, bytesS2c: 0, bufferLimitHits: 0, inconsistentOverlaps: 0,
  };
}

function addStats(into: ConnectionStats, s: ConnectionStats): void {
  into.packets += s.packets;
  into.retransmissions += s.retransmissions;
  into.overlaps += s.overlaps;
  into.inconsistentOverlaps = (into.inconsistentOverlaps ?? 0) + (s.inconsistentOverlaps ?? 0);
  into.outOfOrder += s.outOfOrder;
  into.gaps += s.gaps;
  into.gapBytes += s.gapBytes;
  into.duplicatesAcrossInterfaces += s.duplicatesAcrossInterfaces;
  into.bufferLimitHits += s.bufferLimitHits;
  into.bytesC2s += s.bytesC2s;
  into.bytesS2c += s.bytesS2c;
}

function noteInterface(info: ConnectionInfo, name: string | undefined): void {
  if (name === undefined) return;
  const names = (info.interfaceNames ??= info.interfaceName !== undefined ? [info.interfaceName] : []);
  if (!names.includes(name)) names.push(name);
}

function sameInterface(info: ConnectionInfo, p: TcpPacket): boolean {
  return info.interfaceIndex === p.interfaceIndex && info.interfaceName === p.interfaceName;
}

function serverRank(port: number): number {
  // Without a SYN the server is the side on an SMTP port (plain or implicit TLS), else a well-known port.
  return SMTP_PORTS.has(port) || SMTP_TLS_PORTS.has(port) ? 0 : port < 1024 ? 1 : 2;
}

/** Without a SYN: true when the packet's destination looks like the server. */
function dstIsServer(p: TcpPacket): boolean {
  const rs = serverRank(p.srcPort);
  const rd = serverRank(p.dstPort);
  if (rd !== rs) return rd < rs;
  if (p.dstPort !== p.srcPort) return p.dstPort < p.srcPort;
  return true;
}

export class Reassembler {
  private readonly limits: ReassemblyLimits;
  private readonly maxBuf: number;
  private readonly dupWindow: number;
  private readonly overlapCheck: boolean;
  /** "ipA ipB ports" -> bucket; A is the smaller endpoint. Only looked up when the cache below misses. */
  private readonly buckets = new Map<string, Bucket>();
  /** Every connection's record in id order; empty unless limits.keepConnectionRecords. */
  private readonly all: ConnRecord[] = [];
  private readonly keepRecords: boolean;
  private readonly maxClosed: number;
  /** Connections created so far (the last id given). */
  private connCount = 0;
  /** Stats of the connections forgotten when records are not kept, summed. */
  private readonly folded: ConnectionStats = newStats();
  /** Direct-mapped by srcPort ^ dstPort (same for both directions): most packets skip the map lookups. */
  private readonly cache: Array<Bucket | null> = new Array<Bucket | null>(CACHE_SIZE).fill(null);
  /** Closed connections still in the table, in close order, so they expire even behind idle open ones. */
  private readonly closedQueue = new Fifo<Conn>();
  private lruHead: Conn | null = null;
  private lruTail: Conn | null = null;
  private trackedCount = 0;
  private evicted = 0;
  private finished = false;
  /** The chunk handed to onData, refilled for every call (see StreamChunk). */
  private readonly chunk: StreamChunk = { dir: 'c2s', offset: 0, bytes: new Uint8Array(0), ref: NO_REF };

  constructor(
    private readonly factory: HandlerFactory,
    limits?: Partial<ReassemblyLimits>,
  ) {
    this.limits = { ...DEFAULT_REASSEMBLY_LIMITS, ...limits };
    this.maxBuf = Math.max(0, this.limits.maxBufferedBytesPerDirection);
    this.dupWindow = (this.limits.duplicateWindowMs ?? 50) / 1000;
    this.overlapCheck = this.limits.overlapCheck ?? true;
    this.keepRecords = this.limits.keepConnectionRecords ?? true;
    this.maxClosed = Math.max(0, this.limits.maxClosedConnections ?? MAX_CLOSED_CONNECTIONS);
  }

  /** Feed one decoded segment (capture order). Never throws on bad traffic. */
  push(p: TcpPacket): void {
    if (this.finished) return;
    const src = p.src;
    const dst = p.dst;
    const ts = p.tsSec + p.tsNsec * 1e-9;
    const fwd = p.srcPort * 65536 + p.dstPort;
    const rev = p.dstPort * 65536 + p.srcPort;
    const slot = (p.srcPort ^ p.dstPort) & (CACHE_SIZE - 1);
    let bucket = this.cache[slot];
    let fromA: boolean;
    if (bucket !== null && bucket.live && bucket.ports === fwd && bucket.ipA === src && bucket.ipB === dst) {
      fromA = true;
    } else if (bucket !== null && bucket.live && bucket.ports === rev && bucket.ipA === dst && bucket.ipB === src) {
      fromA = false;
    } else {
      fromA = src < dst ? true : src > dst ? false : p.srcPort <= p.dstPort;
      const ipA = fromA ? src : dst;
      const ipB = fromA ? dst : src;
      const ports = fromA ? fwd : rev;
      const key = ipA + ' ' + ipB + ' ' + ports;
      bucket = this.buckets.get(key) ?? null;
      if (bucket === null) {
        bucket = new Bucket(key, ipA, ipB, ports);
        this.buckets.set(key, bucket);
      }
      this.cache[slot] = bucket;
    }
    if (bucket.conns.length > 0 && this.isDuplicate(bucket, p, fromA, ts)) return;
    const conn = this.select(bucket, p, fromA, ts);
    this.remember(bucket, p, fromA, ts, conn);
    this.process(conn, p, fromA, ts);
  }

  /** End of capture: flush buffered data (gaps declared), close every open connection with reason 'capture-end'. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    // Every open connection is in the table (eviction closes before it drops); close them in id order.
    for (const c of this.tracked()) {
      if (c.closed) continue;
      const bothFin = c.c2s.finOff >= 0 && c.s2c.finOff >= 0;
      this.closeConn(c, bothFin ? 'fin' : 'capture-end', c.lastRef(), null);
    }
  }

  /** Totals across connections. `packets` excludes duplicates, which are counted in duplicatesAcrossInterfaces. */
  get totals(): Record<string, number> {
    const s = newStats();
    addStats(s, this.folded);
    for (const r of this.records()) addStats(s, r.stats);
    return {
      connections: this.connCount, packets: s.packets, retransmissions: s.retransmissions, overlaps: s.overlaps,
      inconsistentOverlaps: s.inconsistentOverlaps ?? 0, outOfOrder: s.outOfOrder, gaps: s.gaps, gapBytes: s.gapBytes,
      duplicatesAcrossInterfaces: s.duplicatesAcrossInterfaces, evicted: this.evicted, bufferLimitHits: s.bufferLimitHits,
      bytesC2s: s.bytesC2s, bytesS2c: s.bytesS2c,
    };
  }

  /**
   * Every connection seen, in id order; closed ones carry their close record with up-to-date stats. Without
   * keepConnectionRecords, only the connections still in the table.
   */
  connections(): ReadonlyArray<ConnectionInfo & { close?: ConnectionClose }> {
    return this.records().map((r) => (r.close ? { ...r.info, close: { ...r.close, stats: { ...r.stats } } } : { ...r.info }));
  }

  // ---- flow table ----------------------------------------------------------------------------------

  private isDuplicate(bucket: Bucket, p: TcpPacket, fromA: boolean, ts: number): boolean {
    const pl = p.payload;
    const len = pl.length + p.payloadMissing;
    const ipId = p.ipId ?? -1;
    const b0 = pl.length > 0 ? pl[0] : -1;
    const b1 = pl.length > 0 ? pl[pl.length - 1] : -1;
    for (let i = 0; i < DUP_RING; i++) {
      const e = bucket.recent[i];
      if (!e.valid || e.fromA !== fromA || e.seq !== p.seq || e.ack !== p.ack || e.len !== len) continue;
      if (e.flags !== p.flags || e.ipId !== ipId || e.b0 !== b0 || e.b1 !== b1) continue;
      const dt = ts - e.ts;
      if (dt > this.dupWindow || dt < -this.dupWindow) continue;
      const sameIf = e.ifIndex === p.interfaceIndex && e.ifName === p.interfaceName && e.ifDir === p.direction;
      const dTtl = e.ttl - p.ttl;
      // Same interface: a capture duplicate is bit-identical. Elsewhere: a routed copy, TTL one lower.
      if (sameIf ? dTtl !== 0 : dTtl < -1 || dTtl > 1) continue;
      if (e.conn !== null) {
        e.conn.stats.duplicatesAcrossInterfaces++;
        if (p.interfaceName !== e.conn.info.interfaceName) noteInterface(e.conn.info, p.interfaceName);
      }
      return true;
    }
    return false;
  }

  private remember(bucket: Bucket, p: TcpPacket, fromA: boolean, ts: number, conn: Conn): void {
    const e = bucket.recent[bucket.pos];
    bucket.pos = (bucket.pos + 1) % DUP_RING;
    e.valid = true;
    e.fromA = fromA;
    e.seq = p.seq;
    e.ack = p.ack;
    e.len = p.payload.length + p.payloadMissing;
    e.flags = p.flags;
    e.ipId = p.ipId ?? -1;
    e.ttl = p.ttl;
    e.ifIndex = p.interfaceIndex;
    e.ifName = p.interfaceName;
    e.ifDir = p.direction;
    e.ts = ts;
    const pl = p.payload;
    e.b0 = pl.length > 0 ? pl[0] : -1;
    e.b1 = pl.length > 0 ? pl[pl.length - 1] : -1;
    e.conn = conn;
  }

  /** Which connection (epoch / proxy leg) of this tuple the packet belongs to; creates one if none fits. */
  private select(bucket: Bucket, p: TcpPacket, fromA: boolean, ts: number): Conn {
    const flags = p.flags;
    const conns = bucket.conns;
    if ((flags & TCP_SYN) !== 0) {
      if ((flags & TCP_ACK) === 0) {
        for (let i = conns.length - 1; i >= 0; i--) {
          const c = conns[i];
          // A retransmitted SYN. On another interface and not a duplicate, the same ISN is a proxy leg that kept
          // the client's ISN (a routed SYN's second copy was already dropped as a duplicate).
          if (c.clientIsA === fromA && c.info.clientIsn === p.seq && sameInterface(c.info, p)) return c;
        }
        return this.create(bucket, p, fromA, fromA, ts, true, false);
      }
      let match: Conn | null = null;
      for (let i = conns.length - 1; i >= 0; i--) {
        const c = conns[i];
        const isn = c.info.clientIsn;
        // The SYN-ACK acknowledges the SYN (and any TFO data it carried).
        const d = isn === undefined ? -1 : seqDiff(p.ack, seqAdd(isn, 1));
        if (c.clientIsA !== fromA && d >= 0 && d <= seqDiff(c.c2s.maxEndSeq, seqAdd(isn as number, 1))) {
          if (c.info.serverIsn === undefined || c.info.serverIsn === p.seq) {
            if (sameInterface(c.info, p)) return c;
            match ??= c;
          }
        }
      }
      return match ?? this.create(bucket, p, fromA, !fromA, ts, true, true);
    }
    let best: Conn | null = null;
    let bestScore = Infinity;
    const hasAck = (flags & TCP_ACK) !== 0;
    for (let i = conns.length - 1; i >= 0; i--) {
      const c = conns[i];
      const c2s = c.clientIsA === fromA;
      const half = c2s ? c.c2s : c.s2c;
      const peer = c2s ? c.s2c : c.c2s;
      let score = 0;
      let compared = false;
      if (half.known) {
        const d1 = Math.min(seqDistance(p.seq, half.nextSeq()), seqDistance(p.seq, half.maxEndSeq));
        if (d1 > SEQ_WINDOW) continue;
        score += d1;
        compared = true;
      }
      if (hasAck && peer.known) {
        const d2 = seqDistance(p.ack, peer.maxEndSeq);
        if (d2 > SEQ_WINDOW) continue;
        score += d2;
        compared = true;
      } else if (hasAck && half.ackSeen) {
        // The peer is not seen yet (a capture that starts mid-connection): compare with this direction's last ACK.
        // Two legs of a transparent proxy share the tuple and may have nearby sequence numbers in one direction,
        // but the far ends' ISNs, which their ACKs follow, differ.
        const d3 = seqDistance(p.ack, half.lastAck);
        if (d3 > SEQ_WINDOW) continue;
        score += d3;
        compared = true;
      }
      if (!compared) score = SEQ_WINDOW;
      if (c.closed) score += 1; // prefer a live connection on ties
      if (c.info.interfaceIndex !== p.interfaceIndex) score += 1;
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    if (best !== null) return best;
    if ((flags & TCP_RST) !== 0) {
      // Lenient: an out-of-window RST still ends the most recently active live connection of the tuple.
      // Same interface first (a proxy leg), then the most recently active.
      let recent: Conn | null = null;
      let recentSame = false;
      for (const c of conns) {
        if (c.closed) continue;
        const same = sameInterface(c.info, p);
        if (recent === null || (same && !recentSame) || (same === recentSame && c.lastTs >= recent.lastTs)) {
          recent = c;
          recentSame = same;
        }
      }
      if (recent !== null) return recent;
    }
    return this.create(bucket, p, fromA, dstIsServer(p) ? fromA : !fromA, ts, false, false);
  }

  private create(
    bucket: Bucket,
    p: TcpPacket,
    fromA: boolean,
    clientIsA: boolean,
    ts: number,
    syn: boolean,
    synAck: boolean,
  ): Conn {
    const senderIsClient = clientIsA === fromA;
    const ref: SegmentRef = { frame: p.frame, tsSec: p.tsSec, tsNsec: p.tsNsec };
    const info: ConnectionInfo = {
      id: this.connCount + 1,
      client: senderIsClient ? { ip: p.src, port: p.srcPort } : { ip: p.dst, port: p.dstPort },
      server: senderIsClient ? { ip: p.dst, port: p.dstPort } : { ip: p.src, port: p.srcPort },
      interfaceIndex: p.interfaceIndex,
      startSeen: syn,
      firstFrame: p.frame,
      firstTs: ref,
    };
    if (p.interfaceName !== undefined) info.interfaceName = p.interfaceName;
    if (p.vlan !== undefined && p.vlan.length > 0) info.vlan = p.vlan.slice();
    if (synAck) {
      // SYN not captured but the SYN-ACK gives both ISNs.
      info.clientIsn = seqAdd(p.ack, -1);
    }
    this.sweep(ts);
    const handler = this.factory(info);
    const stats = newStats();
    const rec: ConnRecord = { info, stats, close: undefined, conn: null };
    const c = new Conn(info, clientIsA, bucket, handler, stats, rec);
    rec.conn = c;
    c.lastTs = ts;
    if (synAck) {
      c.c2s.known = true;
      c.c2s.base = p.ack;
      c.c2s.maxEndSeq = p.ack;
    }
    bucket.conns.push(c);
    this.connCount++;
    if (this.keepRecords) this.all.push(rec);
    this.lruAppend(c);
    this.trackedCount++;
    while (this.trackedCount > this.limits.maxConnections && this.lruHead !== null && this.lruHead !== c) {
      const old = this.lruHead;
      if (!old.closed) {
        this.evicted++;
        this.closeConn(old, 'evicted', old.lastRef(), null);
      }
      this.untrack(old);
    }
    return c;
  }

  /** Drop closed connections idle for a while (they only absorb trailing packets). */
  private sweep(ts: number): void {
    const q = this.closedQueue;
    for (let c = q.peek(); c !== undefined; c = q.peek()) {
      if (c.tracked && ts - c.lastTs <= ZOMBIE_IDLE_SECONDS && q.length <= this.maxClosed) break;
      this.untrack(c);
      q.shift();
    }
  }

  /** Records of every connection, or without keepConnectionRecords of those still in the table; in id order. */
  private records(): ConnRecord[] {
    return this.keepRecords ? this.all : this.tracked().map((c) => c.rec);
  }

  /** Connections in the table (open ones and closed ones kept for trailing packets), in id order. */
  private tracked(): Conn[] {
    const out: Conn[] = [];
    for (let c = this.lruHead; c !== null; c = c.next) out.push(c);
    return out.sort((a, b) => a.info.id - b.info.id);
  }

  private untrack(c: Conn): void {
    if (!c.tracked) return;
    c.tracked = false;
    this.lruUnlink(c);
    this.trackedCount--;
    const conns = c.bucket.conns;
    const i = conns.indexOf(c);
    if (i >= 0) conns.splice(i, 1);
    if (conns.length === 0) this.dropBucket(c.bucket);
    for (const e of c.bucket.recent) if (e.conn === c) e.conn = null;
    // From now on only the record remains (closeConn ran before for an open connection), if records are kept.
    c.rec.conn = null;
    if (!this.keepRecords) addStats(this.folded, c.rec.stats);
  }

  private dropBucket(b: Bucket): void {
    b.live = false;
    if (this.buckets.get(b.key) === b) this.buckets.delete(b.key);
    const slot = (b.ports >>> 16 ^ b.ports) & (CACHE_SIZE - 1);
    if (this.cache[slot] === b) this.cache[slot] = null;
  }

  private lruAppend(c: Conn): void {
    c.prev = this.lruTail;
    c.next = null;
    if (this.lruTail !== null) this.lruTail.next = c;
    else this.lruHead = c;
    this.lruTail = c;
  }

  private lruUnlink(c: Conn): void {
    if (c.prev !== null) c.prev.next = c.next;
    else this.lruHead = c.next;
    if (c.next !== null) c.next.prev = c.prev;
    else this.lruTail = c.prev;
    c.prev = c.next = null;
  }

  // ---- per-connection processing -------------------------------------------------------------------

  private process(c: Conn, p: TcpPacket, fromA: boolean, ts: number): void {
    if (this.lruTail !== c) {
      this.lruUnlink(c);
      this.lruAppend(c);
    }
    c.lastTs = ts;
    c.lastFrame = p.frame;
    c.lastTsSec = p.tsSec;
    c.lastTsNsec = p.tsNsec;
    c.stats.packets++;
    if (p.interfaceName !== c.info.interfaceName) noteInterface(c.info, p.interfaceName);
    const c2s = c.clientIsA === fromA;
    const dir: Direction = c2s ? 'c2s' : 's2c';
    const half = c2s ? c.c2s : c.s2c;
    const peer = c2s ? c.s2c : c.c2s;
    const flags = p.flags;
    if ((flags & TCP_ACK) !== 0) {
      half.ackSeen = true;
      half.lastAck = p.ack;
    }
    const info = c.info;
    if (!half.seen) {
      half.seen = true;
      if (c2s) {
        info.clientTtl = p.ttl;
        info.clientWindow = p.window;
      } else {
        info.serverTtl = p.ttl;
        info.serverWindow = p.window;
      }
    }
    if (p.options.mss !== undefined) {
      if (c2s) info.clientMss ??= p.options.mss;
      else info.serverMss ??= p.options.mss;
    }
    if (c.closed) return;

    const syn = (flags & TCP_SYN) !== 0;
    let dataSeq = p.seq;
    if (syn) {
      dataSeq = seqAdd(p.seq, 1);
      if (c2s) info.clientIsn ??= p.seq;
      else info.serverIsn ??= p.seq;
      if (!half.known) {
        half.known = true;
        half.base = dataSeq;
        half.maxEndSeq = dataSeq;
      } else if (half.base === dataSeq && half.next === 0 && p.payload.length === 0) {
        c.stats.retransmissions++;
      }
    }
    if (!half.known) {
      half.known = true;
      half.base = dataSeq;
      half.maxEndSeq = dataSeq;
    }
    const segLen = p.payload.length + p.payloadMissing;
    // Pure ACKs of a healthy connection emit nothing: spare them the SegmentRef allocation.
    const needRef =
      segLen > 0 || (flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0 || peer.ackHole >= 0 || half.ackHole >= 0 || peer.finOff >= 0;
    const ref: SegmentRef = needRef ? { frame: p.frame, tsSec: p.tsSec, tsNsec: p.tsNsec } : NO_REF;
    const endSeq = seqAdd(dataSeq, segLen + ((flags & TCP_FIN) !== 0 ? 1 : 0));
    if (seqDiff(endSeq, half.maxEndSeq) > 0 && seqDiff(endSeq, half.maxEndSeq) <= SEQ_WINDOW) half.maxEndSeq = endSeq;

    if (peer.ackHole >= 0) this.ackHoleTick(c, peer, c2s ? 's2c' : 'c2s', ts, ref);
    if (half.ackHole >= 0) this.ackHoleTick(c, half, dir, ts, ref);
    if ((flags & TCP_ACK) !== 0 && peer.known && !peer.ended) {
      this.onPeerAck(c, peer, c2s ? 's2c' : 'c2s', p.ack, ts, ref);
    }
    if ((flags & TCP_RST) !== 0) {
      this.closeConn(c, 'rst', ref, dir);
      return;
    }
    if (segLen > 0 && !half.ended) {
      const off = half.offsetOf(dataSeq);
      if (p.payload.length > 0) this.accept(c, half, dir, off, p.payload.length, p.payload, false, ref);
      if (p.payloadMissing > 0) this.accept(c, half, dir, off + p.payload.length, p.payloadMissing, null, true, ref);
    }
    if ((flags & TCP_FIN) !== 0 && half.finOff < 0 && !half.ended) {
      half.finOff = Math.max(half.offsetOf(dataSeq) + segLen, half.next);
      half.finRef = ref;
      // Buffered bytes beyond the FIN can never be delivered.
      this.trimAfterFin(half);
      this.checkFin(c, half, dir);
    }
    if (c.c2s.ended && c.s2c.ended) this.closeConn(c, 'fin', ref, null);
  }

  /** The peer acknowledged bytes of `half` up to `ack`: whatever is still missing before it was never captured. */
  private onPeerAck(c: Conn, half: Half, dir: Direction, ack: number, ts: number, ref: SegmentRef): void {
    const d = seqDiff(ack, half.nextSeq());
    if (d <= 0 || d > SEQ_WINDOW) return;
    let upto = half.next + d;
    if (half.finOff >= 0 && upto > half.finOff) {
      // The FIN itself is acknowledged: everything before it reached the peer, nothing more will come.
      this.skipTo(c, half, dir, half.finOff, ref);
      half.ackHole = -1;
      this.checkFin(c, half, dir);
      return;
    }
    if (upto <= half.next) return;
    if (half.ackHole < 0) {
      half.ackHolePackets = 0;
      half.ackHoleTs = ts;
    }
    if (upto > half.ackHole) half.ackHole = upto;
  }

  /** One more packet since the peer ACKed a hole: declare it once the data has had its chance to show up. */
  private ackHoleTick(c: Conn, half: Half, dir: Direction, ts: number, ref: SegmentRef): void {
    if (half.next >= half.ackHole || half.ended) {
      half.ackHole = -1;
      return;
    }
    if (++half.ackHolePackets < ACK_GAP_PACKETS && ts - half.ackHoleTs < ACK_GAP_SECONDS) return;
    const upto = half.ackHole;
    half.ackHole = -1;
    this.skipTo(c, half, dir, upto, ref);
    this.checkFin(c, half, dir);
  }

  private trimAfterFin(half: Half): void {
    const fin = half.finOff;
    const buf = half.buf;
    while (buf.length > 0 && buf[buf.length - 1].end > fin) {
      const s = buf[buf.length - 1];
      if (s.off >= fin) {
        buf.pop();
        half.bufBytes -= s.end - s.off;
      } else {
        half.bufBytes -= s.end - fin;
        if (s.bytes !== null) s.bytes = s.bytes.subarray(0, fin - s.off);
        s.end = fin;
      }
    }
  }

  private checkFin(c: Conn, half: Half, dir: Direction): void {
    if (half.finOff >= 0 && !half.ended && half.next >= half.finOff) {
      half.ended = true;
      if (c.handler !== null) c.handler.onEnd({ dir, kind: 'fin', ref: half.finRef as SegmentRef });
    }
  }

  /** Declare gaps and deliver buffered data until `half.next >= upto`. */
  private skipTo(c: Conn, half: Half, dir: Direction, upto: number, ref: SegmentRef): void {
    while (half.next < upto) {
      const head = half.buf.length > 0 ? half.buf[0] : null;
      if (head !== null && head.off <= half.next) {
        this.drain(c, half, dir);
        continue;
      }
      const gapEnd = head !== null && head.off < upto ? head.off : upto;
      this.gap(c, half, dir, gapEnd - half.next, ref);
      this.drain(c, half, dir);
    }
  }

  /** Deliver every buffered segment that is now in order. */
  private drain(c: Conn, half: Half, dir: Direction): void {
    const buf = half.buf;
    // In-order traffic buffers nothing: leave at once (even `buf.length = 0` costs, once per segment).
    if (buf.length === 0) return;
    let k = 0;
    while (k < buf.length && buf[k].off <= half.next) {
      const s = buf[k++];
      half.bufBytes -= s.end - s.off;
      if (s.end <= half.next) continue;
      const skip = half.next - s.off;
      this.emit(c, half, dir, s.bytes !== null && skip > 0 ? s.bytes.subarray(skip) : s.bytes, s.end - half.next, s.missing, s.ref);
    }
    if (k === buf.length) buf.length = 0;
    else if (k > 0) buf.splice(0, k);
  }

  /** Hand `len` in-order bytes at half.next upward (or a gap for snaplen-missing bytes). */
  private emit(
    c: Conn,
    half: Half,
    dir: Direction,
    bytes: Uint8Array | null,
    len: number,
    missing: boolean,
    ref: SegmentRef,
  ): void {
    if (missing) {
      this.gap(c, half, dir, len, ref);
      return;
    }
    const off = half.next;
    half.next = off + len;
    if (dir === 'c2s') c.stats.bytesC2s += len;
    else c.stats.bytesS2c += len;
    if (c.handler === null || bytes === null || c.handler.skipData === true) return;
    if (this.overlapCheck) {
      let offs = half.histOff;
      if (offs === null) {
        offs = half.histOff = new Float64Array(HIST_CHUNKS);
        half.histLen = new Int32Array(HIST_CHUNKS);
        half.histSamples = new Uint8Array(HIST_CHUNKS * HIST_SAMPLES);
      }
      const i = half.histPos;
      half.histPos = i + 1 === HIST_CHUNKS ? 0 : i + 1;
      offs[i] = off;
      (half.histLen as Int32Array)[i] = len;
      const samples = half.histSamples as Uint8Array;
      const step = (len - 1) / (HIST_SAMPLES - 1);
      for (let k = 0, b = i * HIST_SAMPLES; k < HIST_SAMPLES; k++) samples[b + k] = bytes[Math.round(k * step)];
    }
    const k = this.chunk;
    k.dir = dir;
    k.offset = off;
    k.bytes = bytes;
    k.ref = ref;
    c.handler.onData(k);
  }

  private gap(c: Conn, half: Half, dir: Direction, len: number, ref: SegmentRef): void {
    if (len <= 0) return;
    const off = half.next;
    half.next = off + len;
    c.stats.gaps++;
    c.stats.gapBytes += len;
    if (c.handler !== null && c.handler.skipData !== true) c.handler.onGap({ dir, offset: off, length: len, ref });
  }

  /** True when `bytes` (at stream offset `off`) differ from a sampled byte of a recently delivered chunk. */
  private differsFromHistory(half: Half, off: number, bytes: Uint8Array | null): boolean {
    const offs = half.histOff;
    if (offs === null || bytes === null) return false;
    const lens = half.histLen as Int32Array;
    const samples = half.histSamples as Uint8Array;
    const hi = off + bytes.length;
    for (let i = 0; i < HIST_CHUNKS; i++) {
      const len = lens[i];
      const eOff = offs[i];
      if (len === 0 || eOff >= hi || eOff + len <= off) continue;
      const step = (len - 1) / (HIST_SAMPLES - 1);
      for (let k = 0, b = i * HIST_SAMPLES; k < HIST_SAMPLES; k++) {
        const o = eOff + Math.round(k * step);
        if (o >= off && o < hi && bytes[o - off] !== samples[b + k]) return true;
      }
    }
    return false;
  }

  /**
   * A segment's bytes at stream offset `off`: retransmission, overlap, in order, or out of order.
   * Policy: first data wins; bytes already delivered or buffered are never replaced.
   */
  private accept(
    c: Conn,
    half: Half,
    dir: Direction,
    off: number,
    len: number,
    payload: Uint8Array | null,
    missing: boolean,
    ref: SegmentRef,
  ): void {
    const stats = c.stats;
    let bytes = c.handler === null || c.handler.skipData === true ? null : payload;
    let end = off + len;
    if (half.finOff >= 0 && end > half.finOff) {
      end = half.finOff;
      if (end <= off) return;
      if (bytes !== null) bytes = bytes.subarray(0, end - off);
    }
    // Classify and count once.
    if (end <= half.next) {
      stats.retransmissions++;
      // A keep-alive re-sends one arbitrary byte below the window: not an inconsistency.
      const keepAlive = len === 1 && off === half.next - 1;
      if (!keepAlive && this.differsFromHistory(half, off, bytes)) (stats.inconsistentOverlaps as number)++;
      return;
    }
    let overlapped = false;
    let inconsistent = false;
    if (off < half.next) {
      overlapped = true;
      inconsistent = this.differsFromHistory(half, off, bytes);
    }
    const lo0 = off < half.next ? half.next : off;
    const buf = half.buf;
    let covered = 0;
    let exact = false;
    for (let i = firstEndingAfter(buf, lo0); i < buf.length; i++) {
      const s = buf[i];
      if (s.off >= end) break;
      const lo = s.off > lo0 ? s.off : lo0;
      const hi = s.end < end ? s.end : end;
      covered += hi - lo;
      if (s.off === lo0 && s.end === end) exact = true;
      if (!inconsistent && bytes !== null && s.bytes !== null) {
        const sb = s.bytes;
        for (let o = lo; o < hi; o++) {
          if (sb[o - s.off] !== bytes[o - off]) {
            inconsistent = true;
            break;
          }
        }
      }
    }
    if (covered === end - lo0) {
      if (exact && !overlapped) stats.retransmissions++;
      else stats.overlaps++;
      if (inconsistent) (stats.inconsistentOverlaps as number)++;
      return;
    }
    if (overlapped || covered > 0) stats.overlaps++;
    if (inconsistent) (stats.inconsistentOverlaps as number)++;
    if (lo0 > half.next) stats.outOfOrder++;

    // Place the bytes.
    let hit = false;
    for (;;) {
      if (end <= half.next) return;
      if (off < half.next) {
        if (bytes !== null) bytes = bytes.subarray(half.next - off);
        off = half.next;
      }
      if (off === half.next) {
        this.deliverMerged(c, half, dir, off, end, bytes, missing, ref);
        return;
      }
      const uncovered = end - off - coveredBytes(buf, off, end);
      if (uncovered === 0) return;
      if (half.bufBytes + uncovered <= this.maxBuf) {
        this.insert(half, off, end, bytes, missing, ref);
        return;
      }
      // Buffer limit: give up the oldest hole as a gap and go on.
      if (!hit) {
        hit = true;
        stats.bufferLimitHits++;
      }
      const head = buf.length > 0 ? buf[0] : null;
      if (head !== null && head.off < off) {
        this.gap(c, half, dir, head.off - half.next, ref);
        this.drain(c, half, dir);
      } else {
        this.gap(c, half, dir, off - half.next, ref);
      }
    }
  }

  /** Deliver a segment starting at half.next, letting buffered bytes it overlaps win, then drain. */
  private deliverMerged(
    c: Conn,
    half: Half,
    dir: Direction,
    off: number,
    end: number,
    bytes: Uint8Array | null,
    missing: boolean,
    ref: SegmentRef,
  ): void {
    const buf = half.buf;
    while (half.next < end) {
      const cur = half.next;
      if (buf.length > 0 && buf[0].off <= cur) {
        const s = buf.shift() as Seg;
        half.bufBytes -= s.end - s.off;
        if (s.end > cur) {
          const skip = cur - s.off;
          this.emit(c, half, dir, s.bytes !== null && skip > 0 ? s.bytes.subarray(skip) : s.bytes, s.end - cur, s.missing, s.ref);
        }
        continue;
      }
      const stop = buf.length > 0 && buf[0].off < end ? buf[0].off : end;
      // The usual case, a whole segment in order, passes its payload view on as it is (no new view).
      const part = bytes === null ? null : cur === off && stop - off === bytes.length ? bytes : bytes.subarray(cur - off, stop - off);
      this.emit(c, half, dir, part, stop - cur, missing, ref);
    }
    this.drain(c, half, dir);
  }

  /** Buffer the parts of [off, end) not already buffered (copies: the payload view dies with the call). */
  private insert(half: Half, off: number, end: number, bytes: Uint8Array | null, missing: boolean, ref: SegmentRef): void {
    const buf = half.buf;
    let i = firstEndingAfter(buf, off);
    let cur = off;
    while (cur < end) {
      if (i < buf.length && buf[i].off <= cur) {
        if (buf[i].end > cur) cur = buf[i].end;
        i++;
        continue;
      }
      const stop = i < buf.length && buf[i].off < end ? buf[i].off : end;
      buf.splice(i, 0, {
        off: cur,
        end: stop,
        bytes: bytes !== null ? bytes.slice(cur - off, stop - off) : null,
        missing,
        ref,
      });
      half.bufBytes += stop - cur;
      i++;
      cur = stop;
    }
  }

  /** Deliver what is buffered, declaring the holes between as gaps, up to the FIN if one was seen. */
  private flush(c: Conn, half: Half, dir: Direction, ref: SegmentRef): void {
    if (!half.known || half.ended) return;
    const last = half.buf.length > 0 ? half.buf[half.buf.length - 1].end : half.next;
    let upto = half.finOff > last ? half.finOff : last;
    if (half.ackHole > upto) upto = half.ackHole;
    half.ackHole = -1;
    if (upto > half.next) this.skipTo(c, half, dir, upto, ref);
    this.checkFin(c, half, dir);
  }

  private closeConn(c: Conn, reason: ConnectionClose['reason'], ref: SegmentRef, rstDir: Direction | null): void {
    if (c.closed) return;
    this.flush(c, c.c2s, 'c2s', ref);
    this.flush(c, c.s2c, 's2c', ref);
    c.closed = true;
    if (c.tracked) this.closedQueue.push(c);
    const h = c.handler;
    if (rstDir !== null && h !== null) h.onEnd({ dir: rstDir, kind: 'rst', ref });
    c.close = c.rec.close = { reason, lastTs: ref, stats: { ...c.stats } };
    for (const half of [c.c2s, c.s2c]) {
      half.buf = [];
      half.bufBytes = 0;
      half.histOff = null;
      half.histLen = null;
      half.histSamples = null;
    }
    if (h !== null) h.onClose(c.close);
    // No packet reaches a closed connection's handler (process() returns first): drop it, so that a closed
    // connection kept to absorb trailing packets does not also keep its parser state (tens of KiB for SMTP).
    c.handler = null;
  }
}

/** Index of the first buffered segment ending after `off` (binary search; segments are sorted and disjoint). */
function firstEndingAfter(buf: Seg[], off: number): number {
  let lo = 0;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (buf[mid].end <= off) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function coveredBytes(buf: Seg[], off: number, end: number): number {
  let covered = 0;
  for (let i = firstEndingAfter(buf, off); i < buf.length; i++) {
    const s = buf[i];
    if (s.off >= end) break;
    covered += (s.end < end ? s.end : end) - (s.off > off ? s.off : off);
  }
  return covered;
}
