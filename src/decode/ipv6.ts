// IPv6 header and extension-header chain (hop-by-hop, routing, fragment, destination options, AH, mobility).

import { u16, type LayerOut } from './layer.js';

export interface Ipv6Out extends LayerOut {
  /** Offset of the source address (the destination follows at +16). */
  addrOffset: number;
  hopLimit: number;
  /** End of the packet as the payload length declares it (may lie beyond the captured data). */
  declaredEnd: number;
  /** min(declaredEnd, end of captured data). */
  capturedEnd: number;
  /** Number of extension headers walked. */
  extCount: number;
}

/** A longer chain is treated as hostile or broken; real traffic uses two or three at most. */
export const IPV6_MAX_EXT_HEADERS = 16;

/**
 * `proto` is the upper-layer protocol after the extension headers, `next` its offset.
 * A chain longer than IPV6_MAX_EXT_HEADERS, or one running past the declared payload, gives 'ipv6-ext-chain';
 * one that runs past the captured bytes but not the declared payload gives 'truncated-ipv6'.
 * A fragment header with offset 0 and M = 0 (an atomic fragment, RFC 6946) is passed through; a real fragment of
 * TCP gives 'ipv6-fragment'. A payload length of 0 (jumbogram or segmentation offload) means "as captured".
 */
export function decodeIpv6(d: Uint8Array, off: number, end: number, out: Ipv6Out): string | null {
  if (end - off < 1) return 'truncated-ipv6';
  if (d[off] >> 4 !== 6) return 'bad-ip-version';
  if (end - off < 40) return 'truncated-ipv6';
  const plen = u16(d, off + 4);
  const declaredEnd = plen === 0 ? end : off + 40 + plen;
  const capturedEnd = declaredEnd < end ? declaredEnd : end;
  out.declaredEnd = declaredEnd;
  out.capturedEnd = capturedEnd;
  out.hopLimit = d[off + 7];
  out.addrOffset = off + 8;
  let nh = d[off + 6];
  let p = off + 40;
  let count = 0;
  let fragment = false;
  for (;;) {
    let len: number;
    if (nh === 0 || nh === 43 || nh === 60 || nh === 135 || nh === 51) {
      if (p + 2 > capturedEnd) return p + 2 > declaredEnd ? 'ipv6-ext-chain' : 'truncated-ipv6';
      len = nh === 51 ? (d[p + 1] + 2) << 2 : (d[p + 1] + 1) << 3;
    } else if (nh === 44) {
      len = 8;
      if (p + 8 <= capturedEnd && (u16(d, p + 2) & 0xfff9) !== 0) fragment = true;
    } else {
      break;
    }
    if (++count > IPV6_MAX_EXT_HEADERS) return 'ipv6-ext-chain';
    if (p + len > capturedEnd) return p + len > declaredEnd ? 'ipv6-ext-chain' : 'truncated-ipv6';
    nh = d[p];
    p += len;
  }
  out.extCount = count;
  out.proto = nh;
  out.next = p;
  if (fragment && nh === 6) return 'ipv6-fragment';
  return null;
}
