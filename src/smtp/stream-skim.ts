// skim() while the message arrives: large base64 parts of a top-level multipart are decoded and hashed as their
// bytes come, and never kept; everything else is kept for the usual parse at the end (parsePrepared).

import { Base64FactsStream } from './base64.js';
import { EICAR, partToken, SKIM_MIN_PART, type PartFacts, type PreparedMessage } from './mime.js';

const EICAR_BYTES = Buffer.from(EICAR, 'latin1');
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const LFLF = Buffer.from('\n\n', 'latin1');

// Where the tracker is in the message (mirroring skim()'s entity() for the top level and its direct parts).
const TOP_HEAD = 0; // reading the message's header
const FIRST_DELIM = 1; // looking for the first delimiter of the top-level multipart
const DELIM_LINE = 2; // at a delimiter: closing, or the line that opens a part
const PART = 3; // at the start of a part: its header, or the next delimiter
const SKIP = 4; // in a part that is kept whole: looking for the next delimiter
const B64_WAIT = 5; // in a base64 part not yet known to be SKIM_MIN_PART long
const B64_STREAM = 6; // in a base64 part being decoded as it arrives
const OFF = 7; // nothing more to stream: bytes are kept

/**
 * Equivalence with skim() (the property test in test/smtp/stream-skim.test.ts checks it on random messages cut at
 * random places): a part is streamed only when skim() over the whole message would cut exactly it. That holds when
 * (1) it is a direct part of the top-level multipart, (2) its header, cte and type are decided from bytes that lie
 * before any place where the next delimiter could still start, and (3) its body already runs past SKIM_MIN_PART
 * bytes with no delimiter in sight. Anything else (nested multiparts, short parts, parts whose end arrived with
 * them) stays in the kept text, where parsePrepared's skim() finds it as before. Positions are in the kept text.
 */
export class StreamSkim {
  private keep = new Uint8Array(16 * 1024);
  private len = 0;
  private state = TOP_HEAD;
  private delim: Buffer = Buffer.alloc(0);
  /** The current delimiter's position (its '\n'). */
  private d = -1;
  private partStart = -1;
  private bodyStart = -1;
  /** Searches resume here (a match cannot start earlier). */
  private from = 0;
  private b64: Base64FactsStream | null = null;
  /** B64_STREAM: the last bytes of the part seen, not yet decoded (they may begin the next delimiter). */
  private win: Buffer = Buffer.alloc(0);
  private winLen = 0;
  private readonly facts: PartFacts[] = [];
  private eicar = false;
  private eicarTail: Buffer = Buffer.alloc(0);
  private retained = 0;

  /** Bytes of the message, in order. */
  write(b: Uint8Array): void {
    if (b.length === 0) return;
    this.retained += b.length;
    this.scanEicar(b);
    if (this.state === B64_STREAM) this.stream(b);
    else {
      this.append(b);
      this.advance(false);
    }
  }

  /** The message ended (or was cut): what parsePrepared needs. */
  finish(): PreparedMessage {
    if (this.state === B64_STREAM) {
      // The part runs to the end of the message: all of it is body.
      this.endPart(this.winLen, this.winLen);
    } else {
      this.advance(true);
    }
    return { text: this.keep.subarray(0, this.len), facts: this.facts, eicar: this.eicar, retainedBytes: this.retained };
  }

  private scanEicar(b: Uint8Array): void {
    if (this.eicar) return;
    const keep = EICAR_BYTES.length - 1;
    const bb = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    if (this.eicarTail.length > 0 && Buffer.concat([this.eicarTail, bb.subarray(0, keep)]).indexOf(EICAR_BYTES) >= 0) this.eicar = true;
    else if (bb.indexOf(EICAR_BYTES) >= 0) this.eicar = true;
    this.eicarTail = bb.length >= keep ? Buffer.from(bb.subarray(bb.length - keep)) : Buffer.concat([this.eicarTail, bb]).subarray(-keep);
  }

