// Hardening properties shared by the CI suite (few runs, fixed seed) and scripts/fuzz.ts (many runs): hostile bytes
// into every stage must end in a result or an InputError, within a time bound, without breaking stage contracts.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readCaptureStream } from '../../src/capture/read.js';
import { InputError, type RawFrame } from '../../src/capture/types.js';
import { replaySession } from '../../src/commands/replay.js';
import { decodeFrame } from '../../src/decode/index.js';
import type { TcpPacket } from '../../src/decode/types.js';
import { diagnose } from '../../src/analysis/analyze.js';
import { runPipeline } from '../../src/pipeline.js';
import { renderAnalysisMarkdown } from '../../src/report/analysis-markdown.js';
import { renderAnalysisText } from '../../src/report/analysis-text.js';
import { Reassembler } from '../../src/reassembly/reassembler.js';
import type { ConnectionInfo, Direction, StreamHandler } from '../../src/reassembly/types.js';
import { renderSessionsText, sessionsJson } from '../../src/report/sessions-text.js';
import { replayHeader, replayLine } from '../../src/report/replay-text.js';
import { SMTP_EVENT_BY_NAME, createSmtpFactory } from '../../src/smtp/index.js';
import type { SmtpSession } from '../../src/smtp/types.js';
import { gzipOf, seedCaptures } from './capture-builder.js';
import { MUTATION_KINDS, applyMutations, type Mutation } from './mutate.js';

/** Per-case wall-clock bound (ms): every case here is a few KB, so a case this slow is a hang in the making. */
export const CASE_BUDGET_MS = 3000;

export const SEEDS = seedCaptures();

export const arbMutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...MUTATION_KINDS),
  a: fc.nat(),
  b: fc.nat(),
  v: fc.nat({ max: 0xffff }),
});

export const arbMutatedCapture = fc.record({
  seed: fc.nat({ max: SEEDS.length - 1 }),
  mutations: fc.array(arbMutation, { minLength: 1, maxLength: 4 }),
  /** Gzip the mutated bytes afterwards (mutations under compression reach the inner reader intact). */
  gzipAfter: fc.boolean(),
  /** Chunk sizes for feeding the reader (exercises unit boundaries across chunks). */
  chunks: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
});

export type MutatedCase = { seed: number; mutations: Mutation[]; gzipAfter: boolean; chunks: number[] };

export function bytesOfCase(c: MutatedCase): Uint8Array {
  const m = applyMutations(SEEDS[c.seed].bytes, c.mutations);
  return c.gzipAfter ? gzipOf(m) : m;
}

async function* chunked(b: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let p = 0;
  let i = 0;
  while (p < b.length) {
    const n = sizes[i++ % sizes.length];
    // A scratch copy that is overwritten after use: readers must not keep views into it.
    const scratch = new Uint8Array(b.subarray(p, p + n));
    yield scratch;
    scratch.fill(0xee);
    p += n;
  }
}

/** A one-line message, as the CLI prints it. */
export function assertOneLine(s: string, what: string): void {
  assert.ok(!/[\r\n]/.test(s), `${what} is not one line: ${JSON.stringify(s.slice(0, 200))}`);
}

export function assertTerminalSafe(text: string, what: string): void {
  const bad = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.exec(text);
  assert.equal(bad, null, `${what} carries a raw control/bidi character U+${bad ? bad[0].charCodeAt(0).toString(16) : ''}`);
}

/** Rejections must be InputError with a one-line message; anything else is a crash. */
export function assertInputError(e: unknown, what: string): void {
  if (!(e instanceof InputError)) {
    throw new Error(`${what}: threw ${(e as Error)?.name ?? typeof e} instead of InputError: ${(e as Error)?.stack ?? String(e)}`);
  }
  assertOneLine(e.message, `${what}: InputError message`);
}

/** Everything the in-memory pipeline saw, for invariant checks. */
interface MemoryRun {
  frames: number;
  packets: number;
  sessions: SmtpSession[];
}

