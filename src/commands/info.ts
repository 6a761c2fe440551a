// `info`: a capinfos-like summary of each capture (format, link types, interfaces, packets, times, TCP connections).

import { stat } from 'node:fs/promises';
import { readCapture, type ReadOptions } from '../capture/read.js';
import { InputError, type CaptureSummary, type RawFrame } from '../capture/types.js';
import { decodeFrame, linkTypeName } from '../decode/index.js';
import { TCP_ACK, TCP_SYN, type DecodeStats } from '../decode/types.js';
import { isoNs, relative } from '../util/time.js';

export interface InfoOptions {
  read?: ReadOptions;
}

export interface InfoResult {
  path: string;
  /** null when the file could not be read as a capture at all. */
  format: CaptureSummary['format'] | null;
  gzip: boolean;
  timestampKind: CaptureSummary['timestampKind'] | null;
  packets: number;
  linkTypes: Array<{ linkType: number; name: string }>;
  interfaces: Array<{ index: number; name: string | null; linkType: number }>;
  /** ISO 8601 with 9 fractional digits ('Z' for UTC; no zone for FortiGate `l` local time), or '+s.uuuuuus' for relative sniffer times. */
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  durationSeconds: number | null;
  /** Distinct TCP connections: address/port pair plus SYN epoch (a new client ISN starts a new connection). */
  tcpConnections: number;
  /** Sum of captured lengths. */
  bytes: number;
  fileBytes: number;
  sha256: string | null;
  /** Counters of things passed over by the reader and of frames the decoder did not keep. */
  skipped: Record<string, number>;
  /** Damage (reading stopped at offset) or, with packets 0, why the file is not a capture (offset when one applies). */
  error: null | { message: string; offset?: number; unit?: 'byte' | 'line' };
}

/** Counts TCP connections as (endpoint pair, SYN epoch): retransmitted SYNs share an ISN, a new ISN is a new connection. */
class ConnectionCounter {
  count = 0;
  private synSeq = new Map<string, number | null>();

  add(src: string, srcPort: number, dst: string, dstPort: number, flags: number, seq: number): void {
    const a = `${src}|${srcPort}`;
    const b = `${dst}|${dstPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    const pureSyn = (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    const known = this.synSeq.get(key);
    if (known === undefined) {
      this.count++;
      this.synSeq.set(key, pureSyn ? seq : null);
    } else if (pureSyn && known !== seq) {
      this.count++;
      this.synSeq.set(key, seq);
    }
  }
}

function formatTs(s: CaptureSummary, ts: { sec: number; nsec: number } | undefined): string | null {
  if (!ts) return null;
  if (s.timestampKind === 'relative') return relative({ tsSec: 0, tsNsec: 0 }, { tsSec: ts.sec, tsNsec: ts.nsec });
  // Beyond what Date can represent (a damaged 64-bit pcapng timestamp): print the raw seconds.
  if (Math.abs(ts.sec) > 8.64e12) return `@${ts.sec}.${String(ts.nsec).padStart(9, '0')}`;
  const iso = isoNs(ts.sec, ts.nsec);
  return s.timestampZone === 'local' ? iso.slice(0, -1) : iso;
}

function fromSummary(s: CaptureSummary, tcpConnections: number, decode: DecodeStats): InfoResult {
  const skipped: Record<string, number> = { ...s.skipped };
  for (const [k, v] of Object.entries(decode)) skipped[`decode: ${k}`] = v;
  return {
    path: s.path,
    format: s.format,
    gzip: s.gzip,
    timestampKind: s.timestampKind,
    packets: s.packets,
    linkTypes: s.linkTypes.map((lt) => ({ linkType: lt, name: linkTypeName(lt) })),
    interfaces: s.interfaces.map((i) => ({ index: i.index, name: i.name ?? null, linkType: i.linkType })),
    firstTimestamp: formatTs(s, s.firstTs),
    lastTimestamp: formatTs(s, s.lastTs),
    durationSeconds: s.firstTs && s.lastTs ? s.lastTs.sec - s.firstTs.sec + (s.lastTs.nsec - s.firstTs.nsec) / 1e9 : null,
    tcpConnections,
    bytes: s.capturedBytes,
    fileBytes: s.fileBytes,
    sha256: s.sha256,
    skipped,
    error: s.error ? { message: s.error.message, offset: s.error.offset, unit: s.error.unit } : null,
  };
}

async function failed(path: string, e: InputError): Promise<InfoResult> {
  let fileBytes = 0;
  try {
    const st = await stat(path);
    if (st.isFile()) fileBytes = st.size;
  } catch {
    // Missing or unreadable: the error says so.
  }
  const prefix = `${path}: `;
  return {
    path,
    format: null,
    gzip: false,
    timestampKind: null,
    packets: 0,
    linkTypes: [],
    interfaces: [],
    firstTimestamp: null,
    lastTimestamp: null,
    durationSeconds: null,
    tcpConnections: 0,
    bytes: 0,
    fileBytes,
    sha256: null,
    skipped: {},
    error: {
      message: e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message,
      ...(e.offset !== undefined ? { offset: e.offset, unit: 'byte' as const } : {}),
    },
  };
}

/** Summarises each capture in turn. Returns data only: never prints, never exits. Non-capture files become entries with an error. */
export async function info(paths: string[], opts: InfoOptions = {}): Promise<InfoResult[]> {
  const out: InfoResult[] = [];
  for (const path of paths) {
    const conns = new ConnectionCounter();
    const decode: DecodeStats = {};
    const onFrame = (f: RawFrame): void => {
      const p = decodeFrame(f, decode);
      if (p) conns.add(p.src, p.srcPort, p.dst, p.dstPort, p.flags, p.seq);
    };
    try {
      const s = await readCapture(path, onFrame, opts.read);
      out.push(fromSummary(s, conns.count, decode));
    } catch (e) {
      if (e instanceof InputError) out.push(await failed(path, e));
      else throw e;
    }
  }
  return out;
}
