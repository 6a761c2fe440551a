// FortiGate/FortiMail `diagnose sniffer packet` text reader (verbose 3, 5, 6), streamed line by line.

import { TextDecoder } from 'node:util';
import type { FrameSink } from './sink.js';
import type { CaptureError, TimestampKind } from './types.js';

const ABS_TS = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) (.*)$/;
const REL_TS = /^(\d+)\.(\d{6}) (.*)$/;
/** What follows the timestamp (and interface) on a real sniffer header line. */
const HEADER_BODY = /->|^arp |^ip6?\b|^udp|^icmp|^truncated|printer hav|^stp|^Ether type|^\S+ \S+ -> /;
const IFACE_DIR = /^(\S+) (in|out|--) (.*)$/;
/** A header with terminal junk in front of it: only the strong shape (timestamp, interface, direction). */
const LOOSE_HEADER = /(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}|\d+\.\d{6}) (\S+ (?:in|out|--) .*)$/;
// FortiOS: '0x0000' then tab or spaces; FortiMail: six hex digits then a tab.
const HEX_OFFSET = /^(?:0x([0-9a-fA-F]{4,8})[\t ]|([0-9a-fA-F]{6})\t)/;
const COMMAND = /\bdiag\w*\s+sni\w*\s+pa\w*\s+(.*)$/;
const INTERFACES = /^interfaces=\[([^\]]*)\]/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMc]/g;
const MAX_LINE = 65536;
/** Longest packet a hex dump may describe (Wireshark's snaplen ceiling); more is damage, not a packet. */
const MAX_TEXT_PACKET = 262144;

/** Ethertypes that mean the frame really is Ethernet (the IP-level heuristic must not override them). */
const KNOWN_ETHERTYPES = new Set([0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100, 0x8890, 0x8891, 0x8863, 0x8864, 0x8035, 0x88cc, 0x8847]);

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}
function hexVal(c: number): number {
  return c <= 57 ? c - 48 : (c | 32) - 87;
}

interface Pending {
  line: number;
  sec: number;
  nsec: number;
  iface?: string;
  dir?: 'in' | 'out';
  truncated: boolean;
  len: number;
}

export class SnifferTextParser {
  error: CaptureError | null = null;
  timestampKind: TimestampKind = 'absolute';
  /** 'local' when the command line shows the `l` timestamp mode (local time of the FortiGate, zone unknown). */
  timestampZone: 'UTC' | 'local' | undefined;
  verbose: number | undefined;
  headers = 0;
  headersWithoutHex = 0;
  /** Headers whose text is clearly a sniffer packet description (used to word the no-hex error). */
  strongHeaders = 0;
  /** True when the text had at least one line that looks like sniffer output (header, hex or command). */
  sawSnifferText = false;
  /** The `interfaces=[...]` line that FortiOS prints when a sniffer run starts. */
  sawPreamble = false;
  private lineNo = 0;
  private partial = '';
  private dropping = false;
  private cur: Pending | null = null;
  private buf = new Uint8Array(65536);
  private defaultIface: string | undefined;
  private ifaceIndex = new Map<string, number>();
  private tsKindSet = false;

  private readonly utf16: TextDecoder | null;

  /** `encoding` is set for UTF-16 text (a Windows console or PowerShell redirect); the default is bytes as Latin-1. */
  constructor(
    private readonly sink: FrameSink,
    encoding?: 'utf-16le' | 'utf-16be',
  ) {
    this.utf16 = encoding ? new TextDecoder(encoding) : null;
  }

  push(chunk: Uint8Array): void {
    if (this.error) return;
    // UTF-16 becomes Latin-1 bytes first (sniffer output is ASCII; anything wider only ever lands in junk lines).
    const b = this.utf16
      ? Buffer.from(this.utf16.decode(chunk, { stream: true }), 'latin1')
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let s = 0;
    for (;;) {
      const nl = b.indexOf(10, s);
      if (nl < 0) {
        if (this.dropping) return;
        this.partial += b.toString('latin1', s, b.length);
        if (this.partial.length > MAX_LINE) {
          // An endless line is not sniffer output: forget it instead of holding it in memory.
          this.partial = '';
          this.dropping = true;
        }
        return;
      }
      let line: string;
      if (this.dropping) {
        line = '';
        this.dropping = false;
        this.sink.skip('overlong text lines');
      } else {
        line = this.partial.length ? this.partial + b.toString('latin1', s, nl) : b.toString('latin1', s, nl);
        this.partial = '';
      }
      this.line(line);
      if (this.error) return;
      s = nl + 1;
    }
  }

