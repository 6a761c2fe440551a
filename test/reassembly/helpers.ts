// Test helpers: build TcpPacket objects directly and record what a Reassembler hands upward.

import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type TcpPacket } from '../../src/decode/types.js';
import { Reassembler } from '../../src/reassembly/reassembler.js';
import type {
  ConnectionClose,
  ConnectionInfo,
  ReassemblyLimits,
  StreamChunk,
  StreamGap,
  StreamHandler,
  TcpEnd,
} from '../../src/reassembly/types.js';

export { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN };

export interface PktSpec {
  src?: string;
  sport?: number;
  dst?: string;
  dport?: number;
  seq: number;
  ack?: number;
  flags?: number;
  data?: string | Uint8Array;
  missing?: number;
  frame?: number;
  ts?: number;
  iface?: number;
  ifName?: string;
  ttl?: number;
  ipId?: number;
  ipVersion?: 4 | 6;
  window?: number;
  mss?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder('latin1');

export function bytesOf(d: string | Uint8Array | undefined): Uint8Array {
  if (d === undefined) return new Uint8Array(0);
  return typeof d === 'string' ? enc.encode(d) : d;
}

export function pkt(s: PktSpec): TcpPacket {
  const ts = s.ts ?? 1_700_000_000;
  const sec = Math.floor(ts);
  return {
    frame: s.frame ?? 0,
    tsSec: sec,
    tsNsec: Math.round((ts - sec) * 1e9),
    interfaceIndex: s.iface ?? 0,
    interfaceName: s.ifName,
    ipVersion: s.ipVersion ?? 4,
    src: s.src ?? '10.0.0.1',
    dst: s.dst ?? '10.0.0.2',
    ttl: s.ttl ?? 64,
    ipId: s.ipVersion === 6 ? undefined : s.ipId,
    srcPort: s.sport ?? 40000,
    dstPort: s.dport ?? 25,
    seq: s.seq >>> 0,
    ack: (s.ack ?? 0) >>> 0,
    flags: s.flags ?? (TCP_ACK | (s.data !== undefined ? TCP_PSH : 0)),
    window: s.window ?? 65535,
    options: s.mss !== undefined ? { mss: s.mss } : {},
    payload: bytesOf(s.data),
    payloadMissing: s.missing ?? 0,
  };
}

export type Ev =
  | { t: 'data'; c: StreamChunk; text: string }
  | { t: 'gap'; g: StreamGap }
  | { t: 'end'; e: TcpEnd }
  | { t: 'close'; x: ConnectionClose };

export class Recorded implements StreamHandler {
  readonly events: Ev[] = [];
  closed = 0;
  skipData?: boolean;
  constructor(readonly info: ConnectionInfo) {}
  onData(c: StreamChunk): void {
    if (this.closed) throw new Error('data after close');
    if (c.ref.frame < 1) throw new Error('chunk without a frame');
    // Copy: the view is only valid during the call.
    this.events.push({ t: 'data', c: { ...c, bytes: c.bytes.slice() }, text: dec.decode(c.bytes) });
  }
  onGap(g: StreamGap): void {
    if (this.closed) throw new Error('gap after close');
    if (g.ref.frame < 1) throw new Error('gap without a frame');
    this.events.push({ t: 'gap', g });
  }
  onEnd(e: TcpEnd): void {
    if (this.closed) throw new Error('end after close');
    if (e.ref.frame < 1) throw new Error('end without a frame');
    this.events.push({ t: 'end', e });
  }
  onClose(x: ConnectionClose): void {
    if (x.lastTs.frame < 1) throw new Error('close without a frame');
    this.closed++;
    this.events.push({ t: 'close', x });
  }
  /** The stream text of one direction, gaps shown as `[gap n]`. Also checks offsets are contiguous. */
  text(dir: 'c2s' | 's2c'): string {
    let out = '';
    let off = 0;
    for (const e of this.events) {
      if (e.t === 'data' && e.c.dir === dir) {
        if (e.c.offset !== off) throw new Error(`offset ${e.c.offset} != ${off}`);
        out += e.text;
        off += e.c.bytes.length;
      } else if (e.t === 'gap' && e.g.dir === dir) {
        if (e.g.offset !== off) throw new Error(`gap offset ${e.g.offset} != ${off}`);
        out += `[gap ${e.g.length}]`;
        off += e.g.length;
      }
    }
    return out;
  }
  /** A compact trace: "d c2s 0 #3", "g c2s 5+4 #9", "fin s2c #7", "rst c2s #8", "close fin". */
  trace(): string[] {
    return this.events.map((e) => {
      switch (e.t) {
        case 'data':
          return `d ${e.c.dir} ${e.c.offset} ${JSON.stringify(e.text)} #${e.c.ref.frame}`;
        case 'gap':
          return `g ${e.g.dir} ${e.g.offset}+${e.g.length} #${e.g.ref.frame}`;
        case 'end':
          return `${e.e.kind} ${e.e.dir} #${e.e.ref.frame}`;
        case 'close':
          return `close ${e.x.reason}`;
      }
    });
  }
}

/** A reassembler wired to recording handlers; feeds packets through one reused payload buffer. */
export class Harness {
  readonly handlers: Recorded[] = [];
  readonly r: Reassembler;
  private frame = 0;
  private ipId = 1;
  private readonly scratch = new Uint8Array(1 << 16);

