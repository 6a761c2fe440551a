// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 = 276): 20-byte pseudo header with interface index and packet type.

import { walkVlanTags } from './ethernet.js';
import { u16, u32 } from './layer.js';
import type { SllOut } from './sll.js';

export interface Sll2Out extends SllOut {
  /** Kernel interface index of the capturing interface (not the pcapng interface number). */
  ifIndex: number;
}

export const SLL2_HEADER_LEN = 20;

export function decodeSll2(d: Uint8Array, off: number, end: number, out: Sll2Out): string | null {
  if (end - off < SLL2_HEADER_LEN) return 'truncated-sll2';
  out.ifIndex = u32(d, off + 4);
  out.arphrd = u16(d, off + 8);
  out.packetType = d[off + 10];
  return walkVlanTags(d, off + SLL2_HEADER_LEN, end, u16(d, off), out);
}
