// Capture stage contract: every reader turns bytes into RawFrame records, one at a time, in file order.

/** Where a capture's timestamps come from; relative sniffer timestamps are seconds since the first packet. */
export type TimestampKind = 'absolute' | 'relative';

export type CaptureFormat =
  | 'pcap'
  | 'pcap-nsec'
  | 'pcap-modified'
  | 'pcapng'
  | 'fortigate-sniffer';

export interface CaptureInterface {
  /** Index as the format numbers it (pcapng: IDB order across the whole file; text: order of first appearance). */
  index: number;
  /** pcapng if_name, or the FortiGate sniffer interface column. */
  name?: string;
  linkType: number;
  snapLen?: number;
  /** pcapng if_tsresol decoded: ticks per second is 10^n or 2^n. */
  tsResolution?: string;
}

/**
 * One captured packet. `data` is a view into the reader's buffer and is valid only during the
 * callback that receives it: a consumer that keeps bytes must copy them.
 */
export interface RawFrame {
  /** 1-based, counted as Wireshark counts (across pcapng sections). */
  frame: number;
  /** Whole seconds (Unix epoch for absolute captures, since start for relative ones). */
  tsSec: number;
  /** Nanoseconds within the second, 0..999_999_999, integer. */
  tsNsec: number;
  linkType: number;
  interfaceIndex: number;
  interfaceName?: string;
  direction?: 'in' | 'out';
  capLen: number;
  origLen: number;
  data: Uint8Array;
  /** Byte offset of the record in the (decompressed) file, or the 1-based text line of its header. */
  offset: number;
}

/** A damaged input: reading stopped here; frames before it were delivered. */
export interface CaptureError {
  message: string;
  /** Byte offset (binary formats; in the decompressed stream for gzip) or 1-based line (text). */
  offset: number;
  unit: 'byte' | 'line';
}

export interface CaptureSummary {
  path: string;
  format: CaptureFormat;
  gzip: boolean;
  timestampKind: TimestampKind;
  /** FortiGate sniffer text only: 'local' when captured with the `l` timestamp mode (device local time, zone unknown). */
  timestampZone?: 'UTC' | 'local';
  /** Byte order of the file's headers, where the format has one ('mixed' for pcapng with sections of both). */
  byteOrder?: 'little' | 'big' | 'mixed';
  interfaces: CaptureInterface[];
  linkTypes: number[];
  packets: number;
  /** Bytes of the input file as stored (compressed size for gzip). */
  fileBytes: number;
  /** Sum of captured lengths. */
  capturedBytes: number;
  firstTs?: { sec: number; nsec: number };
  lastTs?: { sec: number; nsec: number };
  /** SHA-256 of the file as stored; null when the reader was asked not to hash (ReadOptions.hash). */
  sha256: string | null;
  error: CaptureError | null;
  /** Counters of things passed over: unknown blocks, truncated-ip lines, non-packet text, ... */
  skipped: Record<string, number>;
}

/** A file that cannot be read at all (not a capture, unreadable): one line, no stack. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly path?: string,
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
