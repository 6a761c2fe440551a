// Capture entry point: sniffs the format from content, streams the file (through gunzip if needed) into a push parser.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { Worker } from 'node:worker_threads';
import { createGunzip, type Gunzip } from 'node:zlib';
import { PcapParser, pcapMagic } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import { FrameSink } from './sink.js';
import { SnifferTextParser } from './sniffer-text.js';
import { InputError, type CaptureError, type CaptureSummary, type RawFrame } from './types.js';
import { concatBytes } from '../util/bytes.js';

export interface ReadOptions {
  /** Stop (with a CaptureError) once a gzip stream has inflated to more than this; default 64 GiB. */
  maxDecompressedBytes?: number;
  /** Compute the file's SHA-256 (summary.sha256); default true. `sessions` shows no hash and turns it off. */
  hash?: boolean;
  /**
   * Hand every frame in the same RawFrame object, its fields rewritten (no allocation per frame): for callers that
   * keep nothing of the object past the call, like the pipeline. `data` is still a view of its own. Default false.
   */
  reuseFrame?: boolean;
  /**
   * Called after each chunk of the file has been handed on; when it returns a promise, reading waits for it. Later
   * stages use it as backpressure (the pipeline: messages waiting for the MIME worker).
   */
  pace?: () => Promise<void> | undefined;
}

export type SniffKind = 'pcap' | 'pcapng' | 'gzip' | 'sniffer-text' | 'unknown';

const DEFAULT_MAX_DECOMPRESSED = 64 * 1024 ** 3;
const READ_CHUNK = 1024 * 1024;
const GUNZIP_CHUNK = 256 * 1024;
/** Bytes gathered before sniffing: enough to see past a terminal log's login noise to the sniffer command. */
const HEAD_BYTES = 16384;

const BINARY_SIGNATURES: Array<[number[], string]> = [
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x50, 0x4b, 0x05, 0x06], 'an empty zip archive'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x7f, 0x45, 0x4c, 0x46], 'an executable (ELF)'],
  [[0x4d, 0x5a], 'a Windows executable'],
  [[0x37, 0x7a, 0xbc, 0xaf], 'a 7-Zip archive'],
  [[0x52, 0x61, 0x72, 0x21], 'a RAR archive'],
  [[0x42, 0x5a, 0x68], 'a bzip2-compressed file (decompress it first)'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a], 'an xz-compressed file (decompress it first)'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'a zstd-compressed file (decompress it first)'],
  [[0x73, 0x6e, 0x6f, 0x6f, 0x70, 0, 0, 0], 'a Solaris snoop capture (convert it to pcap with editcap)'],
  [[0x47, 0x4d, 0x42, 0x55], 'a Microsoft Network Monitor capture (convert it to pcap with editcap)'],
  [[0xd0, 0xcf, 0x11, 0xe0], 'a Microsoft Office document'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
];

const SNIFFER_MARKERS =
  /^0x[0-9a-fA-F]{4}[\t ]+[0-9a-fA-F]{2}|^[0-9a-fA-F]{6}\t ?[0-9a-fA-F]{2} |^\d+\.\d{6} \S|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} \S|diag\w*\s+sni\w*\s+pa|^interfaces=\[/m;
const MAIL_HEADER =
  /^(?:From [^\s]+ |(?:Received|Return-Path|From|To|Cc|Subject|Date|Message-ID|MIME-Version|Delivered-To|Reply-To|DKIM-Signature|ARC-Seal|Authentication-Results|Content-Type|X-[\w-]+):)/i;

function startsWith(b: Uint8Array, sig: number[]): boolean {
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[i] !== sig[i]) return false;
  return true;
}

function isTextLike(head: Uint8Array): boolean {
  const n = Math.min(head.length, HEAD_BYTES);
  if (n === 0) return false;
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c === 0) return false;
    // Control characters other than tab, LF, CR, FF, backspace and ESC (terminal logs carry the last two).
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 8 && c !== 27 && c !== 7) bad++;
  }
  return bad <= n / 100;
}

