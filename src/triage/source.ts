// Input expansion for triage: files, folders (recursive, sorted), zip members (read in place) and `-` (paths on stdin).

import { createReadStream, type Dirent, type Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as Yauzl from 'yauzl';
import type { CaptureSource, EntryError, SourceLocation } from './types.js';

/**
 * yauzl, loaded on first use with require(): importing a CommonJS module from ES modules makes Node scan its source
 * for exports, which cost every triage worker ~25 ms and ~70 ms of optimising compiler work even when no input was a
 * zip (measured with --trace-opt).
 */
let yauzlModule: typeof Yauzl | null = null;
function yauzl(): typeof Yauzl {
  return (yauzlModule ??= createRequire(import.meta.url)('yauzl') as typeof Yauzl);
}

export interface ExpandOptions {
  /** Compiled --ticket-pattern. */
  ticketPattern?: RegExp;
  /** Read when an input is `-`. */
  stdin?: NodeJS.ReadableStream;
}

/** Source before it gets its final index (after sharding and resume filtering). */
type Found = Omit<CaptureSource, 'index'>;

/**
 * Expands the inputs, in the order given, into one capture per file or zip member. Folders are walked
 * recursively in code-unit order of names so the list (and so `--shard`) is the same on every machine.
 * Never throws for a bad input: it becomes a source carrying `error`.
 */
export async function expandInputs(inputs: readonly string[], o: ExpandOptions = {}): Promise<CaptureSource[]> {
  const out: Found[] = [];
  for (const input of inputs) {
    if (input === '-') {
      for (const p of await readPathList(o.stdin ?? process.stdin)) await expandOne(p, out, o);
    } else {
      await expandOne(input, out, o);
    }
  }
  return out.map((s, index) => ({ index, ...s }));
}

/** Paths from a stream: one per line, or NUL-separated (`find -print0`); blank lines ignored. */
export async function readPathList(stream: NodeJS.ReadableStream): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  const parts = text.includes('\0') ? text.split('\0') : text.split(/\r?\n/);
  return parts.filter((p) => p.trim() !== '');
}

async function expandOne(input: string, out: Found[], o: ExpandOptions): Promise<void> {
  let st: Stats;
  try {
    st = await stat(input);
  } catch (e) {
    out.push(errorSource(input, ticketFor(o, input, [], parentName(input)), fsMessage(e)));
    return;
  }
  if (st.isDirectory()) {
    await walk(input, [], out, o, input);
  } else if (isZipName(input)) {
    // A zip named directly is a root of its own, like a folder: its top-level folders are ticket ids.
    await expandZip(input, st, [], out, o, input);
  } else {
    out.push(fileSource(input, st, ticketFor(o, input, [], parentName(input))));
  }
}

async function walk(dir: string, rel: string[], out: Found[], o: ExpandOptions, root: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    out.push(errorSource(dir, ticketFor(o, dir, rel, rootName(root)), fsMessage(e)));
    return;
  }
  const names = entries.filter((d) => !d.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of names) {
    const p = join(dir, d.name);
    const r = [...rel, d.name];
    if (d.isDirectory()) {
      await walk(p, r, out, o, root);
      continue;
    }
    // Symbolic links to files are followed; links to folders are not (no loops, no surprises).
    let st: Stats;
    try {
      st = await stat(p);
    } catch (e) {
      out.push(errorSource(p, ticketFor(o, p, r, rootName(root)), fsMessage(e)));
      continue;
    }
    if (st.isDirectory()) continue;
    if (!st.isFile()) continue;
    if (isZipName(d.name)) await expandZip(p, st, r, out, o, root);
    else out.push(fileSource(p, st, ticketFor(o, p, r, rootName(root))));
  }
}

interface ZipMember {
  name: string;
  index: number;
  size: number;
  error?: string;
}

/** Lists a zip's members from its central directory (the data is not read here). */
export async function listZip(zipPath: string): Promise<ZipMember[]> {
  const zip = await yauzl().openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: true });
  const members: ZipMember[] = [];
  try {
    let index = 0;
    for await (const e of zip.eachEntry()) {
      const i = index++;
      const name = e.fileName;
      if (name.endsWith('/')) continue;
      const base = name.slice(name.lastIndexOf('/') + 1);
      if (base.startsWith('.') || name.startsWith('__MACOSX/')) continue;
      let error: string | undefined;
      if (e.isEncrypted()) error = 'encrypted zip member (extract it with its password first)';
      else if (e.compressionMethod !== 0 && e.compressionMethod !== 8) error = `zip compression method ${e.compressionMethod} is not supported (only stored and deflate)`;
      else if (isZipName(base)) error = 'zip inside a zip is not read (extract the outer zip first)';
      members.push({ name, index: i, size: e.uncompressedSize, error });
    }
  } finally {
    zip.close();
  }
  return members;
}