/** read (stream) -> decode -> reassemble -> SMTP, like runPipeline but from memory, checking contracts on the way. */
export async function pipelineFromBytes(bytes: Uint8Array, chunks: number[], limits: { maxLine?: number; maxMessage?: number } = {}): Promise<MemoryRun> {
  const sessions: SmtpSession[] = [];
  const smtp = createSmtpFactory({ limits: { maxLineBytes: limits.maxLine ?? 512, maxMessageBytes: limits.maxMessage ?? 4096 }, onSession: (s) => sessions.push(s) });
  const r = new Reassembler(smtp, { maxBufferedBytesPerDirection: 2048, maxConnections: 8 });
  const stats = {};
  let lastFrame = 0;
  let frames = 0;
  let packets = 0;
  const onFrame = (f: RawFrame): void => {
    frames++;
    assert.ok(f.frame > lastFrame, `frame numbers must increase (${f.frame} after ${lastFrame})`);
    lastFrame = f.frame;
    assert.equal(f.data.length, f.capLen, 'capLen matches the data');
    assert.ok(Number.isInteger(f.tsNsec) && f.tsNsec >= 0 && f.tsNsec < 1e9, `tsNsec in range (${f.tsNsec})`);
    assert.ok(Number.isFinite(f.tsSec), 'tsSec finite');
    const p = decodeFrame(f, stats);
    if (p) {
      packets++;
      checkPacket(p, f);
      r.push(p);
    }
  };
  const summary = await readCaptureStream(chunked(bytes, chunks), 'fuzz-input', onFrame, { maxDecompressedBytes: 1 << 20 });
  r.finish();
  await smtp.drain();
  assert.equal(summary.packets, frames, 'summary.packets counts delivered frames');
  if (summary.error) {
    assertOneLine(summary.error.message, 'capture error');
    assert.ok(Number.isInteger(summary.error.offset) && summary.error.offset >= 0, `error offset ${summary.error.offset}`);
  }
  for (const s of sessions) checkSession(s, limits.maxLine ?? 512);
  return { frames, packets, sessions };
}

export function checkPacket(p: TcpPacket, f: RawFrame): void {
  assert.ok(p.srcPort >= 0 && p.srcPort <= 65535 && p.dstPort >= 0 && p.dstPort <= 65535, 'ports');
  assert.ok(p.seq >= 0 && p.seq <= 0xffffffff && p.ack >= 0 && p.ack <= 0xffffffff, 'seq/ack are u32');
  assert.ok(p.payload.length <= f.data.length, 'payload inside the frame');
  assert.ok(p.payloadMissing >= 0, 'payloadMissing >= 0');
  assert.ok(p.ipVersion === 4 || p.ipVersion === 6, 'ip version');
}

export function checkSession(s: SmtpSession, maxLine: number): void {
  for (const e of s.events) assert.ok(SMTP_EVENT_BY_NAME.has(e.name), `event ${e.name} is in the catalogue`);
  // A line may be cut at the limit; the kept text is bounded by it (with room for a marker).
  for (const c of s.commands) assert.ok(c.args.length <= maxLine + 64, `command args bounded (${c.args.length})`);
  for (const r of s.replies) for (const l of r.lines) assert.ok(l.length <= maxLine + 64, `reply line bounded (${l.length})`);
  const json = JSON.stringify(sessionsJson({ capture: { path: 'x', packets: 0, timestampKind: 'absolute' } as never, sessions: [s], tcp: { totals: {}, connections: [] } }));
  assert.ok(json.length > 0);
}

/** The reader/decoder/reassembler/SMTP property over mutated seed captures. */
export function readerProperty(): fc.IAsyncPropertyWithHooks<[MutatedCase]> {
  return fc.asyncProperty(arbMutatedCapture, async (c) => {
    const bytes = bytesOfCase(c);
    const t0 = performance.now();
    try {
      await pipelineFromBytes(bytes, c.chunks);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assertInputError(e, 'reader');
    }
    const ms = performance.now() - t0;
    assert.ok(ms < CASE_BUDGET_MS, `case took ${ms.toFixed(0)} ms`);
  });
}

/** Random bytes (not derived from a capture) behind each format's magic, and bare. */
export function randomBytesProperty(): fc.IAsyncPropertyWithHooks<[number, Uint8Array, number[]]> {
  const magics = [
    [],
    [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0],
    [0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0x34, 0xcd, 0xb2, 0xa1],
    [0x0a, 0x0d, 0x0d, 0x0a],
    [0x1f, 0x8b, 0x08, 0x00],
    [...Buffer.from('interfaces=[any]\nfilters=[]\n')],
  ];
  return fc.asyncProperty(fc.nat({ max: magics.length - 1 }), fc.uint8Array({ maxLength: 2048 }), fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 4 }), async (m, body, chunks) => {
    const bytes = new Uint8Array([...magics[m], ...body]);
    try {
      await pipelineFromBytes(bytes, chunks);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assertInputError(e, 'random bytes');
    }
  });
}

const LINK_TYPES = [0, 1, 101, 113, 228, 229, 276, 12, 14, 108, 147, 65535];

