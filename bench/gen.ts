// Benchmark input: about 1 GiB of interleaved SMTP sessions as a classic pcap, generated once into a cache folder.

import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildFrame, type TcpSpec } from '../fixtures/gen/packets.js';
import { pcapRecord, writePcap } from '../fixtures/gen/writers.js';

/** Bump when the generated traffic changes, so a stale cache is not measured. */
const VERSION = 1;
export const BENCH_DIR = process.env.SPLICE_DOCTOR_BENCH_DIR ?? join(homedir(), '.cache', 'splice-doctor-bench');
export const TARGET_BYTES = Number(process.env.SPLICE_DOCTOR_BENCH_BYTES ?? 1024 ** 3);

const MSS = 1448;
const CONCURRENT = 200;
const SERVER = '198.51.100.25';

/** Small deterministic PRNG (mulberry32) so every machine measures the same file. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A base64-looking body (76-character lines) that segments are cut from; built on first use only.
let BODY_CACHE: Buffer | null = null;
function body(): Buffer {
  if (BODY_CACHE) return BODY_CACHE;
  const r = rng(7);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = 'Subject: benchmark\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  while (s.length < 600 * 1024) {
    let line = '';
    for (let i = 0; i < 76; i++) line += alphabet[Math.floor(r() * 64)];
    s += line + '\r\n';
  }
  BODY_CACHE = Buffer.from(s);
  return BODY_CACHE;
}

interface Step {
  fromClient: boolean;
  flags: string;
  payload?: Uint8Array;
}

/** One SMTP session as a list of segments (handshake, dialogue, DATA in MSS-sized segments, close). */
function* session(size: number): Generator<Step> {
  const line = (s: string): Uint8Array => Buffer.from(s + '\r\n');
  yield { fromClient: true, flags: 'S' };
  yield { fromClient: false, flags: 'SA' };
  yield { fromClient: true, flags: 'A' };
  const dialogue: Array<[boolean, string]> = [
    [false, '220 mx.example.net ESMTP ready'],
    [true, 'EHLO client.example.org'],
    [false, '250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250 8BITMIME'],
    [true, 'MAIL FROM:<sender@example.org> SIZE=' + size],
    [false, '250 2.1.0 Ok'],
    [true, 'RCPT TO:<rcpt@example.net>'],
    [false, '250 2.1.5 Ok'],
    [true, 'DATA'],
    [false, '354 End data with <CR><LF>.<CR><LF>'],
  ];
  for (const [c, text] of dialogue) yield { fromClient: c, flags: 'PA', payload: line(text) };
  const BODY = body();
  let sent = 0;
  let n = 0;
  while (sent < size) {
    const len = Math.min(MSS, size - sent);
    const off = sent % (BODY.length - MSS);
    yield { fromClient: true, flags: 'A', payload: BODY.subarray(off, off + len) };
    sent += len;
    if (++n % 2 === 0) yield { fromClient: false, flags: 'A' };
  }
  yield { fromClient: true, flags: 'PA', payload: line('\r\n.') };
  yield { fromClient: false, flags: 'PA', payload: line('250 2.0.0 Ok: queued as 4F1A2B3C4D') };
  yield { fromClient: true, flags: 'PA', payload: line('QUIT') };
  yield { fromClient: false, flags: 'PA', payload: line('221 2.0.0 Bye') };
  yield { fromClient: false, flags: 'FA' };
  yield { fromClient: true, flags: 'FA' };
  yield { fromClient: false, flags: 'A' };
}

interface Live {
  steps: Generator<Step>;
  client: string;
  port: number;
  seq: [number, number];
}

/** Writes the capture of about `bytes` (if not cached) and returns its path. */
export function ensureBenchCapture(log: (s: string) => void = () => {}, bytes = TARGET_BYTES): string {
  mkdirSync(BENCH_DIR, { recursive: true });
  const path = join(BENCH_DIR, `smtp-interleaved-v${VERSION}-${bytes}.pcap`);
  if (existsSync(path)) return path;
  const started = Date.now();
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  const opts = { linkType: 1, snapLen: 262144 };
  const buf = Buffer.alloc(8 * 1024 * 1024);
  let used = 0;
  let written = 0;
  const put = (b: Uint8Array): void => {
    if (used + b.length > buf.length) {
      writeSync(fd, buf, 0, used);
      used = 0;
    }
    buf.set(b, used);
    used += b.length;
    written += b.length;
  };
  put(writePcap([], opts));
  const r = rng(42);
  const live: Live[] = [];
  let sessions = 0;
  const open = (): Live => {
    sessions++;
    const size = 20 * 1024 + Math.floor(r() * 480 * 1024);
    return {
      steps: session(size),
      client: `10.${(sessions >> 16) & 255}.${(sessions >> 8) & 255}.${sessions & 255}`,
      port: 1024 + (sessions % 60000),
      seq: [Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32)],
    };
  };
  let tsUs = 1_700_000_000 * 1_000_000;
  let packets = 0;
  while (written < bytes) {
    while (live.length < CONCURRENT) live.push(open());
    const i = Math.floor(r() * live.length);
    const s = live[i];
    const next = s.steps.next();
    if (next.done) {
      live[i] = open();
      continue;
    }
    const st = next.value;
    const d = st.fromClient ? 0 : 1;
    const spec: TcpSpec = {
      src: st.fromClient ? s.client : SERVER,
      dst: st.fromClient ? SERVER : s.client,
      srcPort: st.fromClient ? s.port : 25,
      dstPort: st.fromClient ? 25 : s.port,
      seq: s.seq[d] >>> 0,
      ack: st.flags === 'S' ? 0 : s.seq[1 - d] >>> 0,
      flags: st.flags,
      window: 502,
      payload: st.payload,
      mss: st.flags.includes('S') ? MSS : undefined,
    };
    const data = buildFrame('ethernet', spec);
    s.seq[d] = (s.seq[d] + (st.payload?.length ?? 0) + (st.flags.includes('S') || st.flags.includes('F') ? 1 : 0)) >>> 0;
    tsUs += 5 + Math.floor(r() * 20);
    put(pcapRecord({ tsSec: Math.floor(tsUs / 1e6), tsNsec: (tsUs % 1e6) * 1000, data }, opts));
    put(data);
    packets++;
  }
  writeSync(fd, buf, 0, used);
  closeSync(fd);
  renameSync(tmp, path);
  log(`generated ${path}: ${(statSync(path).size / 1024 ** 2).toFixed(0)} MiB, ${packets} packets, ${sessions} sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return path;
}
