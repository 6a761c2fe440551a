// MIME facts of a retained message (postal-mime): header fields, attachments with hashes, EICAR, AV headers, excerpt.

import { createHash } from 'node:crypto';
import PostalMime, { type Address, type Email } from 'postal-mime';
import { base64Facts } from './base64.js';
import { concatBytes } from '../util/bytes.js';
import type { Attachment, MessageInfo } from './types.js';

export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const EICAR_BYTES = Buffer.from(EICAR, 'latin1');
const EXCERPT_BYTES = 2048;
const AV_HEADER = /^x-(virus|amavis|spam-virus|antivirus|anti-virus|av-|scanned-by|clam|sophos|mcafee|kaspersky|symantec|trend|eset|f-secure|fortiguard|fortimail|ironport|scanmail|interscan)/i;
const MAX_AV_HEADERS = 32;
const MAX_HEADER_TEXT = 512;

export interface MimeResult {
  info: MessageInfo;
  /** A short reason when the parser failed (never message content). */
  error?: string;
}

function mailboxes(a: Address | Address[] | undefined): string[] {
  if (!a) return [];
  const list = Array.isArray(a) ? a : [a];
  const out: string[] = [];
  for (const x of list) {
    if (x.group) for (const m of x.group) out.push(m.address || m.name);
    else out.push(x.address || x.name);
  }
  return out.filter((s) => s !== '');
}

function bytesOf(c: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  return c instanceof Uint8Array ? c : new Uint8Array(c);
}

function hasEicar(b: Uint8Array): boolean {
  if (b.length < EICAR_BYTES.length) return false;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(EICAR_BYTES) >= 0;
}

/** First `max` UTF-8 bytes of s, cut on a character boundary, NULs removed. */
export function excerpt(s: string, max = EXCERPT_BYTES): string {
  const clean = s.replace(/\0/g, '');
  const b = Buffer.from(clean, 'utf8');
  if (b.length <= max) return clean;
  let end = max;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

function clip(s: string): string {
  return s.length > MAX_HEADER_TEXT ? s.slice(0, MAX_HEADER_TEXT) : s;
}

/**
 * postal-mime joins decoded part content through `new Blob(chunks).arrayBuffer()`, one chunk per line for 7bit,
 * 8bit and quoted-printable parts. Node's Blob reads many-part blobs part by part (about 45 µs per part: 1.2 s for
 * a 2 MiB text part), so while a parse runs the global Blob is a plain concatenating stand-in. Nothing else in
 * this process creates Blobs; the original is restored when no parse is in flight.
 */
class ConcatBlob {
  readonly type: string;
  private readonly data: Uint8Array;
  constructor(parts: readonly (ArrayBuffer | ArrayBufferView | string)[] = [], options?: { type?: string }) {
    this.type = options?.type ?? '';
    const views = parts.map((p) =>
      typeof p === 'string'
        ? Buffer.from(p, 'utf8')
        : p instanceof ArrayBuffer
          ? new Uint8Array(p)
          : new Uint8Array(p.buffer, p.byteOffset, p.byteLength),
    );
    this.data = concatBytes(views);
  }
  get size(): number {
    return this.data.length;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.data.buffer as ArrayBuffer);
  }
}

let inFlight = 0;
let savedBlob: typeof Blob | undefined;

async function withFastBlob<T>(f: () => Promise<T>): Promise<T> {
  if (inFlight++ === 0) {
    savedBlob = globalThis.Blob;
    (globalThis as { Blob: unknown }).Blob = ConcatBlob;
  }
  try {
    return await f();
  } finally {
    if (--inFlight === 0) (globalThis as { Blob: unknown }).Blob = savedBlob;
  }
}

/** Facts of a base64 part decoded here instead of by postal-mime. */
interface PartFacts {
  size: number;
  sha256: string;
  eicar: boolean;
}

const SKIM_MIN_PART = 4096;
const SKIM_MAX_DEPTH = 20;
const TOKEN = /^\0SDPART:(\d+)\0$/;

/**
 * postal-mime decodes base64 line by line (about 70 MB/s here). Large non-text base64 leaf parts are therefore
 * decoded and hashed natively here, and replaced in the copy given to postal-mime by a base64 token naming them;
 * postal-mime still does every header, name, type and the text parts. Returns null when nothing was replaced.
 */
