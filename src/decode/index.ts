// Decode stage entry: one RawFrame down through link, IP and TCP layers to a TcpPacket, or a counted reason.

import { ReusedFrame } from '../capture/sink.js';
import type { RawFrame } from '../capture/types.js';
import { ipv4Text, ipv6Text } from './address.js';
import { decodeEthernet } from './ethernet.js';
import { decodeIpv4, type Ipv4Out } from './ipv4.js';
import { decodeIpv6, type Ipv6Out } from './ipv6.js';
import {
  ETHERTYPE_ARP,
  ETHERTYPE_FORTINET_1,
  ETHERTYPE_FORTINET_2,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
} from './layer.js';
import { decodeNull } from './null.js';
import { decodePppoe, ETHERTYPE_PPPOE_SESSION } from './pppoe.js';
import { decodeRawIp } from './raw.js';
import { decodeSll, sllDirection } from './sll.js';
import { decodeSll2, type Sll2Out } from './sll2.js';
import { decodeTcp, type TcpOut } from './tcp.js';
import type { DecodeStats, TcpPacket } from './types.js';

export { linkTypeName, isSupportedLinkType } from './linktypes.js';
export { NOTE_REASONS, SKIP_REASONS } from './reasons.js';
export { ipv4ToString, ipv6ToString } from './address.js';
export type { DecodeStats, TcpPacket, TcpOptions } from './types.js';
export { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from './types.js';

// Scratch headers reused for every frame: decoding is synchronous, so one set per process is enough.
const link: Sll2Out = { next: 0, proto: 0, vlan: undefined, packetType: -1, arphrd: 0, ifIndex: -1 };
const ip4: Ipv4Out = { next: 0, proto: 0, addrOffset: 0, ttl: 0, id: 0, declaredEnd: 0, capturedEnd: 0 };
const ip6: Ipv6Out = { next: 0, proto: 0, addrOffset: 0, hopLimit: 0, declaredEnd: 0, capturedEnd: 0, extCount: 0 };
const tcp: TcpOut = {
  next: 0, proto: 0, srcPort: 0, dstPort: 0, seq: 0, ack: 0, flags: 0, window: 0, headerLen: 0, options: {},
  payloadEnd: 0, payloadMissing: 0, optionsTruncated: false, optionsMalformed: false,
};

/** The payload of every segment without one (a third of a typical capture: the ACKs). */
const NO_PAYLOAD = new Uint8Array(0);

function count(stats: DecodeStats, reason: string): null {
  stats[reason] = (stats[reason] ?? 0) + 1;
  return null;
}

function ipProtoReason(proto: number): string {
  return proto === IPPROTO_UDP ? 'udp' : proto === IPPROTO_ICMP ? 'icmp' : proto === IPPROTO_ICMPV6 ? 'icmpv6' : 'ip-proto-other';
}

/**
 * Decodes one captured frame down to TCP. Returns null, after counting the reason in `stats`, for anything that is
 * not a usable TCP segment (names and meanings in SKIP_REASONS). Segments returned but odd are counted too
 * (NOTE_REASONS). Never throws. The only allocations are the result, its options, the address strings (of an address
 * not seen recently: see ipv4Text), the VLAN list when tagged, and `payload`, a subarray view of frame.data (valid as
 * long as frame.data is; one shared empty view when there is no payload). With `into`, that object is filled and
 * returned instead of a new one: the caller must not keep it past its next call.
 */
export function decodeFrame(frame: RawFrame, stats: DecodeStats, into?: TcpPacket): TcpPacket | null {
  // A reused frame is read where it lies in the reader's buffer (no view per frame); offsets below are absolute.
  let d: Uint8Array;
  let base: number;
  let end: number;
  if (frame instanceof ReusedFrame) {
    d = frame.buf;
    base = frame.start;
    end = base + (frame.capLen < d.length - base ? frame.capLen : d.length - base);
  } else {
    d = frame.data;
    base = 0;
    end = d.length < frame.capLen ? d.length : frame.capLen;
  }
  const lt = frame.linkType;
  let reason: string | null;
  let direction = frame.direction;
  let linkIfIndex: number | undefined;
  link.vlan = undefined;
  switch (lt) {
    case 1:
      reason = decodeEthernet(d, base, end, link);
      break;
    case 113:
      reason = decodeSll(d, base, end, link);
      if (reason === null && direction === undefined) direction = sllDirection(link.packetType);
      break;
    case 276:
      reason = decodeSll2(d, base, end, link);
      if (reason === null) {
        if (direction === undefined) direction = sllDirection(link.packetType);
        linkIfIndex = link.ifIndex;
      }
      break;
    case 0:
    case 108:
      reason = decodeNull(d, base, end, link);
      break;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      reason = decodeRawIp(d, base, end, lt, link);
      break;
    default:
      return count(stats, 'unknown-link-type');
  }
  if (reason !== null) return count(stats, reason);

  let et = link.proto;
  if (et === ETHERTYPE_PPPOE_SESSION) {
    reason = decodePppoe(d, link.next, end, link);
    if (reason !== null) return count(stats, reason);
    et = link.proto;
  } else if ((et === ETHERTYPE_FORTINET_1 || et === ETHERTYPE_FORTINET_2) && link.next < end && d[link.next] >> 4 !== 4) {
    // On an `any` capture these carry IPv4, but on HA ports 0x8890 is the FGCP heartbeat: only IPv4-looking data counts.
    return count(stats, 'fortinet-internal');
  }
  // The IP layer says where TCP starts and ends; one TCP decode follows for both versions. Address strings are made
  // only once the segment is known to be usable.
  let ipVersion: 4 | 6;
  if (et === ETHERTYPE_IPV4 || et === ETHERTYPE_FORTINET_1 || et === ETHERTYPE_FORTINET_2) {
    reason = decodeIpv4(d, link.next, end, ip4);
    if (reason !== null) return count(stats, reason);
    if (ip4.proto !== IPPROTO_TCP) return count(stats, ipProtoReason(ip4.proto));
    ipVersion = 4;
    reason = decodeTcp(d, ip4.next, ip4.capturedEnd, ip4.declaredEnd, tcp);
  } else if (et === ETHERTYPE_IPV6) {
    reason = decodeIpv6(d, link.next, end, ip6);
    if (reason !== null) return count(stats, reason);
    if (ip6.proto !== IPPROTO_TCP) return count(stats, ipProtoReason(ip6.proto));
    ipVersion = 6;
    reason = decodeTcp(d, ip6.next, ip6.capturedEnd, ip6.declaredEnd, tcp);
  } else {
    return count(stats, et === ETHERTYPE_ARP ? 'arp' : 'non-ip');
  }
  if (reason !== null) return count(stats, reason);
  const v4 = ipVersion === 4;
  const src = v4 ? ipv4Text(d, ip4.addrOffset) : ipv6Text(d, ip6.addrOffset);
  const dst = v4 ? ipv4Text(d, ip4.addrOffset + 4) : ipv6Text(d, ip6.addrOffset + 16);
  const ttl = v4 ? ip4.ttl : ip6.hopLimit;
  const ipId = v4 ? ip4.id : undefined;
  if (tcp.optionsTruncated) count(stats, 'tcp-options-truncated');
  if (tcp.optionsMalformed) count(stats, 'tcp-options-malformed');

  const payload = tcp.payloadEnd > tcp.next ? d.subarray(tcp.next, tcp.payloadEnd) : NO_PAYLOAD;
  // A new packet starts as scratchPacket() does, so every packet object has the same shape (monomorphic downstream).
  const out = into ?? scratchPacket();
  out.frame = frame.frame;
  out.tsSec = frame.tsSec;
  out.tsNsec = frame.tsNsec;
  out.interfaceIndex = frame.interfaceIndex;
  out.interfaceName = frame.interfaceName;
  out.direction = direction;
  out.vlan = link.vlan;
  out.linkInterfaceIndex = linkIfIndex;
  out.ipVersion = ipVersion;
  out.src = src;
  out.dst = dst;
  out.ttl = ttl;
  out.ipId = ipId;
  out.srcPort = tcp.srcPort;
  out.dstPort = tcp.dstPort;
  out.seq = tcp.seq;
  out.ack = tcp.ack;
  out.flags = tcp.flags;
  out.window = tcp.window;
  out.options = tcp.options;
  out.payload = payload;
  out.payloadMissing = tcp.payloadMissing;
  return out;
}

/** A packet for decodeFrame to fill in place (`into`), for callers that use each packet only during the call. */
export function scratchPacket(): TcpPacket {
  return {
    frame: 0, tsSec: 0, tsNsec: 0, interfaceIndex: 0, interfaceName: undefined, direction: undefined, vlan: undefined,
    linkInterfaceIndex: undefined, ipVersion: 4, src: '', dst: '', ttl: 0, ipId: undefined, srcPort: 0, dstPort: 0,
    seq: 0, ack: 0, flags: 0, window: 0, options: {}, payload: NO_PAYLOAD, payloadMissing: 0,
  };
}
