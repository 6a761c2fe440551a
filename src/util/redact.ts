// Masks e-mail and IP addresses in report text and documents shared outside the company (`--redact addresses`).

import { isIPv6 } from 'node:net';

/**
 * One redaction scope: IP addresses get stable pseudonyms (`host-1`, `host-2`, ... in order of first appearance),
 * so that the same address keeps the same name everywhere in one document and roles stay readable; e-mail
 * addresses are masked to `j***@e***.com` (first letter of the local part and of the domain, TLD kept).
 * Over-redaction is preferred to leaks: any dotted quad is taken for an IPv4 address (a version string such as
 * `8.17.1.9` becomes a pseudonym too), and `10.0.0.1.25` (sniffer address.port) is redacted as `host-1.25`.
 */
export class AddressRedactor {
  private readonly names = new Map<string, string>();

  /** The pseudonym of an address (canonical form: lower case; IPv4-mapped IPv6 is the IPv4 address). */
  pseudonym(addr: string): string {
    const key = canonical(addr);
    let name = this.names.get(key);
    if (name === undefined) {
      name = `host-${this.names.size + 1}`;
      this.names.set(key, name);
    }
    return name;
  }

  /** Pseudonyms given out so far (address -> name), for a key shared with the capture's owner. */
  mapping(): ReadonlyMap<string, string> {
    return this.names;
  }

  text(s: string): string {
    if (!MAYBE.test(s)) return s;
    let out = s.replace(EMAIL, (m) => maskEmail(m));
    // One pass for both families, so that pseudonyms follow the order of first appearance.
    return out.replace(ADDRESS, (m, v6: string | undefined) => (v6 !== undefined ? this.ipv6(m) : this.pseudonym(m)));
  }

  /** A deep copy of a JSON-like value with every string (values and keys) passed through text(). */
  document<T>(doc: T): T {
    return this.walk(doc, 0) as T;
  }

  private walk(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.text(v);
    if (v === null || typeof v !== 'object' || depth > 200) return v;
    if (Array.isArray(v)) return v.map((x) => this.walk(x, depth + 1));
    const src = (v as { toJSON?: () => unknown }).toJSON;
    if (typeof src === 'function') return this.walk(src.call(v), depth + 1);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[this.text(k)] = this.walk(x, depth + 1);
    return out;
  }

  /** An IPv6-looking run: redact it if it is an address (with or without a zone or an embedded IPv4). */
  private ipv6(m: string): string {
    // A trailing dot or colon belongs to the sentence, not the address.
    let core = m;
    let tail = '';
    while (core.length && (core.endsWith('.') || (core.endsWith(':') && !core.endsWith('::')))) {
      tail = core.slice(-1) + tail;
      core = core.slice(0, -1);
    }
    if (isIPv6(core)) return this.pseudonym(core) + tail;
    // Sniffer style `2001:db8::1.25` (address.port).
    const dot = core.lastIndexOf('.');
    if (dot > 0 && /^\d{1,5}$/.test(core.slice(dot + 1)) && isIPv6(core.slice(0, dot))) {
      return `${this.pseudonym(core.slice(0, dot))}${core.slice(dot)}${tail}`;
    }
    // Not IPv6 (a time, a MAC): a dotted quad inside it is still an IPv4 address.
    return m.replace(IPV4, (q) => this.pseudonym(q));
  }
}

const MAYBE = /[@.:]/;
const EMAIL = /[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/g;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?!\\d)`, 'g');
/** Runs of hex digits, colons and dots with at least two colons and one hex digit (group 1), or an IPv4 address. */
const IPV6_CANDIDATE = '(?<![0-9A-Za-z:.])(?=[0-9A-Fa-f:.]*[0-9A-Fa-f])(?=(?:[0-9A-Fa-f.]*:){2})[0-9A-Fa-f:.]+(?:%[0-9A-Za-z_.-]+)?(?![0-9A-Za-z])';
const ADDRESS = new RegExp(`(${IPV6_CANDIDATE})|${IPV4.source}`, 'g');

function canonical(addr: string): string {
  const a = addr.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped ? mapped[1] : a;
}

function maskEmail(addr: string): string {
  const at = addr.lastIndexOf('@');
  const local = addr.slice(0, at);
  const labels = addr.slice(at + 1).split('.');
  const tld = labels.length > 1 ? `.${labels[labels.length - 1]}` : '';
  return `${local[0]}***@${labels[0][0]}***${tld}`;
}

/** Masks e-mail addresses and gives IP addresses pseudonyms (a fresh scope per call: use AddressRedactor to share one). */
export function redactAddresses(text: string, scope: AddressRedactor = new AddressRedactor()): string {
  return scope.text(text);
}

/** A deep copy of a JSON-like document with every string value and key redacted, pseudonyms stable across the document. */
export function redactDocument<T>(doc: T, scope: AddressRedactor = new AddressRedactor()): T {
  return scope.document(doc);
}