export function skim(raw: Uint8Array): { reduced: Uint8Array; facts: PartFacts[] } | null {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const cuts: { start: number; end: number; token: Buffer }[] = [];
  const facts: PartFacts[] = [];
  // Searches stay inside [from, end) so that many parts cannot make the scan quadratic.
  const find = (needle: string | Buffer | number, from: number, end: number): number => {
    const j = buf.subarray(0, end).indexOf(needle, from, 'latin1');
    return j;
  };
  const entity = (start: number, end: number, depth: number): void => {
    let he = find('\r\n\r\n', start, end);
    let bodyStart = he + 4;
    const lf = find('\n\n', start, he < 0 ? end : he);
    if (lf >= 0 && (he < 0 || lf < he)) {
      he = lf;
      bodyStart = lf + 2;
    }
    if (he < 0 || he >= end) return;
    const head = buf.toString('latin1', start, he).replace(/\r?\n[ \t]+/g, ' ');
    const ct = /^content-type:[ \t]*([^\r\n]*)/im.exec(head)?.[1] ?? 'text/plain';
    const cte = (/^content-transfer-encoding:[ \t]*([^\r\n;]*)/im.exec(head)?.[1] ?? '').trim().toLowerCase();
    const type = ct.split(';')[0].trim().toLowerCase();
    if (type.startsWith('multipart/')) {
      if (depth >= SKIM_MAX_DEPTH) return;
      const bm = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(ct);
      const boundary = bm ? (bm[1] ?? bm[2]) : undefined;
      if (!boundary) return;
      const delim = Buffer.from(`\n--${boundary}`, 'latin1');
      // The first delimiter may open the body directly (no preamble).
      let d = buf.subarray(bodyStart, bodyStart + delim.length - 1).equals(delim.subarray(1)) ? bodyStart - 1 : find(delim, bodyStart, end);
      while (d >= 0 && d < end) {
        const lineEnd = find(10, d + delim.length, end);
        if (buf[d + delim.length] === 45 && buf[d + delim.length + 1] === 45) return; // closing delimiter
        if (lineEnd < 0 || lineEnd >= end) return;
        const partStart = lineEnd + 1;
        const next = find(delim, partStart, end);
        const partEnd = next < 0 || next >= end ? end : next > 0 && buf[next - 1] === 13 ? next - 1 : next;
        entity(partStart, partEnd, depth + 1);
        d = next < 0 || next >= end ? -1 : next;
      }
      return;
    }
    if (cte !== 'base64' || type.startsWith('text/') || type === 'message/rfc822') return;
    if (end - bodyStart < SKIM_MIN_PART) return;
    const f = base64Facts(buf, bodyStart, end, EICAR_BYTES);
    const k = facts.length;
    facts.push({ size: f.size, sha256: f.sha256, eicar: f.found });
    cuts.push({ start: bodyStart, end, token: Buffer.from(Buffer.from(`\0SDPART:${k}\0`, 'latin1').toString('base64'), 'latin1') });
  };
  entity(0, buf.length, 0);
  if (cuts.length === 0) return null;
  const pieces: Uint8Array[] = [];
  let at = 0;
  for (const c of cuts) {
    pieces.push(buf.subarray(at, c.start), c.token);
    at = c.end;
  }
  pieces.push(buf.subarray(at));
  return { reduced: Buffer.concat(pieces), facts };
}

function tokenIndex(content: Uint8Array): number {
  if (content.length > 32) return -1;
  const m = TOKEN.exec(Buffer.from(content).toString('latin1'));
  return m ? Number(m[1]) : -1;
}

/**
 * Parses the retained start of a message. `truncated`: the message was cut (retention limit, gap, abort), so the
 * last attachment is marked truncated. Never rejects: a parser failure becomes `error`.
 */
export async function parseMessage(raw: Uint8Array, truncated: boolean): Promise<MimeResult> {
  const base: MessageInfo = {
    to: [],
    attachments: [],
    eicar: hasEicar(raw),
    avHeaders: [],
    retainedBytes: raw.length,
    truncated,
  };
  let email: Email;
  let skimmed: ReturnType<typeof skim> = null;
  try {
    skimmed = skim(raw);
    const input = skimmed ? skimmed.reduced : raw;
    email = await withFastBlob(() => PostalMime.parse(input, { attachmentEncoding: 'arraybuffer', maxHeadersSize: 256 * 1024 }));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { info: base, error: clip(msg.split('\n')[0] ?? 'parse failed').slice(0, 200) };
  }
  const info = base;
  if (email.messageId) info.messageId = clip(email.messageId);
  if (email.subject !== undefined) info.subject = clip(email.subject.replace(/\0/g, ''));
  const from = mailboxes(email.from);
  if (from.length > 0) info.from = clip(from[0]);
  info.to = mailboxes(email.to).map(clip);
  if (email.date) info.date = email.date;
  const atts: Attachment[] = [];
  for (const a of email.attachments) {
    const content = bytesOf(a.content);
    const k = skimmed ? tokenIndex(content) : -1;
    const f = k >= 0 ? skimmed!.facts[k] : undefined;
    const att: Attachment = {
      type: a.mimeType,
      size: f ? f.size : content.length,
      sha256: f ? f.sha256 : createHash('sha256').update(content).digest('hex'),
      truncated: false,
    };
    if (a.filename) att.name = clip(a.filename.replace(/\0/g, ''));
    if (!info.eicar && (f ? f.eicar : hasEicar(content))) info.eicar = true;
    atts.push(att);
  }
  if (truncated && atts.length > 0) atts[atts.length - 1].truncated = true;
  info.attachments = atts;
  if (!info.eicar && ((email.text && email.text.includes(EICAR)) || (email.html && email.html.includes(EICAR)))) {
    info.eicar = true;
  }
  for (const h of email.headers) {
    if (info.avHeaders.length >= MAX_AV_HEADERS) break;
    if (AV_HEADER.test(h.key)) info.avHeaders.push(clip(`${h.originalKey ?? h.key}: ${h.value}`.replace(/\0/g, '')));
  }
  const text = email.text ?? (email.html ? email.html.replace(/<[^>]*>/g, ' ') : undefined);
  if (text !== undefined && text.length > 0) info.textExcerpt = excerpt(text);
  return { info };
}
