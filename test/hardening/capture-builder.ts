// Hardening helper: builds small, valid captures (pcap, pcapng, sniffer text, gzip) of TCP/SMTP conversations.

import { buildFrame, buildIpTcp, type TcpSpec } from '../../fixtures/gen/packets.js';
import { gzip, writePcap, writePcapng, writeSnifferText, type FrameRecord } from '../../fixtures/gen/writers.js';

export type Step = ['c' | 's', string | Uint8Array];

export interface ConvOptions {
  client?: string;
  server?: string;
  clientPort?: number;
  serverPort?: number;
  clientIsn?: number;
  serverIsn?: number;
  /** Start time, seconds. */
  t0?: number;
  /** Largest payload per segment. */
  mss?: number;
  /** End with FIN from both sides (default) or a client RST, or nothing. */
  end?: 'fin' | 'rst' | 'none';
}

export interface Packet {
  spec: TcpSpec;
  tsSec: number;
  tsNsec: number;
}

const enc = new TextEncoder();
const asBytes = (d: string | Uint8Array): Uint8Array => (typeof d === 'string' ? enc.encode(d) : d);

/** One TCP conversation with handshake, the steps as data segments (each acknowledged) and a close. */
export function conversation(steps: Step[], o: ConvOptions = {}): Packet[] {
  const c = o.client ?? '192.0.2.10';
  const s = o.server ?? '198.51.100.25';
  const cp = o.clientPort ?? 40001;
  const sp = o.serverPort ?? 25;
  const mss = o.mss ?? 1400;
  let cseq = (o.clientIsn ?? 1000) >>> 0;
  let sseq = (o.serverIsn ?? 5_000_000) >>> 0;
  let t = (o.t0 ?? 1_700_000_000) * 1e6;
  const out: Packet[] = [];
  const push = (fromClient: boolean, flags: string, payload?: Uint8Array): void => {
    t += 1000;
    const spec: TcpSpec = fromClient
      ? { src: c, dst: s, srcPort: cp, dstPort: sp, seq: cseq, ack: sseq, flags, payload }
      : { src: s, dst: c, srcPort: sp, dstPort: cp, seq: sseq, ack: cseq, flags, payload };
    if (!flags.includes('A')) delete spec.ack;
    out.push({ spec, tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000 });
  };
  push(true, 'S');
  cseq = (cseq + 1) >>> 0;
  push(false, 'SA');
  sseq = (sseq + 1) >>> 0;
  push(true, 'A');
  for (const [who, data] of steps) {
    const b = asBytes(data);
    for (let i = 0; i < b.length; i += mss) {
      const part = b.subarray(i, Math.min(b.length, i + mss));
      if (who === 'c') {
        push(true, 'PA', part);
        cseq = (cseq + part.length) >>> 0;
        push(false, 'A');
      } else {
        push(false, 'PA', part);
        sseq = (sseq + part.length) >>> 0;
        push(true, 'A');
      }
    }
  }
  const end = o.end ?? 'fin';
  if (end === 'fin') {
    push(true, 'FA');
    cseq = (cseq + 1) >>> 0;
    push(false, 'FA');
    sseq = (sseq + 1) >>> 0;
    push(true, 'A');
  } else if (end === 'rst') {
    push(true, 'R');
  }
  return out;
}

export function frames(pkts: Packet[]): FrameRecord[] {
  return pkts.map((p) => ({ tsSec: p.tsSec, tsNsec: p.tsNsec, data: buildFrame('ethernet', p.spec) }));
}

export function pcapOf(pkts: Packet[], big = false): Buffer {
  return writePcap(frames(pkts), { linkType: 1, byteOrder: big ? 'big' : 'little' });
}

export function pcapngOf(pkts: Packet[]): Buffer {
  return writePcapng([{ interfaces: [{ linkType: 1, name: 'port1' }], frames: frames(pkts), extraBlocks: true }]);
}

export function snifferOf(pkts: Packet[]): string {
  return writeSnifferText(
    pkts.map((p) => ({
      tsSec: p.tsSec,
      tsNsec: p.tsNsec,
      iface: 'port1',
      direction: 'in' as const,
      summary: `${p.spec.src}.${p.spec.srcPort} -> ${p.spec.dst}.${p.spec.dstPort}: ${p.spec.flags.includes('S') ? 'syn ' : ''}${p.spec.seq >>> 0} ack ${(p.spec.ack ?? 0) >>> 0}`,
      data: buildIpTcp(p.spec),
    })),
    { verbose: 5, timestamps: 'absolute' },
  );
}

export function gzipOf(b: Uint8Array): Buffer {
  return gzip(b);
}

/** A plain SMTP dialogue with one DATA transaction (message text given). */
export function smtpDialogue(message = 'Subject: hello\r\n\r\nbody line\r\n', extra: Step[] = []): Step[] {
  return [
    ['s', '220 mx.example.net ESMTP Postfix\r\n'],
    ['c', 'EHLO client.example.org\r\n'],
    ['s', '250-mx.example.net\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n'],
    ...extra,
    ['c', 'MAIL FROM:<alice@example.org>\r\n'],
    ['s', '250 2.1.0 Ok\r\n'],
    ['c', 'RCPT TO:<bob@example.net>\r\n'],
    ['s', '250 2.1.5 Ok\r\n'],
    ['c', 'DATA\r\n'],
    ['s', '354 End data with <CR><LF>.<CR><LF>\r\n'],
    ['c', `${message}.\r\n`],
    ['s', '250 2.0.0 Ok: queued as 4ABC\r\n'],
    ['c', 'QUIT\r\n'],
    ['s', '221 2.0.0 Bye\r\n'],
  ];
}

/** The seed captures every mutation starts from: one SMTP conversation in each supported format. */
export function seedCaptures(): Array<{ name: string; bytes: Uint8Array }> {
  const pkts = conversation(smtpDialogue(), { mss: 64 });
  const pcap = pcapOf(pkts);
  const v6 = conversation(smtpDialogue('Subject: six\r\n\r\n..dot\r\n'), { client: '2001:db8::10', server: '2001:db8::25', mss: 200 });
  return [
    { name: 'pcap', bytes: pcap },
    { name: 'pcap-be', bytes: pcapOf(v6, true) },
    { name: 'pcapng', bytes: pcapngOf(pkts) },
    { name: 'sniffer', bytes: enc.encode(snifferOf(pkts)) },
    { name: 'gzip', bytes: gzipOf(pcap) },
  ];
}