/** decodeFrame over random frames of every link type and over bit-flipped valid frames. */
export function decoderProperty(): fc.IPropertyWithHooks<[number, Uint8Array]> {
  return fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 200 }), (linkType, data) => {
    const f: RawFrame = { frame: 1, tsSec: 1, tsNsec: 0, linkType, interfaceIndex: 0, capLen: data.length, origLen: data.length + 10, data, offset: 0 };
    const p = decodeFrame(f, {});
    if (p) checkPacket(p, f);
  });
}

/** Structured random IP headers: mostly-valid IPv4/IPv6 + TCP with random fields, inside Ethernet. */
export function decoderStructuredProperty(): fc.IPropertyWithHooks<[boolean, Uint8Array, number, number]> {
  return fc.property(fc.boolean(), fc.uint8Array({ minLength: 60, maxLength: 160 }), fc.nat({ max: 255 }), fc.nat({ max: 0xffff }), (v6, rnd, nh, plen) => {
    const d = new Uint8Array(14 + rnd.length);
    d.set(rnd, 14);
    d[12] = v6 ? 0x86 : 0x08;
    d[13] = v6 ? 0xdd : 0x00;
    if (v6) {
      d[14] = 0x60;
      d[14 + 4] = plen >> 8;
      d[14 + 5] = plen & 255;
      d[14 + 6] = nh;
    } else {
      d[14] = 0x40 | (d[14] & 0x0f);
      d[14 + 9] = 6;
    }
    const f: RawFrame = { frame: 1, tsSec: 1, tsNsec: 0, linkType: 1, interfaceIndex: 0, capLen: d.length, origLen: d.length, data: d, offset: 0 };
    const p = decodeFrame(f, {});
    if (p) checkPacket(p, f);
  });
}

export interface SegSpec {
  conn: number;
  fromClient: boolean;
  /** How the sequence number moves: small step, absurd jump, anything. */
  seqMode: 0 | 1 | 2 | 3;
  seqArg: number;
  flags: number;
  len: number;
}

const arbSeg: fc.Arbitrary<SegSpec> = fc.record({
  conn: fc.nat({ max: 5 }),
  fromClient: fc.boolean(),
  seqMode: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const),
  seqArg: fc.nat({ max: 0xffffffff }),
  flags: fc.oneof(fc.constant(0x18), fc.constant(0x10), fc.constant(0x02), fc.constant(0x12), fc.constant(0x11), fc.constant(0x04), fc.nat({ max: 0x3f })),
  len: fc.oneof(fc.nat({ max: 40 }), fc.nat({ max: 1500 })),
});

/** Random segment streams (absurd seq jumps, SYN/FIN/RST anywhere) through the Reassembler with tight limits. */
export function reassemblerProperty(): fc.IPropertyWithHooks<[SegSpec[]]> {
  return fc.property(fc.array(arbSeg, { maxLength: 120 }), (segs) => {
    const maxConnections = 3;
    let open = 0;
    let maxOpen = 0;
    let pushedBytes = 0;
    let deliveredBytes = 0;
    const handlers: Array<{ closed: boolean; off: Record<Direction, number> }> = [];
    const factory = (_info: ConnectionInfo): StreamHandler => {
      const st = { closed: false, off: { c2s: 0, s2c: 0 } as Record<Direction, number> };
      handlers.push(st);
      open++;
      maxOpen = Math.max(maxOpen, open);
      return {
        onData(c) {
          assert.ok(!st.closed, 'data after close');
          assert.equal(c.offset, st.off[c.dir], 'data offsets are contiguous');
          assert.ok(c.bytes.length > 0, 'no empty chunk');
          st.off[c.dir] += c.bytes.length;
          deliveredBytes += c.bytes.length;
        },
        onGap(g) {
          assert.ok(!st.closed, 'gap after close');
          assert.equal(g.offset, st.off[g.dir], 'gap offsets are contiguous');
          assert.ok(g.length > 0 && Number.isFinite(g.length), `gap length ${g.length}`);
          st.off[g.dir] += g.length;
        },
        onEnd() {
          assert.ok(!st.closed, 'end after close');
        },
        onClose() {
          assert.ok(!st.closed, 'closed twice');
          st.closed = true;
          open--;
        },
      };
    };
    const r = new Reassembler(factory, { maxBufferedBytesPerDirection: 1000, maxConnections });
    const seq: number[][] = [];
    const payload = new Uint8Array(1500).fill(0x41);
    segs.forEach((s, i) => {
      seq[s.conn] ??= [1000 * s.conn, 7_000_000 + s.conn];
      const side = s.fromClient ? 0 : 1;
      const cur = seq[s.conn][side];
      let next: number;
      if (s.seqMode === 0) next = cur;
      else if (s.seqMode === 1) next = cur + (s.seqArg % 3000) - 1000;
      else if (s.seqMode === 2) next = cur + 1_000_000_000 + (s.seqArg % 7);
      else next = s.seqArg;
      next >>>= 0;
      const p: TcpPacket = {
        frame: i + 1, tsSec: 1_700_000_000 + i, tsNsec: 0, interfaceIndex: 0, ipVersion: 4,
        src: s.fromClient ? `10.0.0.${s.conn + 1}` : '10.0.1.1', dst: s.fromClient ? '10.0.1.1' : `10.0.0.${s.conn + 1}`,
        ttl: 64, ipId: i, srcPort: s.fromClient ? 40000 + s.conn : 25, dstPort: s.fromClient ? 25 : 40000 + s.conn,
        seq: next, ack: seq[s.conn][1 - side] >>> 0, flags: s.flags, window: 1000, options: {},
        payload: payload.subarray(0, s.len), payloadMissing: 0,
      };
      pushedBytes += s.len;
      r.push(p);
      seq[s.conn][side] = (next + s.len + ((s.flags & 3) !== 0 ? 1 : 0)) >>> 0;
      assert.ok(open <= maxConnections, `open connections ${open} > ${maxConnections}`);
    });
    r.finish();
    assert.equal(open, 0, 'every handler closed at finish');
    assert.ok(deliveredBytes <= pushedBytes, 'no bytes invented');
    // The new connection's handler is created before the least recently active one is evicted: one over, at most.
    assert.ok(maxOpen <= maxConnections + 1, `peak open handlers ${maxOpen}`);
  });
}

