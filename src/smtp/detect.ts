// Content-based SMTP detection: where SMTP starts in each direction (after an optional HTTP CONNECT / SOCKS preamble).

/** Undecided yet: more bytes are needed. */
export const NEED_MORE = -1;
/** This direction rules SMTP out. */
export const NOT_SMTP = -2;

const LF = 10;

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** b[p..] starts with `220` followed by ' ', '-', CR or LF. */
function is220(b: Uint8Array, p: number, n: number): boolean | undefined {
  if (n - p < 4) return undefined;
  if (b[p] !== 50 || b[p + 1] !== 50 || b[p + 2] !== 48) return false;
  const s = b[p + 3];
  return s === 32 || s === 45 || s === 13 || s === 10;
}

function lineEnd(b: Uint8Array, p: number, n: number): number {
  const j = b.subarray(0, n).indexOf(LF, p);
  return j;
}

function headerEnd(b: Uint8Array, n: number): number {
  const v = b.subarray(0, n);
  const crlf = Buffer.from(v.buffer, v.byteOffset, v.byteLength).indexOf('\r\n\r\n');
  const lf = Buffer.from(v.buffer, v.byteOffset, v.byteLength).indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return NEED_MORE;
}

function ascii(b: Uint8Array, p: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + p, Math.max(0, e - p)).toString('latin1');
}

/** Length of a SOCKS5 server handshake (method choice, optional user/pass status, connect reply). */
function socks5ServerLength(b: Uint8Array, n: number): number {
  if (n < 2) return NEED_MORE;
  let p = 2;
  if (b[1] === 0x02) {
    if (n < p + 2) return NEED_MORE;
    p += 2;
  } else if (b[1] !== 0x00) {
    return NOT_SMTP;
  }
  if (n < p + 5) return NEED_MORE;
  if (b[p] !== 5) return NOT_SMTP;
  const atyp = b[p + 3];
  const addr = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + b[p + 4] : -1;
  if (addr < 0) return NOT_SMTP;
  p += 4 + addr + 2;
  return n < p ? NEED_MORE : p;
}

/** Length of a SOCKS5 client handshake, given whether the server chose user/password authentication. */
function socks5ClientLength(b: Uint8Array, n: number, userPass: boolean): number {
  if (n < 2) return NEED_MORE;
  let p = 2 + b[1];
  if (userPass) {
    if (n < p + 2) return NEED_MORE;
    const ulen = b[p + 1];
    if (n < p + 2 + ulen + 1) return NEED_MORE;
    const plen = b[p + 2 + ulen];
    p += 3 + ulen + plen;
  }
  if (n < p + 5) return NEED_MORE;
  const atyp = b[p + 3];
  const addr = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + b[p + 4] : -1;
  if (addr < 0) return NOT_SMTP;
  p += 4 + addr + 2;
  return n < p ? NEED_MORE : p;
}

function socks4ClientLength(b: Uint8Array, n: number): number {
  if (n < 9) return NEED_MORE;
  let p = 8;
  let z = b.subarray(0, n).indexOf(0, p);
  if (z < 0) return NEED_MORE;
  p = z + 1;
  // SOCKS4a: 0.0.0.x destination, then a host name.
  if (b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0) {
    z = b.subarray(0, n).indexOf(0, p);
    if (z < 0) return NEED_MORE;
    p = z + 1;
  }
  return p;
}

const FTP_ONLY = /\bftp/i;
const SMTP_WORD = /smtp|mail|esmtp|lmtp|postfix|exim|sendmail|amavis/i;

/**
 * Where SMTP starts in the server stream: index of a `220` greeting line, NEED_MORE or NOT_SMTP.
 * Accepted shapes: a 220 at the start; after an HTTP `200` response (CONNECT); after a SOCKS4/5 reply; or a line
 * starting with 220 within the buffered bytes. A greeting naming FTP and not SMTP is refused.
 */
