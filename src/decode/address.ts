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

// A capture holds few distinct addresses, each in many packets: the text of recently seen ones is kept in small
// direct-mapped tables, so most packets build no string at all (building one costs seven concatenations and, at its
// first comparison, a flattening copy: most of the decoder's garbage before these tables existed).
const V4_SLOTS = 1024;
const v4Keys = new Int32Array(V4_SLOTS);
const v4Text: Array<string | undefined> = new Array<string | undefined>(V4_SLOTS).fill(undefined);

/** ipv4ToString through the cache: the same text, usually the same string object as for earlier packets. */
export function ipv4Text(d: Uint8Array, o: number): string {
  const key = (d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3];
  const slot = Math.imul(key, 0x9e3779b1) >>> 22;
  const t = v4Text[slot];
  if (t !== undefined && v4Keys[slot] === key) return t;
  const s = flat(ipv4ToString(d, o));
  v4Keys[slot] = key;
  v4Text[slot] = s;
  return s;
}

const V6_SLOTS = 256;
const v6Keys = new Uint8Array(V6_SLOTS * 16);
const v6Text: Array<string | undefined> = new Array<string | undefined>(V6_SLOTS).fill(undefined);

/** ipv6ToString through the cache (see ipv4Text). */
export function ipv6Text(d: Uint8Array, o: number): string {
  let h = 0;
  for (let i = 0; i < 16; i += 4) h = Math.imul(h ^ ((d[o + i] << 24) | (d[o + i + 1] << 16) | (d[o + i + 2] << 8) | d[o + i + 3]), 0x9e3779b1);
  const slot = h >>> 24;
  const t = v6Text[slot];
  if (t !== undefined) {
    const k = slot * 16;
    let same = true;
    for (let i = 0; i < 16; i++) {
      if (v6Keys[k + i] !== d[o + i]) {
        same = false;
        break;
      }
    }
    if (same) return t;
  }
  const s = flat(ipv6ToString(d, o));
  v6Keys.set(d.subarray(o, o + 16), slot * 16);
  v6Text[slot] = s;
  return s;
}

/** A sequential copy of a concatenated string (V8 would otherwise flatten it at its first comparison). */
function flat(s: string): string {
  // Number() of a non-numeric string forces V8 to flatten it in place; the result itself is unused.
  void Number(s);
  return s;
}
