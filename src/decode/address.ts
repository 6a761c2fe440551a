// IPv4 dotted-quad and IPv6 RFC 5952 text forms, built with plain loops from the packet bytes.

const DEC: string[] = Array.from({ length: 256 }, (_, i) => String(i));
/** Byte as hex without leading zero, and as two hex digits: a group is HEX[hi] + HEX2[lo] (or HEX[lo] when hi is 0). */
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16));
const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function ipv4ToString(d: Uint8Array, o: number): string {
  return DEC[d[o]] + '.' + DEC[d[o + 1]] + '.' + DEC[d[o + 2]] + '.' + DEC[d[o + 3]];
}

/**
 * RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups (the first one on a
 * tie) as '::', and IPv4-mapped addresses (::ffff:0:0/96) with a dotted quad, as inet_ntop and Wireshark print them.
 */
export function ipv6ToString(d: Uint8Array, o: number): string {
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (d[o + 2 * i] === 0 && d[o + 2 * i + 1] === 0) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLen) {
        bestLen = i - runStart + 1;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestStart === 0 && bestLen === 5 && d[o + 10] === 0xff && d[o + 11] === 0xff) {
    return '::ffff:' + ipv4ToString(d, o + 12);
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && s.charCodeAt(s.length - 1) !== 58) s += ':';
    const hi = d[o + 2 * i];
    s += hi === 0 ? HEX[d[o + 2 * i + 1]] : HEX[hi] + HEX2[d[o + 2 * i + 1]];
  }
  return s;
}
