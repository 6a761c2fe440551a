// Reassembly stage contract: TCP segments become ordered byte streams per connection and direction.
//
// Call order for one connection handler: onData / onGap / onEnd in stream order for each direction
// (the two directions interleave in capture order), then exactly one onClose. Nothing is delivered
// after onClose. A direction gets at most one onEnd('fin'); a RST gives one onEnd('rst') for the
// direction that sent it, after both directions were flushed (buffered data delivered, holes as gaps).

export type Direction = 'c2s' | 's2c';

export interface Endpoint {
  ip: string;
  port: number;
}

/** Where a run of stream bytes came from. */
export interface SegmentRef {
  frame: number;
  tsSec: number;
  tsNsec: number;
}

export interface ConnectionInfo {
  /** Stable id within one capture: 1-based, in order of first packet. */
  id: number;
  client: Endpoint;
  server: Endpoint;
  /** Interface of the connection's first packet. */
  interfaceIndex: number;
  interfaceName?: string;
  /**
   * Every interface name its packets were captured on (duplicates included), in order of first appearance, when
   * more than one: a routed connection in an `any` capture shows two, a transparent proxy's leg one.
   */
  interfaceNames?: string[];
  /** True when the SYN (or SYN-ACK) was seen; otherwise client/server were guessed (ports, first payload). */
  startSeen: boolean;
  clientIsn?: number;
  serverIsn?: number;
  /** Per-direction IP/TCP fingerprints from the first packet seen in that direction. */
  clientTtl?: number;
  serverTtl?: number;
  clientMss?: number;
  serverMss?: number;
  clientWindow?: number;
  serverWindow?: number;
  firstFrame: number;
  firstTs: SegmentRef;
  vlan?: number[];
}

/**
 * One in-order run of bytes in a direction, from exactly one segment (never merged across frames).
 * `bytes` is a view (into the capture reader's buffer or the reassembler's out-of-order buffer) that is
 * valid during the onData call only: a handler that keeps bytes must copy them. The chunk object is refilled
 * for the next call: keep its `ref` (and copies of its numbers), never the object.
 */
export interface StreamChunk {
  dir: Direction;
  /** Offset of bytes[0] within this direction's stream (0 = first byte after the SYN, or first seen). */
  offset: number;
  bytes: Uint8Array;
  /** The frame whose segment carried these bytes (the first carrier, if retransmitted). */
  ref: SegmentRef;
}

export interface StreamGap {
  dir: Direction;
  offset: number;
  /** Number of bytes never captured. */
  length: number;
  /** The frame after which the gap was detected. */
  ref: SegmentRef;
}

export interface TcpEnd {
  dir: Direction;
  kind: 'fin' | 'rst';
  ref: SegmentRef;
}

export interface ConnectionStats {
  packets: number;
  retransmissions: number;
  overlaps: number;
  outOfOrder: number;
  gaps: number;
  gapBytes: number;
  duplicatesAcrossInterfaces: number;
  bytesC2s: number;
  bytesS2c: number;
  /** Out-of-order buffer limit was hit; data was given up as a gap. */
  bufferLimitHits: number;
  /** Retransmitted or overlapping segments whose bytes differ from the bytes already kept (first data wins). */
  inconsistentOverlaps?: number;
}

export interface ConnectionClose {
  /** 'capture-end' when the capture ended with the connection still open. */
  reason: 'fin' | 'rst' | 'capture-end' | 'evicted';
  lastTs: SegmentRef;
  stats: ConnectionStats;
}

/** A per-connection consumer (the SMTP parser is one). */
export interface StreamHandler {
  onData(chunk: StreamChunk): void;
  onGap(gap: StreamGap): void;
  onEnd(end: TcpEnd): void;
  onClose(close: ConnectionClose): void;
  /**
   * Set to true (at any time) when the handler wants no more bytes, e.g. the connection is not SMTP: the
   * reassembler then stops calling onData/onGap and stops copying this connection's payload; it still tracks
   * the connection and calls onEnd and onClose.
   */
  skipData?: boolean;
}

/**
 * Chooses a handler for each new connection, or null to ignore its payload (it is still tracked and
 * counted). Called once, at the connection's first packet; `info` is live: the reassembler fills the
 * other direction's fingerprints and ISN when that direction's first packet arrives.
 */
export type HandlerFactory = (info: ConnectionInfo) => StreamHandler | null;

export interface ReassemblyLimits {
  /** Bytes held out of order per connection direction before giving up and declaring a gap. */
  maxBufferedBytesPerDirection: number;
  /** Connections tracked at once; the least recently active is evicted beyond this. */
  maxConnections: number;
  /** Two captures of one packet (same tuple, seq, ack, length, flags, IP id) closer than this count once. Default 50. */
  duplicateWindowMs?: number;
  /**
   * Compare retransmitted/overlapping bytes with sampled bytes of the last 16 delivered chunks per direction to
   * count inconsistent overlaps (against buffered data the comparison is exact). Default true.
   */
  overlapCheck?: boolean;
  /**
   * Closed connections kept (at most ZOMBIE_IDLE_SECONDS of capture time each) to absorb trailing ACKs, FINs and
   * RSTs; the oldest is dropped beyond this. Default 1024.
   */
  maxClosedConnections?: number;
  /**
   * Keep a record of every connection for connections() (default true). When false, a connection dropped from the
   * table is folded into totals and forgotten, so memory no longer grows with the number of connections;
   * connections() then lists only those still in the table.
   */
  keepConnectionRecords?: boolean;
}

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxBufferedBytesPerDirection: 4 * 1024 * 1024,
  maxConnections: 100_000,
};