function textLooksLike(text: string): string {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  if (MAIL_HEADER.test(t)) return 'an e-mail message (.eml)';
  if (/^<(?:!doctype html|html)/i.test(t)) return 'an HTML page';
  if (/^<\?xml/i.test(t)) return 'an XML document';
  if (/^[{[]/.test(t)) return 'JSON text';
  return 'a text file';
}

/** Format sniffing from the first bytes (content only, never the file name). */
export function sniffFormat(head: Uint8Array): { kind: SniffKind; looksLike?: string } {
  const r = sniff(head);
  return r.looksLike ? { kind: r.kind, looksLike: r.looksLike } : { kind: r.kind };
}

type Utf16 = 'utf-16le' | 'utf-16be';

function sniff(head: Uint8Array): { kind: SniffKind; looksLike?: string; text: boolean; utf16?: Utf16 } {
  if (head.length === 0) return { kind: 'unknown', looksLike: 'an empty file', text: false };
  // UTF-16 text with a byte-order mark: what Windows PowerShell writes when output is redirected to a file.
  if (head.length >= 4 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    const utf16: Utf16 = head[0] === 0xff ? 'utf-16le' : 'utf-16be';
    const text = new TextDecoder(utf16).decode(head.subarray(0, Math.min(head.length, HEAD_BYTES) & ~1));
    const inner = sniff(Buffer.from(text, 'latin1'));
    if (inner.text) return { ...inner, utf16 };
  }
  if (pcapMagic(head)) return { kind: 'pcap', text: false };
  if (head.length >= 4 && head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a) {
    return { kind: 'pcapng', text: false };
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'gzip', text: false };
  for (const [sig, what] of BINARY_SIGNATURES) if (startsWith(head, sig)) return { kind: 'unknown', looksLike: what, text: false };
  if (isTextLike(head)) {
    const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, HEAD_BYTES)).toString('latin1');
    // Terminal escapes and CRs would hide the line starts the markers look for.
    // eslint-disable-next-line no-control-regex
    const clean = text.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
    if (SNIFFER_MARKERS.test(clean)) return { kind: 'sniffer-text', text: true };
    return { kind: 'unknown', looksLike: textLooksLike(clean), text: true };
  }
  return { kind: 'unknown', looksLike: 'binary data of an unknown format', text: false };
}

type Parser = PcapParser | PcapngParser | SnifferTextParser;

/** Everything after decompression: head gathering, sniffing, and the chosen push parser. */
class Decoded {
  readonly sink: FrameSink;
  parser: Parser | null = null;
  looksLike = '';
  private head: Uint8Array[] = [];
  private headLen = 0;

  constructor(
    private readonly name: string,
    private readonly gzip: boolean,
    onFrame: (f: RawFrame) => void,
    reuseFrame = false,
  ) {
    this.sink = new FrameSink(onFrame, reuseFrame);
  }

  get error(): CaptureError | null {
    return this.parser?.error ?? null;
  }

  /** Feeds decoded bytes; throws InputError when the content is not a capture. */
  feed(chunk: Uint8Array): void {
    // The parsers and decoders see plain Uint8Arrays only (zlib hands out Buffers): code optimised for one kind of
    // array is thrown away ("wrong map") when the other arrives.
    if (chunk instanceof Buffer) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.parser) {
      this.parser.push(chunk);
      return;
    }
    // Copied: the reader reuses its buffers, and the head waits for more chunks.
    this.head.push(chunk.slice());
    this.headLen += chunk.length;
    if (this.headLen >= HEAD_BYTES) this.start();
  }

  /** Starts the parser on the gathered head (if not yet started); used at the end and when gzip breaks early. */
  start(): void {
    if (this.parser) return;
    const head = this.head.length === 1 ? this.head[0] : concatBytes(this.head);
    this.head = [];
    const what = this.gzip ? ' (after gzip decompression)' : '';
    const s = sniff(head);
    if (head.length === 0) throw new InputError(`${this.name}: empty file${what}`, this.name, 0);
    if (s.kind === 'pcap') this.parser = new PcapParser(this.sink);
    else if (s.kind === 'pcapng') this.parser = new PcapngParser(this.sink);
    else if (s.kind === 'sniffer-text' || s.text) {
      this.parser = new SnifferTextParser(this.sink, s.utf16);
      this.looksLike = s.looksLike ?? '';
    } else if (s.kind === 'gzip') {
      throw new InputError(`${this.name}: gzip data inside gzip data is not supported: decompress it once first`, this.name, 0);
    } else {
      throw new InputError(`${this.name}: not a packet capture${what}: looks like ${s.looksLike}`, this.name, 0);
    }
    this.parser.push(head);
  }

  end(): void {
    this.start();
    const p = this.parser!;
    p.end();
    if (p instanceof SnifferTextParser && this.sink.packets === 0 && !p.error) {
      if (p.headersWithoutHex > 0 && p.strongHeaders > 0) {
        throw new InputError(
          `${this.name}: FortiGate sniffer output without hex data${p.verbose ? ` (verbose ${p.verbose})` : ''}: capture again with verbose 6, e.g. diagnose sniffer packet any '<filter>' 6 0 a`,
          this.name,
        );
      }
      if (p.sawPreamble && p.headers === 0) {
        throw new InputError(`${this.name}: FortiGate sniffer output with no packets in it`, this.name);
      }
      throw new InputError(
        `${this.name}: text file but not FortiGate sniffer output${this.looksLike && this.looksLike !== 'a text file' ? ` (looks like ${this.looksLike})` : ''}`,
        this.name,
      );
    }
  }
}