  end(): void {
    if (this.error) return;
    if (this.partial.length || this.dropping) {
      const last = this.dropping ? '' : this.partial;
      this.partial = '';
      this.line(last);
    }
    if (!this.error) this.flush();
  }

  private damage(message: string): void {
    this.error = { message, offset: this.lineNo, unit: 'line' };
    this.cur = null;
  }

  private line(raw: string): void {
    this.lineNo++;
    if (this.lineNo === 1 && raw.startsWith('\u00ef\u00bb\u00bf')) raw = raw.slice(3); // UTF-8 byte-order mark
    if (raw.length > MAX_LINE) {
      this.flush();
      this.sink.skip('overlong text lines');
      return;
    }
    let s = raw;
    if (s.indexOf('\r') >= 0) s = s.replace(/\r/g, '');
    if (s.indexOf('\x1b') >= 0) s = s.replace(ANSI, '');
    if (s.indexOf('\b') >= 0) {
      let prev: string;
      do {
        prev = s;
        s = s.replace(/[^\b]\b/g, '');
      } while (s !== prev);
      s = s.replace(/\b/g, '');
    }
    if (isHex(s.charCodeAt(0))) {
      const m = HEX_OFFSET.exec(s);
      if (m) {
        this.sawSnifferText = true;
        this.hexLine(s, m);
        return;
      }
    }
    if (this.header(s)) return;
    this.flush();
    if (s.trim() === '') return;
    const cmd = COMMAND.exec(s);
    if (cmd) {
      this.sawSnifferText = true;
      this.command(cmd[1]);
      return;
    }
    const ifs = INTERFACES.exec(s);
    if (ifs) {
      this.sawSnifferText = true;
      this.sawPreamble = true;
      this.defaultIface = ifs[1] || undefined;
      return;
    }
    this.sink.skip('non-packet text lines');
  }

  private command(args: string): void {
    const toks = args.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
    // <interface> <filter> <verbose> [count] [a|l]
    const v = toks[2];
    if (v && /^[1-6]$/.test(v)) this.verbose = Number(v);
    const mode = toks[4];
    if (mode === 'l') this.timestampZone = 'local';
    else if (mode === 'a') this.timestampZone = 'UTC';
  }

  private header(s: string): boolean {
    let m = ABS_TS.exec(s);
    let sec: number;
    let nsec: number;
    let rest: string;
    let kind: TimestampKind;
    if (m) {
      sec = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
      nsec = +m[7].padEnd(9, '0');
      rest = m[8];
      kind = 'absolute';
    } else if ((m = REL_TS.exec(s))) {
      sec = +m[1];
      nsec = +m[2].padEnd(9, '0');
      rest = m[3];
      kind = 'relative';
    } else {
      const loose = LOOSE_HEADER.exec(s);
      if (!loose) return false;
      return this.header(loose[1] + ' ' + loose[2]);
    }
    if (!Number.isFinite(sec)) return false;
    this.flush();
    this.sawSnifferText = true;
    if (!this.tsKindSet) {
      this.timestampKind = kind;
      this.tsKindSet = true;
    }
    this.headers++;
    let iface: string | undefined = this.defaultIface;
    let dir: 'in' | 'out' | undefined;
    const id = IFACE_DIR.exec(rest);
    if (id) {
      iface = id[1];
      dir = id[2] === 'in' ? 'in' : id[2] === 'out' ? 'out' : undefined;
      rest = id[3];
      this.strongHeaders++;
    } else if (HEADER_BODY.test(rest)) this.strongHeaders++;
    this.cur = { line: this.lineNo, sec, nsec, iface, dir, truncated: rest.includes('truncated-ip'), len: 0 };
    return true;
  }

