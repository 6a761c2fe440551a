// Test helper: wraps frame bytes in a RawFrame and decodes them with fresh stats.

import type { RawFrame } from '../../src/capture/types.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { DecodeStats, TcpPacket } from '../../src/decode/types.js';

export function rawFrame(linkType: number, data: Uint8Array, extra: Partial<RawFrame> = {}): RawFrame {
  return {
    frame: 1,
    tsSec: 1_700_000_000,
    tsNsec: 123_456_789,
    linkType,
    interfaceIndex: 0,
    capLen: data.length,
    origLen: data.length,
    data,
    offset: 24,
    ...extra,
  };
}

export function decode(linkType: number, data: Uint8Array, extra: Partial<RawFrame> = {}): { pkt: TcpPacket | null; stats: DecodeStats } {
  const stats: DecodeStats = {};
  const pkt = decodeFrame(rawFrame(linkType, data, extra), stats);
  return { pkt, stats };
}

export function ascii(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

export function text(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}