export function findServerStart(b: Uint8Array, n: number, final: boolean): number {
  if (n === 0) return NEED_MORE;
  let p: number;
  const c0 = b[0];
  if (c0 === 50 /* '2' */ && is220(b, 0, n) !== false) {
    p = 0;
  } else if (c0 === 72 /* 'H' */ && (n < 5 || ascii(b, 0, 5) === 'HTTP/')) {
    if (n < 12) return final ? NOT_SMTP : NEED_MORE;
    if (ascii(b, 9, 12) !== '200') return NOT_SMTP;
    p = headerEnd(b, n);
    if (p === NEED_MORE) return final ? NOT_SMTP : NEED_MORE;
  } else if (c0 === 5) {
    p = socks5ServerLength(b, n);
    if (p === NEED_MORE && final) return NOT_SMTP;
    if (p < 0) return p;
  } else if (c0 === 0) {
    if (n < 2) return final ? NOT_SMTP : NEED_MORE;
    if (b[1] !== 0x5a) return NOT_SMTP;
    p = 8;
  } else if (isDigit(c0)) {
    // Another reply code at the start (capture began mid-session): the client side must confirm.
    return final ? NOT_SMTP : NEED_MORE;
  } else if (c0 === 0x16 || c0 < 9) {
    return NOT_SMTP;
  } else {
    // Some text banner before the greeting: look for a line starting with 220.
    let q = 0;
    p = NOT_SMTP;
    for (;;) {
      const j = lineEnd(b, q, n);
      if (j < 0) break;
      q = j + 1;
      if (is220(b, q, n) === true) {
        p = q;
        break;
      }
    }
    if (p === NOT_SMTP) return final ? NOT_SMTP : NEED_MORE;
  }
  const ok = is220(b, p, n);
  if (ok === undefined) return final ? NOT_SMTP : NEED_MORE;
  if (!ok) return NOT_SMTP;
  const e = lineEnd(b, p, n);
  if (e < 0) {
    if (!final) return NEED_MORE;
  }
  const text = ascii(b, p, e < 0 ? n : e);
  if (FTP_ONLY.test(text) && !SMTP_WORD.test(text)) return NOT_SMTP;
  return p;
}

/** Where SMTP starts in the client stream given the server's preamble length; NEED_MORE if not yet known. */
export function findClientStart(b: Uint8Array, n: number, server: Uint8Array, serverStart: number): number {
  if (serverStart === 0) return 0;
  const connect = n >= 8 && ascii(b, 0, 8).toUpperCase() === 'CONNECT ';
  // An HTTP response counts as a preamble only after a CONNECT request.
  if (server[0] === 72 /* 'H' */ && !connect) return n < 8 ? NEED_MORE : NOT_SMTP;
  if (n === 0) return 0;
  if (b[0] === 5) return socks5ClientLength(b, n, server[1] === 0x02);
  if (b[0] === 4) return socks4ClientLength(b, n);
  if (connect) return headerEnd(b, n);
  return 0;
}

const CLIENT_SMTP = ['EHLO ', 'HELO ', 'LHLO ', 'MAIL FROM:', 'RCPT TO:'];
const CLIENT_PREAMBLE = ['CONNECT '];

/**
 * Classifies the first client bytes: 'smtp' (EHLO/HELO/LHLO/MAIL FROM:/RCPT TO:), 'maybe' (a proxy preamble or
 * too short to tell), 'no'.
 */
export function classifyClient(b: Uint8Array, n: number): 'smtp' | 'maybe' | 'no' {
  if (n === 0) return 'maybe';
  // SOCKS, or a TLS ClientHello sent before the server's 220 (implicit-TLS client meeting a plain SMTP server).
  if (b[0] === 5 || b[0] === 4 || (b[0] === 0x16 && (n < 2 || b[1] === 3))) return 'maybe';
  const head = ascii(b, 0, Math.min(n, 10)).toUpperCase();
  for (const v of CLIENT_SMTP) {
    if (head.length >= v.length) {
      if (head.startsWith(v)) return 'smtp';
      // 'EHLO\r\n' without an argument.
      if (v.length === 5 && head.startsWith(v.slice(0, 4)) && (head[4] === '\r' || head[4] === '\n')) return 'smtp';
    } else if (v.startsWith(head)) {
      return 'maybe';
    }
  }
  for (const v of CLIENT_PREAMBLE) {
    if (head.length >= v.length ? head.startsWith(v) : v.startsWith(head)) return 'maybe';
  }
  return 'no';
}
