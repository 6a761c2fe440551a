// BSD loopback (LINKTYPE_NULL = 0) and OpenBSD loop (LINKTYPE_LOOP = 108): a 4-byte address family.

import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LayerOut } from './layer.js';

export const NULL_HEADER_LEN = 4;

/**
 * NULL stores the family in the capturing host's byte order and LOOP should use network order, but files of both
 * kinds exist written either way; every known family value fits in one byte, so whichever end holds it wins.
 * `proto` becomes an EtherType (0 for families that are not IP).
 */
export function decodeNull(d: Uint8Array, off: number, end: number, out: LayerOut): string | null {
  if (end - off < NULL_HEADER_LEN) return 'truncated-null';
  const b0 = d[off];
  const b3 = d[off + 3];
  const mid = d[off + 1] | d[off + 2];
  const family = mid !== 0 ? -1 : b3 === 0 ? b0 : b0 === 0 ? b3 : -1;
  out.proto = family === 2 ? ETHERTYPE_IPV4 : family === 24 || family === 28 || family === 30 || family === 10 ? ETHERTYPE_IPV6 : 0;
  out.next = off + NULL_HEADER_LEN;
  return null;
}