function waitFor(z: Gunzip, event: 'drain' | 'end'): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      z.off(event, done);
      z.off('error', done);
      z.off('close', done);
      resolve();
    };
    z.once(event, done);
    z.once('error', done);
    z.once('close', done);
  });
}

async function readFrom(
  source: AsyncIterable<Uint8Array>,
  name: string,
  onFrame: (f: RawFrame) => void,
  opts: ReadOptions,
  destroy: () => void,
  hasher: Hasher,
): Promise<CaptureSummary> {
  const limit = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED;
  let fileBytes = 0;
  let rawHead: Uint8Array[] = [];
  let rawHeadLen = 0;
  let gzip: boolean | null = null;
  let decoded: Decoded | null = null;
  let gunzip: Gunzip | null = null;
  let decompressed = 0;
  let stopped = false; // no more decoding; keep hashing
  let ownError: CaptureError | null = null;
  let thrown: unknown = null;

  const setupDecoder = (isGzip: boolean): void => {
    gzip = isGzip;
    decoded = new Decoded(name, isGzip, onFrame, opts.reuseFrame === true);
    if (!isGzip) return;
    const d = decoded;
    const z = createGunzip({ chunkSize: GUNZIP_CHUNK });
    gunzip = z;
    z.on('data', (out: Buffer) => {
      if (stopped) return;
      decompressed += out.length;
      try {
        if (decompressed > limit) {
          const keep = out.length - (decompressed - limit);
          if (keep > 0) d.feed(out.subarray(0, keep));
          if (!d.error) {
            ownError = { message: `gzip data inflates to more than the ${limit}-byte limit; reading stopped there`, offset: limit, unit: 'byte' };
          }
          stopped = true;
        } else {
          d.feed(out);
          if (d.error) stopped = true;
        }
      } catch (e) {
        thrown = e;
        stopped = true;
      }
      if (stopped) z.destroy();
    });
    z.on('error', (e: NodeJS.ErrnoException) => {
      if (stopped) return;
      stopped = true;
      try {
        d.start();
      } catch (err) {
        thrown = err;
        return;
      }
      if (!d.error) {
        const cut = e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message);
        ownError = {
          message: cut
            ? `gzip stream cut short after ${fileBytes} compressed bytes (${decompressed} bytes inflated)`
            : `damaged gzip data (${e.message}) within the first ${fileBytes} compressed bytes`,
          offset: decompressed,
          unit: 'byte',
        };
      }
    });
  };

  const feedRaw = async (chunk: Uint8Array): Promise<void> => {
    if (gzip === null) {
      rawHead.push(Buffer.from(chunk));
      rawHeadLen += chunk.length;
      if (rawHeadLen < 4) return;
      const head = rawHead.length === 1 ? rawHead[0] : Buffer.concat(rawHead);
      rawHead = [];
      setupDecoder(head[0] === 0x1f && head[1] === 0x8b);
      chunk = head;
    }
    if (stopped) return;
    if (gunzip) {
      const z: Gunzip = gunzip;
      // zlib consumes its input later, on the thread pool; the reader's buffers are reused, so it gets a copy.
      if (!z.write(Buffer.from(chunk))) await waitFor(z, 'drain');
    } else {
      decoded!.feed(chunk);
      if (decoded!.error) stopped = true;
    }
  };

  try {
    for await (const c of source) {
      const chunk = c instanceof Uint8Array ? c : Buffer.from(c as ArrayBufferLike);
      const pending = hasher.update(chunk);
      if (pending) await pending;
      fileBytes += chunk.length;
      if (thrown) break;
      await feedRaw(chunk);
      if (thrown) break;
      const wait = opts.pace?.();
      if (wait) await wait;
    }
    if (!thrown && gzip === null) {
      if (rawHeadLen === 0) throw new InputError(`${name}: empty file`, name, 0);
      const head = Buffer.concat(rawHead);
      rawHead = [];
      setupDecoder(head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b);
      if (gunzip) {
        const z: Gunzip = gunzip;
        if (!z.write(head)) await waitFor(z, 'drain');
      } else decoded!.feed(head);
    }
    if (!thrown && gunzip) {
      const z: Gunzip = gunzip;
      if (!stopped) {
        z.end();
        await waitFor(z, 'end');
      }
    }
    if (thrown) throw thrown;
    const d = decoded! as Decoded;
    if (!stopped) d.end();
    else if (!d.parser) d.start();
    const p = d.parser!;
    const error = p.error ?? ownError;
    const sink = d.sink;
    const summary: CaptureSummary = {
      path: name,
      format: p instanceof SnifferTextParser ? 'fortigate-sniffer' : p.format,
      gzip: gzip === true,
      timestampKind: p instanceof SnifferTextParser ? p.timestampKind : 'absolute',
      interfaces: sink.interfaces,
      linkTypes: sink.linkTypes,
      packets: sink.packets,
      fileBytes,
      capturedBytes: sink.capturedBytes,
      sha256: await hasher.digest(),
      error,
      skipped: sink.skipped,
    };
    if (!(p instanceof SnifferTextParser)) summary.byteOrder = p.byteOrder;
    else if (p.timestampZone) summary.timestampZone = p.timestampZone;
    if (sink.packets > sink.untimed) {
      summary.firstTs = { sec: sink.firstSec, nsec: sink.firstNsec };
      summary.lastTs = { sec: sink.lastSec, nsec: sink.lastNsec };
    }
    return summary;
  } catch (e) {
    destroy();
    const z = gunzip as Gunzip | null;
    z?.destroy();
    throw e;
  }
}