  private append(b: Uint8Array): void {
    if (this.len + b.length > this.keep.length) {
      const grown = new Uint8Array(Math.max(this.len + b.length, this.keep.length * 2));
      grown.set(this.keep.subarray(0, this.len));
      this.keep = grown;
    }
    this.keep.set(b, this.len);
    this.len += b.length;
  }

  /** First occurrence of needle in keep[from, end) that lies wholly before `end`. */
  private find(needle: Buffer | number, from: number, end = this.len): number {
    if (from >= end) return -1;
    const k = this.keep;
    return Buffer.from(k.buffer, k.byteOffset, end).indexOf(needle, from);
  }

  /** Steps the tracker as far as the kept bytes allow; `final`: no more bytes will come. */
  private advance(final: boolean): void {
    for (;;) {
      const before = this.state;
      switch (this.state) {
        case TOP_HEAD:
          this.topHead(final);
          break;
        case FIRST_DELIM:
          this.firstDelim(final);
          break;
        case DELIM_LINE:
          this.delimLine(final);
          break;
        case PART:
          this.part(final);
          break;
        case SKIP:
        case B64_WAIT:
          this.inPart(final);
          break;
        default:
          return;
      }
      if (this.state === before) return;
    }
  }

  /** skim()'s header end: the first CRLFCRLF, unless a LFLF comes before it; searched in [start, end). */
  private headerEnd(start: number, end: number): { he: number; body: number } | null {
    const he = this.find(CRLFCRLF, start, end);
    const lf = this.find(LFLF, start, he < 0 ? end : he);
    if (lf >= 0 && (he < 0 || lf < he)) return { he: lf, body: lf + 2 };
    if (he >= 0) return { he, body: he + 4 };
    return null;
  }

  private head(start: number, he: number): { type: string; cte: string; ct: string } {
    const head = Buffer.from(this.keep.buffer, this.keep.byteOffset, he).toString('latin1', start, he).replace(/\r?\n[ \t]+/g, ' ');
    const ct = /^content-type:[ \t]*([^\r\n]*)/im.exec(head)?.[1] ?? 'text/plain';
    const cte = (/^content-transfer-encoding:[ \t]*([^\r\n;]*)/im.exec(head)?.[1] ?? '').trim().toLowerCase();
    return { type: ct.split(';')[0].trim().toLowerCase(), cte, ct };
  }

  private topHead(final: boolean): void {
    // Any header end found lies before the message's end, so it is the one skim() finds.
    const h = this.headerEnd(0, this.len);
    if (h === null) {
      if (final) this.state = OFF;
      return;
    }
    const { type, ct } = this.head(0, h.he);
    const bm = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(ct);
    const boundary = bm ? (bm[1] ?? bm[2]) : undefined;
    if (!type.startsWith('multipart/') || !boundary) {
      this.state = OFF;
      return;
    }
    this.delim = Buffer.from(`\n--${boundary}`, 'latin1');
    this.bodyStart = h.body;
    this.from = h.body;
    this.state = FIRST_DELIM;
  }

  private firstDelim(final: boolean): void {
    const dl = this.delim.length;
    const s = this.bodyStart;
    if (this.len < s + dl - 1 && !final) return;
    // The first delimiter may open the body directly (no preamble): skim() compares the bytes there.
    const k = this.keep;
    let direct = this.len >= s + dl - 1;
    for (let i = 1; direct && i < dl; i++) if (k[s + i - 1] !== this.delim[i]) direct = false;
    const d = direct ? s - 1 : this.find(this.delim, this.from);
    if (d < 0) {
      if (final) this.state = OFF;
      else this.from = Math.max(s, this.len - dl + 1);
      return;
    }
    this.d = d;
    this.state = DELIM_LINE;
  }

  private delimLine(final: boolean): void {
    const at = this.d + this.delim.length;
    // skim(): a closing delimiter ends the multipart; otherwise the part starts after the line's LF.
    if (this.len < at + 2 && !final) return;
    if (this.keep[at] === 45 && this.keep[at + 1] === 45 && at + 1 < this.len) {
      this.state = OFF;
      return;
    }
    const lineEnd = this.find(10, at);
    if (lineEnd < 0) {
      if (final) this.state = OFF;
      return;
    }
    this.partStart = lineEnd + 1;
    this.from = this.partStart;
    this.state = PART;
  }

