// Address and service resolution inside one FortiOS configuration scope (a VDOM or the whole unit).

import { get, get1, table, type ConfNode } from './parse.js';

export type Tri = 'yes' | 'no' | 'unknown';

function or(a: Tri, b: Tri): Tri {
  return a === 'yes' || b === 'yes' ? 'yes' : a === 'unknown' || b === 'unknown' ? 'unknown' : 'no';
}

// ---------------------------------------------------------------------------------------------------------------
// IP addresses: IPv4 as numbers, IPv6 as bigints; both compared inside their own family only.

export type Ip = { v: 4; n: number } | { v: 6; n: bigint };

export function parseIp(s: string | undefined): Ip | undefined {
  if (!s) return undefined;
  const t = s.trim();
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (m) {
    const p = m.slice(1, 5).map(Number);
    if (p.some((x) => x > 255)) return undefined;
    return { v: 4, n: ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3] };
  }
  if (!t.includes(':') || !/^[0-9a-f:.]+$/i.test(t)) return undefined;
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const part = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (g.includes('.')) {
        const v4 = parseIp(g);
        if (!v4 || v4.v !== 4) return undefined;
        out.push(v4.n >>> 16, v4.n & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/i.test(g)) out.push(parseInt(g, 16));
      else return undefined;
    }
    return out;
  };
  const a = part(halves[0]);
  const b = halves.length === 2 ? part(halves[1]) : [];
  if (!a || !b) return undefined;
  const fill = 8 - a.length - b.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...a, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...b];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  return { v: 6, n };
}

function inRange(ip: Ip, lo: Ip, hi: Ip): boolean {
  if (ip.v !== lo.v || ip.v !== hi.v) return false;
  return ip.n >= lo.n && ip.n <= hi.n;
}

function prefixRange(base: Ip, bits: number): [Ip, Ip] | undefined {
  if (base.v === 4) {
    if (bits < 0 || bits > 32) return undefined;
    const size = 2 ** (32 - bits);
    const lo = Math.floor(base.n / size) * size;
    return [{ v: 4, n: lo }, { v: 4, n: lo + size - 1 }];
  }
  if (bits < 0 || bits > 128) return undefined;
  const size = 1n << BigInt(128 - bits);
  const lo = (base.n / size) * size;
  return [{ v: 6, n: lo }, { v: 6, n: lo + size - 1n }];
}

function maskBits(mask: string): number | undefined {
  const m = parseIp(mask);
  if (!m || m.v !== 4) return /^\d{1,3}$/.test(mask) ? Number(mask) : undefined;
  let bits = 0;
  let n = m.n;
  while (n & 0x80000000) { bits++; n = (n << 1) >>> 0; }
  return n === 0 ? bits : undefined;
}

/** '10.0.0.0 255.255.255.0', '10.0.0.0/24', '2001:db8::/64', '10.0.0.5-10.0.0.9', '10.0.0.5' -> does it hold ip? */
export function specMatches(spec: string[], ip: Ip): Tri {
  const s = spec.join(' ').trim();
  if (!s) return 'unknown';
  const dash = /^([^\s-]+)\s*-\s*([^\s-]+)$/.exec(s);
  if (dash) {
    const lo = parseIp(dash[1]);
    const hi = parseIp(dash[2]);
    return lo && hi ? (inRange(ip, lo, hi) ? 'yes' : 'no') : 'unknown';
  }
  const [addr, mask] = s.includes('/') ? s.split('/') : s.split(/\s+/);
  const base = parseIp(addr);
  if (!base) return 'unknown';
  const bits = mask === undefined ? (base.v === 4 ? 32 : 128) : maskBits(mask);
  if (bits === undefined) return 'unknown';
  const r = prefixRange(base, bits);
  return r ? (inRange(ip, r[0], r[1]) ? 'yes' : 'no') : 'unknown';
}

// ---------------------------------------------------------------------------------------------------------------

/** Lazily built tables of one scope. */
export class Scope {
  private cache = new Map<string, Map<string, ConfNode>>();
  constructor(readonly node: ConfNode) {}
  t(path: string): Map<string, ConfNode> {
    let m = this.cache.get(path);
    if (!m) { m = table(this.node, path); this.cache.set(path, m); }
    return m;
  }
}

