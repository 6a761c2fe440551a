// IPv4 header: IHL and options, total length (drops link padding, notes snaplen cuts), fragments, TTL, id.

import { u16, type LayerOut } from './layer.js';

export interface Ipv4Out extends LayerOut {
  /** Offset of the source address (the destination follows at +4); formatted only when the packet is kept. */
  addrOffset: number;
  ttl: number;
  id: number;
  /** End of the IP packet as its total length declares it (may lie beyond the captured data). */
  declaredEnd: number;
  /** min(declaredEnd, end of captured data): trailing Ethernet padding or FCS is not payload. */
  capturedEnd: number;
}

/**
 * `proto` is the IP protocol. Fragments (MF set or a non-zero offset) of TCP return 'ipv4-fragment': this decoder
 * does not reassemble, and a first fragment alone would hand reassembly a segment shorter than its sequence space.
 * A total length of 0 (TCP segmentation offload on the capturing host) means "as captured".
 */
export function decodeIpv4(d: Uint8Array, off: number, end: number, out: Ipv4Out): string | null {
  // The version is checked first so that a wrong protocol is reported as such even when the frame is short.
  if (end - off < 1) return 'truncated-ipv4';
  const vihl = d[off];
  if (vihl >> 4 !== 4) return 'bad-ip-version';
  if (end - off < 20) return 'truncated-ipv4';
  const hlen = (vihl & 0x0f) << 2;
  if (hlen < 20) return 'bad-ipv4-header';
  if (end - off < hlen) return 'truncated-ipv4';
  const total = u16(d, off + 2);
  let declaredEnd: number;
  if (total === 0) declaredEnd = end;
  else if (total < hlen) return 'bad-ipv4-header';
  else declaredEnd = off + total;
  out.declaredEnd = declaredEnd;
  out.capturedEnd = declaredEnd < end ? declaredEnd : end;
  out.id = u16(d, off + 4);
  out.ttl = d[off + 8];
  out.proto = d[off + 9];
  out.addrOffset = off + 12;
  out.next = off + hlen;
  // Fragment test last so a non-TCP fragment is counted under its protocol.
  if (out.proto === 6 && (u16(d, off + 6) & 0x3fff) !== 0) return 'ipv4-fragment';
  return null;
}
