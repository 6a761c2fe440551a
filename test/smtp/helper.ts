// Test helper: plays an SMTP dialogue into the SMTP handler as reassembly chunks with frames and times.

import type { ConnectionInfo, Direction, StreamHandler } from '../../src/reassembly/types.js';
import { createSmtpFactory } from '../../src/smtp/index.js';
import type { SmtpLimits, SmtpSession } from '../../src/smtp/types.js';

export function connInfo(id = 1, startSeen = true): ConnectionInfo {
  return {
    id,
    client: { ip: '192.0.2.10', port: 40000 + id },
    server: { ip: '198.51.100.25', port: 25 },
    interfaceIndex: 0,
    startSeen,
    firstFrame: 1,
    firstTs: { frame: 1, tsSec: 1000, tsNsec: 0 },
  };
}

export interface SendOpts {
  /** Split the bytes into chunks at these relative positions (each chunk its own frame). */
  split?: number[];
  /** Deliver each chunk in its own frame (default) or all chunks in the same frame. */
  sameFrame?: boolean;
}

export class Dialogue {
  frame = 1;
  private tNs = 0n;
  readonly off: Record<Direction, number> = { c2s: 0, s2c: 0 };
  /** Frame number used for each send, in order. */
  readonly frames: number[] = [];

  constructor(readonly h: StreamHandler) {}

  private ref() {
    this.frame++;
    this.tNs += 1_000_000n;
    const ns = 1000n * 1_000_000_000n + this.tNs;
    return { frame: this.frame, tsSec: Number(ns / 1_000_000_000n), tsNsec: Number(ns % 1_000_000_000n) };
  }

  send(dir: Direction, data: string | Uint8Array, o: SendOpts = {}): number {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const cuts = [0, ...(o.split ?? []).filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length];
    let ref = this.ref();
    const first = ref.frame;
    for (let k = 0; k + 1 < cuts.length; k++) {
      if (k > 0 && !o.sameFrame) ref = this.ref();
      const part = bytes.subarray(cuts[k], cuts[k + 1]);
      if (part.length === 0) continue;
      // A scratch buffer that is overwritten after the call: the handler must not keep the view.
      const scratch = new Uint8Array(part.length + 8);
      scratch.set(part, 4);
      this.h.onData({ dir, offset: this.off[dir], bytes: scratch.subarray(4, 4 + part.length), ref });
      scratch.fill(0xaa);
      this.off[dir] += part.length;
    }
    this.frames.push(first);
    return first;
  }

  c(data: string | Uint8Array, o?: SendOpts): number {
    return this.send('c2s', data, o);
  }

  s(data: string | Uint8Array, o?: SendOpts): number {
    return this.send('s2c', data, o);
  }

  gap(dir: Direction, length: number): number {
    const ref = this.ref();
    this.h.onGap({ dir, offset: this.off[dir], length, ref });
    this.off[dir] += length;
    return ref.frame;
  }

  end(dir: Direction, kind: 'fin' | 'rst'): number {
    const ref = this.ref();
    this.h.onEnd({ dir, kind, ref });
    return ref.frame;
  }

  close(reason: 'fin' | 'rst' | 'capture-end' | 'evicted' = 'fin'): void {
    const ref = this.ref();
    this.h.onClose({
      reason,
      lastTs: ref,
      stats: {
        packets: this.frame, retransmissions: 0, overlaps: 0, outOfOrder: 0, gaps: 0, gapBytes: 0,
        duplicatesAcrossInterfaces: 0, bytesC2s: this.off.c2s, bytesS2c: this.off.s2c, bufferLimitHits: 0,
      },
    });
  }
}

/** Runs one connection through a fresh factory; returns the emitted sessions (0 or 1). */
export async function play(
  script: (d: Dialogue) => void,
  o: { limits?: Partial<SmtpLimits>; info?: ConnectionInfo } = {},
): Promise<SmtpSession[]> {
  const out: SmtpSession[] = [];
  const f = createSmtpFactory({ limits: o.limits, onSession: (s) => out.push(s) });
  const h = f(o.info ?? connInfo());
  if (!h) throw new Error('factory returned null');
  script(new Dialogue(h));
  await f.drain();
  return out;
}

export async function playOne(
  script: (d: Dialogue) => void,
  o: { limits?: Partial<SmtpLimits>; info?: ConnectionInfo } = {},
): Promise<SmtpSession> {
  const s = await play(script, o);
  if (s.length !== 1) throw new Error(`expected one session, got ${s.length}`);
  return s[0];
}

export function names(s: SmtpSession): string[] {
  return s.events.map((e) => e.name);
}

export function codes(s: SmtpSession): number[] {
  return s.replies.map((r) => r.code);
}

export function verbs(s: SmtpSession): string[] {
  return s.commands.map((c) => c.verb);
}

export const GREETING = '220 mx.example.org ESMTP Postfix\r\n';
export const EHLO_REPLY = '250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-CHUNKING\r\n250-STARTTLS\r\n250 ENHANCEDSTATUSCODES\r\n';

/** The standard opening: greeting, EHLO, MAIL, RCPT (each answered). */
export function opening(d: Dialogue, rcpts = ['bob@example.org']): void {
  d.s(GREETING);
  d.c('EHLO client.example.com\r\n');
  d.s(EHLO_REPLY);
  d.c('MAIL FROM:<alice@example.com> SIZE=100\r\n');
  d.s('250 2.1.0 Ok\r\n');
  for (const r of rcpts) {
    d.c(`RCPT TO:<${r}>\r\n`);
    d.s('250 2.1.5 Ok\r\n');
  }
}

export function message(subject = 'Hello', body = 'Hi Bob,\r\nthis is a test.\r\n'): string {
  return (
    'From: Alice <alice@example.com>\r\n' +
    'To: Bob <bob@example.org>\r\n' +
    `Subject: ${subject}\r\n` +
    'Message-ID: <m1@example.com>\r\n' +
    'Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n' +
    '\r\n' +
    body
  );
}

/** RFC 5321 dot-stuffing of a message that ends with CRLF, plus the terminator. */
export function stuff(msg: string): string {
  return msg.replace(/^\./gm, '..') + '.\r\n';
}