  private hexLine(s: string, m: RegExpExecArray): void {
    const cur = this.cur;
    if (!cur) {
      // A FortiMail-style offset with nothing before it is more likely stray text than damage.
      if (m[1] === undefined) {
        this.sink.skip('non-packet text lines');
        return;
      }
      return this.damage('hex dump line without a packet header line before it');
    }
    const off = parseInt(m[1] ?? m[2], 16);
    if (off !== cur.len) {
      return this.damage(`hex dump offset ${m[1] !== undefined ? '0x' + m[1] : m[2]} does not follow the ${cur.len} bytes before it`);
    }
    if (cur.len + 16 > MAX_TEXT_PACKET) return this.damage(`hex dump longer than ${MAX_TEXT_PACKET} bytes for one packet`);
    if (cur.len + 16 > this.buf.length) {
      const g = new Uint8Array(this.buf.length * 2);
      g.set(this.buf.subarray(0, cur.len));
      this.buf = g;
    }
    const buf = this.buf;
    const n = s.length;
    let i = m[0].length;
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    let count = 0;
    let w = cur.len;
    while (count < 16 && i < n) {
      let j = i;
      while (j < n && isHex(s.charCodeAt(j))) j++;
      const tl = j - i;
      const next = j < n ? s.charCodeAt(j) : 32;
      if (tl === 0 || tl % 2 !== 0 || (next !== 32 && next !== 9)) {
        return this.damage(`bad hex dump group '${s.slice(i, Math.min(n, j + 4)).trim()}'`);
      }
      for (let k = i; k < j; k += 2) buf[w++] = (hexVal(s.charCodeAt(k)) << 4) | hexVal(s.charCodeAt(k + 1));
      count += tl / 2;
      if (j >= n || next === 9 || s.charCodeAt(j + 1) === 32 || s.charCodeAt(j + 1) === 9) break;
      i = j + 1;
    }
    if (count === 0) return this.damage('hex dump line without hex bytes');
    cur.len = w;
  }

  private flush(): void {
    const cur = this.cur;
    if (!cur) return;
    this.cur = null;
    if (cur.truncated) {
      this.sink.skip('truncated-ip packets');
      return;
    }
    if (cur.len === 0) {
      this.headersWithoutHex++;
      if (this.sink.packets > 0) this.sink.skip('packet headers without hex data');
      return;
    }
    const data = this.buf.subarray(0, cur.len);
    let linkType = LINKTYPE_ETHERNET;
    if (this.verbose === 2 || this.verbose === 5 || looksLikeBareIp(data)) linkType = LINKTYPE_RAW;
    else if (data.length >= 15 && data[12] === 0x88 && (data[13] === 0x90 || data[13] === 0x91)) {
      // FortiGate-internal ethertypes in front of an IP packet: rewrite as fgt2eth does (HA heartbeats stay).
      const v = data[14] >> 4;
      if (v === 4) {
        data[12] = 0x08;
        data[13] = 0x00;
      } else if (v === 6) {
        data[12] = 0x86;
        data[13] = 0xdd;
      }
    }
    const key = cur.iface ?? '';
    let idx = this.ifaceIndex.get(key);
    if (idx === undefined) {
      idx = this.sink.addInterface({ name: cur.iface, linkType });
      this.ifaceIndex.set(key, idx);
    } else this.sink.noteLinkType(linkType);
    this.sink.emit(cur.sec, cur.nsec, linkType, idx, cur.len, cur.len, data, cur.line, cur.iface, cur.dir);
  }
}

/** Data that starts at an IP header whose length field matches exactly, and not at a plausible Ethernet header. */
export function looksLikeBareIp(d: Uint8Array): boolean {
  const n = d.length;
  if (n < 20) return false;
  const v = d[0] >> 4;
  let ip = false;
  if (v === 4 && (d[0] & 15) >= 5) ip = ((d[2] << 8) | d[3]) === n;
  else if (v === 6 && n >= 40) ip = ((d[4] << 8) | d[5]) + 40 === n;
  if (!ip) return false;
  return !(n >= 14 && KNOWN_ETHERTYPES.has((d[12] << 8) | d[13]));
}
