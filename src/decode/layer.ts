// Shared contract of the per-layer decoders: bytes in, header fields plus next-layer offset out, problems as a reason.

/**
 * Every layer decoder has the shape `decodeX(data, offset, end, out): string | null`.
 * - `data[offset..end)` is the captured part of this layer and everything after it.
 * - On success it returns null and fills `out` (a caller-owned object, reused from frame to frame so that the
 *   hot path allocates nothing): header fields, `next` (offset of the next layer) and `proto` (what comes next).
 * - When the bytes cannot be decoded it returns a short reason ('truncated-ipv4', 'ipv4-fragment', ...) that the
 *   caller counts in DecodeStats. Decoders never throw on any input.
 */
export interface LayerOut {
  /** Offset in `data` where the next layer starts. */
  next: number;
  /** Next protocol: an EtherType for link layers (0x0800, 0x86dd, ...), an IP protocol number for IP layers. */
  proto: number;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
/** Fortinet-internal EtherTypes seen on FortiGate `any` captures; they carry IPv4 (fgt2eth rewrites them to 0x0800). */
export const ETHERTYPE_FORTINET_1 = 0x8890;
export const ETHERTYPE_FORTINET_2 = 0x8891;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

export function u16(d: Uint8Array, o: number): number {
  return (d[o] << 8) | d[o + 1];
}

export function u32(d: Uint8Array, o: number): number {
  // Multiplication keeps the top byte unsigned (a shift would make it negative).
  return d[o] * 0x1000000 + ((d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]);
}

export function isVlanTpid(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD;
}
