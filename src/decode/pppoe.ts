// PPPoE session stage (EtherType 0x8864): 6-byte PPPoE header and 2-byte PPP protocol, as on FortiGate PPPoE WAN ports.

import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, u16, type LayerOut } from './layer.js';

export const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const PPPOE_HEADER_LEN = 8;

/** `proto` becomes an EtherType: PPP 0x0021 is IPv4, 0x0057 IPv6, anything else (LCP, IPCP, ...) 0. */
export function decodePppoe(d: Uint8Array, off: number, end: number, out: LayerOut): string | null {
  if (end - off < PPPOE_HEADER_LEN) return 'truncated-pppoe';
  const ppp = u16(d, off + 6);
  out.proto = d[off + 1] !== 0 ? 0 : ppp === 0x0021 ? ETHERTYPE_IPV4 : ppp === 0x0057 ? ETHERTYPE_IPV6 : 0;
  out.next = off + PPPOE_HEADER_LEN;
  return null;
}