const VERBS = ['EHLO x', 'HELO x', 'MAIL FROM:<a@b>', 'RCPT TO:<c@d>', 'DATA', 'BDAT 5', 'BDAT 0 LAST', 'BDAT 99999999999999999999', 'BDAT 9223372036854775808 LAST', 'BDAT -1', 'RSET', 'QUIT', 'STARTTLS', 'AUTH PLAIN AGFsaWNlAHNlY3JldA==', 'AUTH LOGIN', 'NOOP', 'XYZZY', '.', '..', ''];
const REPLIES = ['220 hi', '250 ok', '250-a', '354 go', '334 VXNlcm5hbWU6', '421 bye', '550 no', '554 5.7.1 Infected', '221 bye', '999 odd', 'garbage', '25', '2500', '250 ' + 'x'.repeat(700)];

const arbPiece = fc.oneof(
  fc.record({ dir: fc.constant<Direction>('c2s'), text: fc.constantFrom(...VERBS), eol: fc.constantFrom('\r\n', '\n', '\r', '') }),
  fc.record({ dir: fc.constant<Direction>('s2c'), text: fc.constantFrom(...REPLIES), eol: fc.constantFrom('\r\n', '\n', '') }),
  fc.record({ dir: fc.constantFrom<Direction>('c2s', 's2c'), text: fc.string({ maxLength: 80, unit: 'binary' }), eol: fc.constantFrom('\r\n', '') }),
);

type SmtpAct = { dir: Direction; text: string; eol: string } | { gap: Direction; len: number } | { end: Direction; kind: 'fin' | 'rst' };

const arbAct: fc.Arbitrary<SmtpAct> = fc.oneof(
  { weight: 12, arbitrary: arbPiece },
  { weight: 1, arbitrary: fc.record({ gap: fc.constantFrom<Direction>('c2s', 's2c'), len: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(1_000_000_000)) }) },
  { weight: 1, arbitrary: fc.record({ end: fc.constantFrom<Direction>('c2s', 's2c'), kind: fc.constantFrom<'fin' | 'rst'>('fin', 'rst') }) },
);