/** Where the sha256 of the stored bytes comes from: inline, or a worker fed through shared memory. */
interface Hasher {
  /** Called with every chunk of the file as stored, in order; may make the reader wait (worker backlog). */
  update(chunk: Uint8Array): void | Promise<void>;
  digest(): Promise<string | null>;
  close?(): Promise<void>;
}

/** No hash wanted: summary.sha256 is null. */
const NO_HASH: Hasher = { update: () => undefined, digest: async () => null };

function inlineHasher(): Hasher {
  const h = createHash('sha256');
  return { update: (c) => void h.update(c), digest: async () => h.digest('hex') };
}

/**
 * File chunks read into two reused buffers, one read ahead of the consumer. fs.ReadStream allocates a fresh
 * buffer per chunk, and faulting those pages in costs more than parsing them (measured: ~430 MB/s vs ~3 GB/s).
 * A yielded chunk is valid until the consumer asks for the next one.
 */
async function* fileChunks(fh: FileHandle, size = READ_CHUNK): AsyncGenerator<Uint8Array> {
  // A small file gets small buffers: two zero-filled 1 MiB buffers per file dominated triage of many small captures.
  const n = Math.max(4096, Math.min(READ_CHUNK, size + 1));
  const bufs = [new Uint8Array(n), new Uint8Array(n)];
  let i = 0;
  let pending = fh.read(bufs[0], 0, n, null);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) return;
      const cur = bufs[i];
      i ^= 1;
      pending = fh.read(bufs[i], 0, n, null);
      yield cur.subarray(0, bytesRead);
    }
  } finally {
    await pending.catch(() => undefined);
  }
}

const SLOTS = 8;
/** Filled slots handed to the worker per message: waking a thread costs ~60-200 µs here, so not one per chunk. */
const BATCH = 4;
/** Below this size a worker's start-up costs more than hashing inline. */
const PARALLEL_HASH_MIN = 32 * 1024 * 1024;

/**
 * Large files: each chunk is copied into a slot of a SharedArrayBuffer that a worker hashes while the main thread
 * parses (saves ~0.7 s per GiB here). Frames stay views on ordinary buffers: views on shared memory measured twice
 * the garbage-collection time. Slots go to the worker BATCH at a time, in file order, and come back as one message;
 * the reader waits only when all SLOTS are waiting to be hashed.
 */
class WorkerHasher implements Hasher {
  private readonly sab = new SharedArrayBuffer(SLOTS * READ_CHUNK);
  private readonly worker = new Worker(new URL('./hash-worker.js', import.meta.url));
  private readonly busy = new Uint8Array(SLOTS);
  /** Filled slots not yet posted, in file order. */
  private batch: Array<{ offset: number; len: number; slot: number }> = [];
  private wakeUp: (() => void) | null = null;
  private readonly digestP: Promise<string>;
  private failure: Error | null = null;

