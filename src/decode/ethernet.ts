// Ethernet II and 802.1Q / 802.1ad / 0x9100 VLAN tags (LINKTYPE_ETHERNET = 1).

import { isVlanTpid, u16, type LayerOut } from './layer.js';

export interface EthernetOut extends LayerOut {
  /** VLAN ids, outermost first; undefined when the frame is untagged (no allocation then). */
  vlan: number[] | undefined;
}

export const ETHERNET_HEADER_LEN = 14;

/** Ethernet header; `proto` is the EtherType after any VLAN tags (values <= 1500 are 802.3 lengths, i.e. not IP). */
export function decodeEthernet(d: Uint8Array, off: number, end: number, out: EthernetOut): string | null {
  if (end - off < ETHERNET_HEADER_LEN) return 'truncated-ethernet';
  return walkVlanTags(d, off + ETHERNET_HEADER_LEN, end, u16(d, off + 12), out);
}

/**
 * Given an EtherType already read and the offset just after it: while it is a VLAN TPID, reads the 4-byte tag
 * (TCI, next EtherType) that follows. Shared with the Linux cooked decoders, whose protocol field can announce a tag.
 * Each step advances 4 bytes, so the loop ends at the end of the data at the latest.
 */
export function walkVlanTags(d: Uint8Array, off: number, end: number, type: number, out: EthernetOut): string | null {
  out.vlan = undefined;
  while (isVlanTpid(type)) {
    if (end - off < 4) return 'truncated-vlan';
    (out.vlan ??= []).push(u16(d, off) & 0x0fff);
    type = u16(d, off + 2);
    off += 4;
  }
  out.proto = type;
  out.next = off;
  return null;
}
