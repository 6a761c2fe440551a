// Linux cooked capture v1 (LINKTYPE_LINUX_SLL = 113): 16-byte pseudo header, protocol field, packet type.

import { walkVlanTags, type EthernetOut } from './ethernet.js';
import { u16 } from './layer.js';

export interface SllOut extends EthernetOut {
  /** Linux packet type: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  packetType: number;
  /** ARPHRD_ type of the interface. */
  arphrd: number;
}

export const SLL_HEADER_LEN = 16;

/** Direction as seen from the capturing interface: types 0..3 arrived on it, 4 left through it. */
export function sllDirection(packetType: number): 'in' | 'out' | undefined {
  return packetType <= 3 ? 'in' : packetType === 4 ? 'out' : undefined;
}

export function decodeSll(d: Uint8Array, off: number, end: number, out: SllOut): string | null {
  if (end - off < SLL_HEADER_LEN) return 'truncated-sll';
  out.packetType = u16(d, off);
  out.arphrd = u16(d, off + 2);
  return walkVlanTags(d, off + SLL_HEADER_LEN, end, u16(d, off + 14), out);
}