  constructor() {
    this.worker.postMessage({ sab: this.sab });
    this.digestP = new Promise((resolve, reject) => {
      this.worker.on('message', (m: { done?: number[]; digest?: string }) => {
        if (m.digest !== undefined) resolve(m.digest);
        else if (m.done !== undefined) {
          for (const slot of m.done) this.busy[slot] = 0;
          this.wake();
        }
      });
      this.worker.on('error', (e) => {
        this.failure = e;
        reject(e);
        this.wake();
      });
    });
    this.digestP.catch(() => undefined);
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private fill(slot: number, chunk: Uint8Array): void {
    new Uint8Array(this.sab, slot * READ_CHUNK, chunk.length).set(chunk);
    this.busy[slot] = 1;
    this.batch.push({ offset: slot * READ_CHUNK, len: chunk.length, slot });
    if (this.batch.length >= BATCH) this.send();
  }

  private send(): void {
    if (this.batch.length === 0) return;
    this.worker.postMessage({ jobs: this.batch });
    this.batch = [];
  }

  update(chunk: Uint8Array): void | Promise<void> {
    if (this.failure) throw this.failure;
    if (chunk.length > READ_CHUNK) {
      // Only file chunks come here (at most READ_CHUNK); split anything larger to stay correct.
      return (async () => {
        for (let o = 0; o < chunk.length; o += READ_CHUNK) await this.update(chunk.subarray(o, o + READ_CHUNK));
      })();
    }
    const slot = this.busy.indexOf(0);
    if (slot >= 0) return this.fill(slot, chunk);
    // Every slot is full: hand over what is still held back, then wait for the worker to free one.
    this.send();
    return (async () => {
      for (;;) {
        await new Promise<void>((r) => (this.wakeUp = r));
        if (this.failure) throw this.failure;
        const free = this.busy.indexOf(0);
        if (free >= 0) return this.fill(free, chunk);
      }
    })();
  }

  async digest(): Promise<string> {
    this.send();
    this.worker.postMessage({ final: true });
    return this.digestP;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * Reads a capture front to back in bounded memory, calling onFrame synchronously for each packet in file order.
 * Damage never throws: reading stops, summary.error = {message, offset, unit}, frames before it were delivered.
 * Throws InputError (one line, naming the file and what it looks like) when nothing can be read at all.
 */
export async function readCapture(path: string, onFrame: (f: RawFrame) => void, opts: ReadOptions = {}): Promise<CaptureSummary> {
  let fh: FileHandle | null = null;
  let hasher: Hasher | null = null;
  try {
    const small = readSmallFile(path);
    if (small !== null) {
      hasher = opts.hash === false ? NO_HASH : inlineHasher();
      return await readFrom(single(small), path, onFrame, opts, () => undefined, hasher);
    }
    fh = await open(path, 'r');
    const size = (await fh.stat()).size;
    hasher = opts.hash === false ? NO_HASH : size >= PARALLEL_HASH_MIN ? new WorkerHasher() : inlineHasher();
    return await readFrom(fileChunks(fh, size), path, onFrame, opts, () => undefined, hasher);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && err.syscall) {
      const why =
        err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code === 'EACCES' ? 'permission denied' : err.code;
      throw new InputError(`${path}: cannot read the file: ${why}`, path);
    }
    throw e;
  } finally {
    await hasher?.close?.();
    await fh?.close();
  }
}

/** Files up to this size are read whole, synchronously (see readSmallFile). */
const SMALL_FILE = 4 * 1024 * 1024;

/**
 * A regular file of at most SMALL_FILE bytes, read in one go with synchronous calls; null for anything else. Each
 * asynchronous file operation is a round trip through libuv's thread pool, and on this kind of VM a thread wake-up
 * costs 60-200 µs: for the small captures of a triage batch (open, stat, two reads, close) that was a fifth of
 * the time per capture. Reading a few MiB blocks the thread for about a millisecond, and each triage worker has its
 * own thread.
 */
function readSmallFile(path: string): Uint8Array | null {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > SMALL_FILE) return null;
    // One byte more than the size, so a file that grew since fstat is noticed: it is then read the usual way.
    const buf = new Uint8Array(st.size + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) return null;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

async function* single(b: Uint8Array): AsyncGenerator<Uint8Array> {
  if (b.length > 0) yield b;
}

/** Same from a byte stream (zip entries in triage); `name` is used in messages and as the summary's path. */
export async function readCaptureStream(
  stream: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
  name: string,
  onFrame: (f: RawFrame) => void,
  opts: ReadOptions = {},
): Promise<CaptureSummary> {
  const destroy = (): void => {
    const s = stream as { destroy?: () => void };
    if (typeof s.destroy === 'function') s.destroy();
  };
  return readFrom(stream as AsyncIterable<Uint8Array>, name, onFrame, opts, destroy, opts.hash === false ? NO_HASH : inlineHasher());
}
