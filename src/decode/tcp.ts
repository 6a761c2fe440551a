// TCP header and options (MSS, window scale, SACK-permitted, timestamps); payload bounds and what snaplen cut off.

import { u16, u32, type LayerOut } from './layer.js';
import type { TcpOptions } from './types.js';

export interface TcpOut extends LayerOut {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** The 8 flag bits of byte 13 (FIN..URG, ECE, CWR). */
  flags: number;
  window: number;
  headerLen: number;
  options: TcpOptions;
  /** Payload is data[next..payloadEnd). */
  payloadEnd: number;
  /** Payload bytes the IP layer declares but the capture did not keep. */
  payloadMissing: number;
  /** The options did not fit in the captured bytes (decoded as far as they go). */
  optionsTruncated: boolean;
  /** An option had an impossible length; parsing stopped there, the segment is still used. */
  optionsMalformed: boolean;
}

/**
 * `capturedEnd` and `declaredEnd` come from the IP layer. The 20 fixed bytes must be captured ('truncated-tcp');
 * a data offset below 5 or beyond the declared IP payload gives 'bad-tcp-header'. Options cut by snaplen are
 * decoded as far as they go and flagged, because seq/ack/flags are what reassembly needs.
 */
/** The options of every segment without any: shared, so must never be written to. */
const NO_OPTIONS: TcpOptions = Object.freeze({});

export function decodeTcp(d: Uint8Array, off: number, capturedEnd: number, declaredEnd: number, out: TcpOut): string | null {
  if (declaredEnd - off < 20) return 'bad-tcp-header';
  if (capturedEnd - off < 20) return 'truncated-tcp';
  const hlen = (d[off + 12] >> 4) << 2;
  if (hlen < 20 || off + hlen > declaredEnd) return 'bad-tcp-header';
  out.srcPort = u16(d, off);
  out.dstPort = u16(d, off + 2);
  out.seq = u32(d, off + 4);
  out.ack = u32(d, off + 8);
  out.flags = d[off + 13];
  out.window = u16(d, off + 14);
  out.headerLen = hlen;
  out.proto = 0;
  const optEnd = off + hlen;
  out.optionsTruncated = optEnd > capturedEnd;
  out.optionsMalformed = false;
  if (hlen > 20) {
    const options: TcpOptions = {};
    out.optionsMalformed = parseOptions(d, off + 20, optEnd < capturedEnd ? optEnd : capturedEnd, options, out.optionsTruncated);
    out.options = options;
  } else {
    out.options = NO_OPTIONS;
  }
  out.next = optEnd < capturedEnd ? optEnd : capturedEnd;
  out.payloadEnd = capturedEnd;
  out.payloadMissing = declaredEnd - (optEnd > capturedEnd ? optEnd : capturedEnd);
  return null;
}

/** Returns true when the list is malformed. `cut` says the list was truncated by the capture: running off it is not malformed. */
function parseOptions(d: Uint8Array, p: number, end: number, o: TcpOptions, cut: boolean): boolean {
  while (p < end) {
    const kind = d[p];
    if (kind === 0) return false;
    if (kind === 1) {
      p++;
      continue;
    }
    if (p + 1 >= end) return !cut;
    const len = d[p + 1];
    if (len < 2) return true;
    if (p + len > end) return !cut;
    if (kind === 2 && len === 4) o.mss = u16(d, p + 2);
    else if (kind === 3 && len === 3) o.windowScale = d[p + 2];
    else if (kind === 4 && len === 2) o.sackPermitted = true;
    else if (kind === 8 && len === 10) {
      o.tsVal = u32(d, p + 2);
      o.tsEcr = u32(d, p + 6);
    }
    p += len;
  }
  return false;
}
