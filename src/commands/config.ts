// `config` command: read a FortiGate configuration backup and cross-check its SMTP policies (data only, never exits).

import { readFile } from 'node:fs/promises';
import { InputError } from '../capture/types.js';
import { UsageError } from '../util/errors.js';
import { analyzeParsed, type ConfigReport } from '../config/analyze.js';
import { parseConfig } from '../config/parse.js';
import { parseIp } from '../config/match.js';

/** Largest backup accepted; real ones are a few MB. */
const MAX_BYTES = 64 * 1024 * 1024;

export interface ConfigCommandOptions {
  /** Mail server IP as seen in the capture or given by the user (IPv4 or IPv6). */
  mailServer?: string;
}

/**
 * Read and analyse one backup. Throws InputError (one line, with the line number where known) when the file cannot be
 * read or holds no FortiOS configuration; damage after a readable start is reported as a `config.truncated` finding.
 */
export async function configCommand(path: string, opts: ConfigCommandOptions = {}): Promise<ConfigReport> {
  const mailServer = mailIp(opts.mailServer);
  return configFromText(await readBackup(path), path, { ...opts, mailServer });
}

/** The backup's bytes; InputError when it cannot be read or is too large to be a configuration. */
export async function readBackup(path: string): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`${path}: cannot read the configuration (${code})`, path);
  }
  if (buf.length > MAX_BYTES) throw new InputError(`${path}: ${buf.length} bytes is too large for a FortiOS configuration`, path);
  return buf;
}

/** 'IP', 'IP:PORT' or '[IPv6]:PORT' -> the IP alone; UsageError when it is not an address. */
export function mailIp(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const t = raw.trim();
  const m = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(t) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(t);
  const ip = m ? m[1] : t;
  if (!parseIp(ip)) throw new UsageError(`--mail-server: "${t.slice(0, 60)}" is not an IP address`);
  return ip;
}

/** Same as configCommand for bytes already in memory (e.g. `analyze --fortigate-config`). */
export function configFromText(buf: Uint8Array, path: string, opts: ConfigCommandOptions = {}): ConfigReport {
  const mailServer = mailIp(opts.mailServer);
  const nul = buf.indexOf(0);
  if (nul !== -1) {
    const line = lineOf(buf, nul);
    throw new InputError(`${path}: line ${line}: binary data, not a FortiOS configuration text (encrypted backup?)`, path, line);
  }
  const text = new TextDecoder('utf-8').decode(buf);
  const cfg = parseConfig(text);
  if (cfg.statements === 0) {
    const line = cfg.error?.line ?? 1;
    throw new InputError(`${path}: line ${line}: no FortiOS configuration statements found (expected "config ..." blocks)`, path, line);
  }
  return analyzeParsed(cfg, { mailServer });
}

function lineOf(buf: Uint8Array, end: number): number {
  let n = 1;
  for (let i = 0; i < end; i++) if (buf[i] === 0x0a) n++;
  return n;
}

/**
 * Exit code for `splice-doctor config`: 1 when splice is (or is assumed) on for a policy carrying SMTP, 0 otherwise
 * (the same meaning as `misconfigured`/`at-risk` for a capture). Input errors are 2, thrown as InputError/UsageError.
 */
export function configExitCode(report: ConfigReport): 0 | 1 {
  return report.findings.some((f) => f.id === 'config.splice-enabled') ? 1 : 0;
}
