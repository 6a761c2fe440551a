// Decode stage contract: a RawFrame becomes a TcpPacket (or is counted and passed over).

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

export interface TcpOptions {
  mss?: number;
  windowScale?: number;
  sackPermitted?: boolean;
  tsVal?: number;
  tsEcr?: number;
}

/** A decoded TCP segment with what later stages need to cite it. `payload` is a view valid during the callback only. */
export interface TcpPacket {
  frame: number;
  tsSec: number;
  tsNsec: number;
  interfaceIndex: number;
  interfaceName?: string;
  direction?: 'in' | 'out';
  /** VLAN ids, outermost first (802.1ad / QinQ outer tag before the 802.1Q inner one). */
  vlan?: number[];
  /** LINUX_SLL2 only: the capturing host's kernel interface index (not interfaceIndex, the capture's numbering). */
  linkInterfaceIndex?: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 identification (undefined for IPv6). */
  ipId?: number;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  options: TcpOptions;
  payload: Uint8Array;
  /** Payload bytes the IP header says exist but the capture did not keep (snaplen). */
  payloadMissing: number;
}

/** Counters kept by the decoder: everything that was not a usable TCP segment, by reason. */
export type DecodeStats = Record<string, number>;
