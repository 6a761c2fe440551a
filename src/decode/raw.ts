// Raw IP link types: 12, 14, 101 (version nibble decides), 228 (IPv4 only), 229 (IPv6 only).

import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, type LayerOut } from './layer.js';

export function decodeRawIp(d: Uint8Array, off: number, end: number, linkType: number, out: LayerOut): string | null {
  out.next = off;
  if (linkType === 228) {
    out.proto = ETHERTYPE_IPV4;
    return null;
  }
  if (linkType === 229) {
    out.proto = ETHERTYPE_IPV6;
    return null;
  }
  if (end - off < 1) return 'truncated-ip';
  const v = d[off] >> 4;
  if (v === 4) out.proto = ETHERTYPE_IPV4;
  else if (v === 6) out.proto = ETHERTYPE_IPV6;
  else return 'bad-ip-version';
  return null;
}