async function expandZip(zipPath: string, st: Stats, rel: string[], out: Found[], o: ExpandOptions, root: string): Promise<void> {
  let members: ZipMember[];
  try {
    members = await listZip(zipPath);
  } catch (e) {
    out.push({
      ...fileSource(zipPath, st, ticketFor(o, zipPath, rel, rootName(root))),
      error: { message: `not a readable zip archive: ${oneLine(e)}` },
    });
    return;
  }
  const sorted = [...members].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.index - b.index));
  for (const m of sorted) {
    const path = `${zipPath}!/${m.name}`;
    const memberRel = [...rel, ...m.name.split('/').filter((x) => x !== '')];
    const src: Found = {
      path,
      ticket: ticketFor(o, path, memberRel, rootName(root)),
      size: m.size,
      mtimeMs: st.mtimeMs,
      location: { kind: 'zip-entry', zip: zipPath, entry: m.name, entryIndex: m.index },
    };
    if (m.error) src.error = { message: m.error };
    out.push(src);
  }
}

function fileSource(p: string, st: Stats, ticket: string | null): Found {
  return { path: p, ticket, size: st.size, mtimeMs: st.mtimeMs, location: { kind: 'file', file: p } };
}

function errorSource(p: string, ticket: string | null, message: string): Found {
  return { path: p, ticket, size: null, mtimeMs: null, location: { kind: 'file', file: p }, error: { message } };
}

/**
 * Ticket id: with a pattern, its first capture group (or whole match) in the path; otherwise the first
 * folder (or zip, without `.zip`) below the root, and for a capture directly in the root (or named on its
 * own) the root's (its folder's) name.
 */
export function ticketFor(o: ExpandOptions, path: string, rel: string[], rootLabel: string | null): string | null {
  if (o.ticketPattern) {
    const m = o.ticketPattern.exec(path);
    if (!m) return null;
    return m[1] ?? m[0];
  }
  if (rel.length >= 2) return stripZip(rel[0]);
  return rootLabel;
}

function rootName(root: string): string | null {
  const b = basename(resolve(root));
  return b === '' ? null : stripZip(b);
}

function parentName(p: string): string | null {
  const b = basename(dirname(resolve(p)));
  return b === '' ? null : b;
}

function stripZip(name: string): string {
  return isZipName(name) ? name.slice(0, -4) : name;
}

export function isZipName(name: string): boolean {
  return name.toLowerCase().endsWith('.zip');
}

function fsMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    default:
      return oneLine(e);
  }
}

export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split(/\r?\n/)[0];
}

/** Stable 32-bit FNV-1a hash of a path's UTF-8 bytes: `--shard` assigns by it. */
export function pathHash(path: string): number {
  const b = Buffer.from(path, 'utf8');
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Parses `K/N` (1 <= K <= N); returns null when malformed. */
export function parseShard(spec: string): { k: number; n: number } | null {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) return null;
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (!(n >= 1 && k >= 1 && k <= n)) return null;
  return { k, n };
}

/** The K-th of N slices, by path hash: a capture's slice depends on its path only, not on the other files. */
export function inShard(path: string, shard: { k: number; n: number }): boolean {
  return pathHash(path) % shard.n === shard.k - 1;
}

// ---- reading (used in workers) ----

interface OpenZip {
  zip: Yauzl.ZipFile;
  entries: Yauzl.Entry[];
}

/** Open archives kept per thread: members of one zip are usually read one after another. */
const zipCache = new Map<string, Promise<OpenZip>>();
const ZIP_CACHE_SIZE = 2;

async function openZipIndexed(zipPath: string): Promise<OpenZip> {
  const zip = await yauzl().openPromise(zipPath, { lazyEntries: true, autoClose: false, decodeStrings: true });
  const entries: Yauzl.Entry[] = [];
  for await (const e of zip.eachEntry()) entries.push(e);
  return { zip, entries };
}

function cachedZip(zipPath: string): Promise<OpenZip> {
  let p = zipCache.get(zipPath);
  if (p) {
    zipCache.delete(zipPath);
    zipCache.set(zipPath, p);
    return p;
  }
  p = openZipIndexed(zipPath);
  zipCache.set(zipPath, p);
  p.catch(() => zipCache.delete(zipPath));
  while (zipCache.size > ZIP_CACHE_SIZE) {
    const [oldest, op] = zipCache.entries().next().value as [string, Promise<OpenZip>];
    zipCache.delete(oldest);
    // Streams already open keep their own reference; yauzl closes the file when they end.
    op.then((z) => z.zip.close()).catch(() => undefined);
  }
  return p;
}

/** Opens the bytes of a capture as a stream: the file, or the zip member inflated on the fly. */
export async function openLocation(loc: SourceLocation): Promise<Readable> {
  if (loc.kind === 'file') return createReadStream(loc.file);
  const z = await cachedZip(loc.zip);
  const e = z.entries[loc.entryIndex];
  if (!e || e.fileName !== loc.entry) throw new Error(`zip member ${loc.entry} is no longer in ${loc.zip}`);
  return z.zip.openReadStreamPromise(e);
}

export type { EntryError };