/** Does the named address, address group, VIP or VIP group hold `ip`? VIPs match on the external and mapped side. */
export function addressMatches(scope: Scope, name: string, ip: Ip, seen = new Set<string>()): Tri {
  if (seen.has(name)) return 'no';
  seen.add(name);
  const lname = name.toLowerCase();
  const v6 = ip.v === 6;
  const addr = scope.t(v6 ? 'firewall address6' : 'firewall address').get(name);
  if (addr) {
    const type = (get1(addr, 'type') ?? (v6 ? 'ipprefix' : 'ipmask')).toLowerCase();
    if (type === 'ipmask' || type === 'interface-subnet' || type === 'ipprefix') {
      const sub = get(addr, v6 ? 'ip6' : 'subnet');
      // An ipmask address without `set subnet` is 0.0.0.0/0 (the factory `all`).
      if (!sub || !sub.length) return 'yes';
      return specMatches(sub, ip);
    }
    if (type === 'iprange') {
      const lo = parseIp(get1(addr, 'start-ip'));
      const hi = parseIp(get1(addr, 'end-ip'));
      return lo && hi ? (inRange(ip, lo, hi) ? 'yes' : 'no') : 'unknown';
    }
    return 'unknown'; // fqdn, geography, wildcard, dynamic, mac: not decidable offline
  }
  const grp = scope.t(v6 ? 'firewall addrgrp6' : 'firewall addrgrp').get(name);
  if (grp) {
    let r: Tri = 'no';
    for (const m of get(grp, 'member') ?? []) r = or(r, addressMatches(scope, m, ip, seen));
    if (r !== 'no' && get1(grp, 'exclude') === 'enable') {
      for (const m of get(grp, 'exclude-member') ?? []) if (addressMatches(scope, m, ip, new Set()) === 'yes') return 'no';
    }
    return r;
  }
  const vip = scope.t(v6 ? 'firewall vip6' : 'firewall vip').get(name);
  if (vip) {
    let r: Tri = 'no';
    const ext = get(vip, 'extip');
    if (ext && ext.length) r = or(r, specMatches([ext[0]], ip));
    for (const m of get(vip, 'mappedip') ?? []) r = or(r, specMatches([m], ip));
    for (const rs of vip.configs.filter((c) => c.name === 'realservers').flatMap((c) => c.edits)) {
      const rip = get1(rs, 'ip');
      if (rip) r = or(r, specMatches([rip], ip));
    }
    return r;
  }
  const vgrp = scope.t(v6 ? 'firewall vipgrp6' : 'firewall vipgrp').get(name);
  if (vgrp) {
    let r: Tri = 'no';
    for (const m of get(vgrp, 'member') ?? []) r = or(r, addressMatches(scope, m, ip, seen));
    return r;
  }
  if (lname === 'all' || lname === 'any') return 'yes';
  if (lname === 'none') return 'no';
  return 'unknown';
}

/** Any of the names holds ip (with FortiOS negation applied). */
export function anyAddressMatches(scope: Scope, names: string[], ip: Ip, negate: boolean): Tri {
  let r: Tri = 'no';
  for (const n of names) r = or(r, addressMatches(scope, n, ip));
  if (!negate) return r;
  return r === 'yes' ? 'no' : r === 'no' ? 'yes' : 'unknown';
}

// ---------------------------------------------------------------------------------------------------------------
// Services.

/** TCP ports that carry SMTP: 25 (relay), 465 (SMTPS), 587 (submission). */
export const SMTP_PORTS: readonly number[] = [25, 465, 587];

const PREDEFINED: Record<string, number[] | 'all'> = {
  ALL: 'all',
  ANY: 'all',
  ALL_TCP: 'all',
  SMTP: [25],
  SMTPS: [465],
};

function rangeHoldsSmtp(spec: string, ports: readonly number[]): boolean {
  const dst = spec.split(':')[0];
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(dst);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo;
  return ports.some((p) => p >= lo && p <= hi);
}

/** Does the service (custom, group or predefined name) carry TCP traffic to one of `ports`? */
export function serviceCarries(scope: Scope, name: string, ports: readonly number[] = SMTP_PORTS, seen = new Set<string>()): Tri {
  if (seen.has(name)) return 'no';
  seen.add(name);
  const custom = scope.t('firewall service custom').get(name);
  if (custom) {
    const proto = (get1(custom, 'protocol') ?? 'TCP/UDP/SCTP').toUpperCase();
    if (proto === 'IP') {
      const num = get1(custom, 'protocol-number');
      return !num || num === '0' || num === '6' ? 'yes' : 'no';
    }
    if (proto !== 'TCP/UDP/SCTP' && proto !== 'TCP/UDP' && proto !== 'TCP') return 'no';
    const ranges = get(custom, 'tcp-portrange') ?? [];
    return ranges.some((r) => rangeHoldsSmtp(r, ports)) ? 'yes' : 'no';
  }
  const grp = scope.t('firewall service group').get(name);
  if (grp) {
    let r: Tri = 'no';
    for (const m of get(grp, 'member') ?? []) r = or(r, serviceCarries(scope, m, ports, seen));
    return r;
  }
  const pre = PREDEFINED[name.toUpperCase()];
  if (pre === 'all') return 'yes';
  if (pre) return pre.some((p) => ports.includes(p)) ? 'yes' : 'no';
  return 'unknown';
}

export function anyServiceCarries(scope: Scope, names: string[], negate = false): Tri {
  let r: Tri = 'no';
  for (const n of names) r = or(r, serviceCarries(scope, n));
  if (!negate) return r;
  return r === 'yes' ? 'no' : r === 'no' ? 'yes' : 'unknown';
}