  constructor(limits?: Partial<ReassemblyLimits>, ignore?: (info: ConnectionInfo) => boolean) {
    this.r = new Reassembler((info) => {
      if (ignore?.(info)) return null;
      const h = new Recorded(info);
      this.handlers.push(h);
      return h;
    }, limits);
  }

  /** Push packets; frames are numbered 1, 2, ... unless given. The payload view is clobbered after each push. */
  push(...specs: PktSpec[]): this {
    for (const s of specs) {
      const p = pkt(s);
      p.frame = s.frame ?? ++this.frame;
      if (s.frame !== undefined) this.frame = s.frame;
      // Like a real IPv4 stack: every packet sent gets a new IP id unless the test says otherwise.
      if (p.ipVersion === 4 && s.ipId === undefined) p.ipId = this.ipId++ & 0xffff;
      const n = p.payload.length;
      this.scratch.set(p.payload, 0);
      p.payload = this.scratch.subarray(0, n);
      this.r.push(p);
      this.scratch.fill(0xee, 0, n);
    }
    return this;
  }

  finish(): this {
    this.r.finish();
    return this;
  }

  h(i = 0): Recorded {
    const h = this.handlers[i];
    if (h === undefined) throw new Error(`no handler ${i}`);
    return h;
  }
}

/** Packets of one conversation with running sequence numbers. */
export class Conv {
  cseq: number;
  sseq: number;
  constructor(
    readonly base: Partial<PktSpec> = {},
    cisn = 1000,
    sisn = 5000,
  ) {
    this.cseq = cisn >>> 0;
    this.sseq = sisn >>> 0;
  }
  private get rev(): Partial<PktSpec> {
    return {
      ...this.base,
      src: this.base.dst ?? '10.0.0.2',
      sport: this.base.dport ?? 25,
      dst: this.base.src ?? '10.0.0.1',
      dport: this.base.sport ?? 40000,
    };
  }
  syn(extra: Partial<PktSpec> = {}): PktSpec {
    const p = { ...this.base, seq: this.cseq, flags: TCP_SYN, mss: 1460, ...extra };
    this.cseq = (this.cseq + 1 + bytesOf(extra.data).length) >>> 0;
    return p;
  }
  synAck(extra: Partial<PktSpec> = {}): PktSpec {
    const p = { ...this.rev, seq: this.sseq, ack: this.cseq, flags: TCP_SYN | TCP_ACK, mss: 1400, ...extra };
    this.sseq = (this.sseq + 1) >>> 0;
    return p;
  }
  handshake(): PktSpec[] {
    return [this.syn(), this.synAck(), this.c('')];
  }
  /** Client segment at the current client seq (advances it). `data: ''` gives a pure ACK. */
  c(data: string, extra: Partial<PktSpec> = {}): PktSpec {
    const p: PktSpec = { ...this.base, seq: this.cseq, ack: this.sseq, ...extra };
    if (data !== '') p.data = data;
    this.cseq = (this.cseq + data.length + ((p.flags ?? 0) & TCP_FIN ? 1 : 0)) >>> 0;
    return p;
  }
  s(data: string, extra: Partial<PktSpec> = {}): PktSpec {
    const p: PktSpec = { ...this.rev, seq: this.sseq, ack: this.cseq, ...extra };
    if (data !== '') p.data = data;
    this.sseq = (this.sseq + data.length + ((p.flags ?? 0) & TCP_FIN ? 1 : 0)) >>> 0;
    return p;
  }
}