/** Random dialogues and random bytes into one SMTP handler, with random chunk splits, gaps and ends. */
export function smtpProperty(): fc.IAsyncPropertyWithHooks<[SmtpAct[], number[], boolean, number]> {
  const arbLimit = fc.constantFrom(256, 256, 256, 0, 1, 7, 64);
  return fc.asyncProperty(fc.array(arbAct, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }), fc.boolean(), arbLimit, async (acts, splits, startSeen, maxLine) => {
    const out: SmtpSession[] = [];
    const f = createSmtpFactory({ limits: { maxLineBytes: maxLine, maxMessageBytes: maxLine * 4 }, onSession: (s) => out.push(s) });
    const info: ConnectionInfo = {
      id: 1, client: { ip: '192.0.2.1', port: 40000 }, server: { ip: '192.0.2.2', port: 25 }, interfaceIndex: 0, startSeen,
      firstFrame: 1, firstTs: { frame: 1, tsSec: 1000, tsNsec: 0 },
    };
    const h = f(info);
    if (!h) return;
    const off: Record<Direction, number> = { c2s: 0, s2c: 0 };
    let frame = 1;
    let k = 0;
    const ref = () => ({ frame: ++frame, tsSec: 1000 + frame, tsNsec: 0 });
    for (const a of acts) {
      if ('text' in a) {
        const b = Buffer.from(a.text + a.eol, 'latin1');
        for (let p = 0; p < b.length; ) {
          const n = splits[k++ % splits.length];
          const part = new Uint8Array(b.subarray(p, p + n));
          h.onData({ dir: a.dir, offset: off[a.dir], bytes: part, ref: ref() });
          part.fill(0xaa);
          off[a.dir] += part.length;
          p += n;
        }
      } else if ('gap' in a) {
        h.onGap({ dir: a.gap, offset: off[a.gap], length: a.len, ref: ref() });
        off[a.gap] += a.len;
      } else {
        h.onEnd({ dir: a.end, kind: a.kind, ref: ref() });
      }
    }
    h.onClose({
      reason: 'capture-end', lastTs: ref(),
      stats: { packets: frame, retransmissions: 0, overlaps: 0, outOfOrder: 0, gaps: 0, gapBytes: 0, duplicatesAcrossInterfaces: 0, bytesC2s: off.c2s, bytesS2c: off.s2c, bufferLimitHits: 0 },
    });
    await f.drain();
    assert.ok(out.length <= 1, 'at most one session per connection');
    for (const s of out) {
      checkSession(s, maxLine);
      const r = replaySession(s);
      for (const l of r.lines) assertTerminalSafe(replayLine(r, l), 'replay line');
    }
  });
}

/** runPipeline on temp files (the CLI's path), plus every text renderer, which must stay terminal-safe. */
export function pipelineFileProperty(dir: string): fc.IAsyncPropertyWithHooks<[MutatedCase]> {
  let n = 0;
  return fc.asyncProperty(arbMutatedCapture, async (c) => {
    const path = join(dir, `case-${n++}.bin`);
    writeFileSync(path, bytesOfCase(c));
    const t0 = performance.now();
    try {
      const r = await runPipeline(path, {
        read: { maxDecompressedBytes: 1 << 20 },
        reassembly: { maxBufferedBytesPerDirection: 4096, maxConnections: 16 },
        smtp: { maxLineBytes: 512, maxMessageBytes: 4096 },
      });
      assertTerminalSafe(renderSessionsText({ capture: r.capture, sessions: r.sessions, tcp: r.tcp }), 'sessions text');
      JSON.stringify(sessionsJson({ capture: r.capture, sessions: r.sessions, tcp: r.tcp }));
      for (const s of r.sessions) {
        const rs = replaySession(s);
        assertTerminalSafe(replayHeader(rs), 'replay header');
        for (const l of rs.lines) assertTerminalSafe(replayLine(rs, l), 'replay line');
      }
      // The diagnosis and its renderers (analyze): same rules.
      const doc = diagnose(r);
      assertTerminalSafe(renderAnalysisText(doc, { color: false }), 'analyze text');
      assertTerminalSafe(renderAnalysisMarkdown(doc), 'analyze markdown');
      JSON.stringify(doc);
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assertInputError(e, 'runPipeline');
    } finally {
      rmSync(path, { force: true });
    }
    const ms = performance.now() - t0;
    assert.ok(ms < CASE_BUDGET_MS, `case took ${ms.toFixed(0)} ms`);
  });
}

export function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'splice-fuzz-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Counterexamples found by longer runs, replayed first on every run (fast-check `examples`). */
export const REGRESSIONS: MutatedCase[] = [
  // Sniffer text with a relative timestamp of 1e20 s: isoNs threw RangeError (Invalid time value) in sessionsJson.
  { seed: 3, mutations: [{ kind: 'text', a: 18, b: 0, v: 56245 }, { kind: 'flip', a: 0, b: 0, v: 0 }], gzipAfter: false, chunks: [1] },
];

/** All properties by name, with their CI run counts. */
export const PROPERTIES = {
  reader: { runs: 250, make: () => readerProperty(), examples: REGRESSIONS.map((c) => [c]) },
  randomBytes: { runs: 150, make: () => randomBytesProperty() },
  decoder: { runs: 2000, make: () => decoderProperty() },
  decoderStructured: { runs: 2000, make: () => decoderStructuredProperty() },
  reassembler: { runs: 300, make: () => reassemblerProperty() },
  smtp: { runs: 300, make: () => smtpProperty() },
} as const;