  private part(final: boolean): void {
    const dl = this.delim.length;
    const next = this.find(this.delim, this.from);
    if (next >= 0) {
      // The whole part is here: skim() at the end handles it like any other.
      this.d = next;
      this.state = DELIM_LINE;
      return;
    }
    if (final) {
      this.state = OFF;
      return;
    }
    // The next delimiter cannot start before len - dl + 1, so the part (which ends at it, or at the CR before it)
    // reaches at least `safe`: a header end wholly before `safe` is the one skim() finds.
    const safe = this.len - dl;
    this.from = Math.max(this.partStart, this.len - dl + 1);
    const h = safe > this.partStart ? this.headerEnd(this.partStart, safe) : null;
    if (h === null) return;
    const { type, cte } = this.head(this.partStart, h.he);
    this.bodyStart = h.body;
    this.state = cte === 'base64' && !type.startsWith('text/') && type !== 'message/rfc822' ? B64_WAIT : SKIP;
  }

  private inPart(final: boolean): void {
    const dl = this.delim.length;
    const next = this.find(this.delim, this.from);
    if (next >= 0) {
      this.d = next;
      this.state = DELIM_LINE;
      return;
    }
    if (final) {
      this.state = OFF;
      return;
    }
    this.from = Math.max(this.partStart, this.len - dl + 1);
    // A base64 part whose body already reaches SKIM_MIN_PART bytes before any possible delimiter is cut by skim():
    // from here on its text is decoded as it comes. The last dl + 1 bytes wait (a delimiter and its CR may start there).
    const safe = this.len - dl - 1;
    if (this.state !== B64_WAIT || safe - this.bodyStart < SKIM_MIN_PART) return;
    this.b64 = new Base64FactsStream(EICAR_BYTES);
    this.b64.write(this.keep, this.bodyStart, safe);
    this.win = Buffer.alloc(Math.max(64 * 1024, 2 * (this.len - safe)));
    this.winLen = this.len - safe;
    this.win.set(this.keep.subarray(safe, this.len), 0);
    this.len = this.bodyStart;
    this.state = B64_STREAM;
  }

  /** B64_STREAM: more of the part (or of what follows it). */
  private stream(b: Uint8Array): void {
    const dl = this.delim.length;
    const need = this.winLen + b.length;
    if (need > this.win.length) {
      const grown = Buffer.alloc(Math.max(need, this.win.length * 2));
      this.win.copy(grown, 0, 0, this.winLen);
      this.win = grown;
    }
    this.win.set(b, this.winLen);
    this.winLen = need;
    const x = this.win.subarray(0, this.winLen).indexOf(this.delim);
    if (x >= 0) {
      // The part ends at the delimiter, or at the CR before it (always still in the window: see below).
      this.endPart(x > 0 && this.win[x - 1] === 13 ? x - 1 : x, x);
      this.advance(false);
      return;
    }
    // Keep dl + 1 bytes: a delimiter not yet complete starts in them, and so does the CR before it.
    const keepFrom = this.winLen - (dl + 1);
    if (keepFrom > 0) {
      this.b64!.write(this.win, 0, keepFrom);
      this.win.copyWithin(0, keepFrom, this.winLen);
      this.winLen -= keepFrom;
    }
  }

  /**
   * The streamed part's body ends at win[end]; its token replaces it and what follows is kept. `delimAt`: where the
   * delimiter that ended it starts in the window (winLen when the message ended instead).
   */
  private endPart(end: number, delimAt: number): void {
    const b64 = this.b64!;
    b64.write(this.win, 0, end);
    const f = b64.end();
    this.b64 = null;
    this.facts.push({ size: f.size, sha256: f.sha256, eicar: f.found });
    this.append(partToken(this.facts.length - 1));
    const at = this.len;
    const ended = delimAt >= this.winLen;
    this.append(this.win.subarray(end, this.winLen));
    this.winLen = 0;
    this.d = at + (delimAt - end);
    this.state = ended ? OFF : DELIM_LINE;
  }
}
