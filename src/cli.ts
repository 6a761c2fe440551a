#!/usr/bin/env node
// Entry point: yargs wiring only. Commands return data; reporters render it; only this file prints results and exits.

import { writeFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { InputError } from './capture/types.js';
import { EXIT, UsageError } from './util/errors.js';
import { TOOL } from './util/version.js';
import { escapeTerminal } from './util/escape.js';
import { info } from './commands/info.js';
import { renderInfoText } from './report/info-text.js';
import { sessionsStream } from './commands/sessions.js';
import { exportWithResult } from './commands/export.js';
import { renderSessionsTable, renderSessionsText, sessionRow, sessionsJson, sessionsJsonWriter, type SessionRow } from './report/sessions-text.js';
import { replay } from './commands/replay.js';
import { replayHeader, replayLine } from './report/replay-text.js';
import { configCommand, configExitCode } from './commands/config.js';
import { configMarkdown, configText } from './config/render.js';
import { triage, triageOptions, triageOptionsFromArgs } from './commands/triage.js';
import { triageHtml } from './commands/triage-html.js';
import { renderChartSvg, renderHtml } from './report/html/index.js';
import { analyzeWithSessions, type AnalyzeOptions } from './commands/analyze.js';
import { renderAnalysisText } from './report/analysis-text.js';
import { renderAnalysisMarkdown } from './report/analysis-markdown.js';
import { renderAnalysisJson } from './report/analysis-json.js';
import { AddressRedactor } from './util/redact.js';
import { safeJson } from './util/json.js';
import { limitHeapGrowth } from './util/heap.js';

/** What a command handler hands back to the entry point. */
interface Outcome {
  exitCode: number;
}

const EXIT_CODES_HELP = `Exit codes: 0 healthy or no SMTP, 1 misconfigured or at-risk, 2 input or usage error (also a damaged capture), 3 inconclusive.`;

function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

function emit(text: string, output?: string): void {
  if (output) writeFileSync(output, text);
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function json(doc: unknown): string {
  return `${safeJson(doc)}\n`;
}

/** A damaged capture keeps what was read, and says where reading stopped, on stderr. */
function warnDamage(capture: { path: string; error: { message: string; offset: number; unit: 'byte' | 'line' } | null }): boolean {
  if (!capture.error) return false;
  const where = capture.error.unit === 'line' ? `line ${capture.error.offset}` : `byte offset ${capture.error.offset}`;
  process.stderr.write(`splice-doctor: ${escapeTerminal(capture.path)}: ${escapeTerminal(capture.error.message)} at ${where} (packets before it were analysed)\n`);
  return true;
}

const limitOptions = (y: Argv) =>
  y
    .option('max-message-bytes', { type: 'number', describe: 'message bytes kept in memory per message for MIME parsing', default: 2 * 1024 * 1024 })
    .option('max-line', { type: 'number', describe: 'longest SMTP line kept before a line-too-long event', default: 64 * 1024 })
    .option('max-buffer', { type: 'number', describe: 'out-of-order bytes buffered per connection direction', default: 4 * 1024 * 1024 })
    .option('max-connections', { type: 'number', describe: 'TCP connections tracked at once', default: 100_000 })
    .option('max-decompressed', { type: 'number', describe: 'largest decompressed size of a gzip capture, in bytes', default: 64 * 1024 ** 3 });

type LimitArgs = { maxMessageBytes: number; maxLine: number; maxBuffer: number; maxConnections: number; maxDecompressed: number };

/** A limit flag must be a finite number (NaN from `--max-line abc` would silently disable the limit). */
function limit(flag: string, v: number, min = 0): number {
  if (!Number.isFinite(v) || v < min) throw new UsageError(`--${flag} must be a number >= ${min}, not ${String(v)}`);
  return Math.floor(v);
}

function pipelineOptions(a: LimitArgs) {
  return {
    read: { maxDecompressedBytes: limit('max-decompressed', a.maxDecompressed) },
    reassembly: { maxBufferedBytesPerDirection: limit('max-buffer', a.maxBuffer), maxConnections: limit('max-connections', a.maxConnections, 1) },
    smtp: { maxMessageBytes: limit('max-message-bytes', a.maxMessageBytes), maxLineBytes: limit('max-line', a.maxLine) },
  };
}

let outcome: Outcome = { exitCode: EXIT.ok };

async function runInfo(a: { captures: string[]; format: string }): Promise<Outcome> {
  const results = await info(a.captures);
  if (a.format === 'json') emit(json(results.length === 1 ? results[0] : results));
  else emit(renderInfoText(results));
  for (const r of results) {
    if (r.error) {
      const unit = (r.error as { unit?: string }).unit === 'line' ? 'line' : 'byte offset';
      process.stderr.write(`splice-doctor: ${escapeTerminal(r.path)}: ${escapeTerminal(r.error.message)}${r.error.offset !== undefined ? ` at ${unit} ${r.error.offset}` : ''}\n`);
    }
  }
  return { exitCode: results.some((r) => r.error) ? EXIT.input : EXIT.ok };
}

async function runSessions(a: LimitArgs & { capture: string; format: string; export?: string }): Promise<Outcome> {
  // With --export, one pass both lists the sessions and writes the messages.
  const exported = a.export ? await exportWithResult(a.capture, a.export, pipelineOptions(a)) : null;
  if (!exported) {
    // Streamed: each session is written (JSON) or made into its table row as soon as it is complete, so the heap
    // need not grow beyond what is alive.
    limitHeapGrowth();
    const rows: SessionRow[] = [];
    const writer = sessionsJsonWriter((t) => process.stdout.write(t));
    const asJson = a.format === 'json';
    const r = await sessionsStream(a.capture, pipelineOptions(a), (s) => (asJson ? writer.add(s) : rows.push(sessionRow(s))));
    if (asJson) writer.end();
    else emit(renderSessionsTable(r.capture, rows));
    return { exitCode: warnDamage(r.capture) ? EXIT.input : EXIT.ok };
  }
  const r = exported.result;
  emit(a.format === 'json' ? json(sessionsJson(r)) : renderSessionsText(r));
  const partial = exported.files.filter((f) => !f.complete).length;
  process.stderr.write(`splice-doctor: wrote ${exported.files.length} message(s) to ${escapeTerminal(a.export ?? '')}${partial ? ` (${partial} cut short, named -partial)` : ''}\n`);
  return { exitCode: warnDamage(r.capture) ? EXIT.input : EXIT.ok };
}

async function runReplay(a: LimitArgs & { capture: string; session?: number; speed?: number }): Promise<Outcome> {
  const r = await replay(a.capture, { ...pipelineOptions(a), session: a.session });
  const speed = a.speed && a.speed > 0 ? a.speed : 0;
  for (const s of r.sessions) {
    process.stdout.write(`${replayHeader(s)}\n`);
    let prev: { tsSec: number; tsNsec: number } | undefined;
    for (const l of s.lines) {
      if (speed && prev) {
        const wait = ((l.tsSec - prev.tsSec) * 1000 + (l.tsNsec - prev.tsNsec) / 1e6) / speed;
        if (wait > 0) await new Promise((res) => setTimeout(res, Math.min(wait, 60_000)));
      }
      prev = l;
      process.stdout.write(`${replayLine(s, l)}\n`);
    }
  }
  if (!r.sessions.length) process.stdout.write('no SMTP session in this capture\n');
  return { exitCode: warnDamage(r.capture) ? EXIT.input : EXIT.ok };
}

interface AnalyzeArgs extends LimitArgs, AnalyzeOptions {
  capture: string;
  format: 'text' | 'json' | 'markdown' | 'html';
  output?: string;
  chart?: string;
  redact?: string;
}

async function runAnalyze(a: AnalyzeArgs): Promise<Outcome> {
  const { fortigate, hostAv, mailServer, fortios, profile, fortigateConfig } = a;
  const input = await analyzeWithSessions(a.capture, { fortigate, hostAv, mailServer, fortios, profile, fortigateConfig, pipeline: pipelineOptions(a) });
  // One redaction scope for the document and the sessions, so a host keeps one pseudonym across page and chart.
  const scope = a.redact === 'addresses' ? new AddressRedactor() : null;
  const doc = scope ? scope.document(input.document) : input.document;
  const sessions = scope ? scope.document(input.sessions) : input.sessions;
  const text =
    a.format === 'json'
      ? renderAnalysisJson(doc)
      : a.format === 'markdown'
        ? renderAnalysisMarkdown(doc)
        : a.format === 'html'
          ? renderHtml({ document: doc, sessions })
          : renderAnalysisText(doc, { color: !a.output && useColor(), width: Math.min(110, process.stdout.columns || 100) });
  emit(text, a.output);
  if (a.chart) writeFileSync(a.chart, renderChartSvg({ document: doc, sessions }));
  warnDamage({ path: a.capture, error: doc.capture.error });
  return { exitCode: doc.exitCode };
}

async function runConfig(a: { backup: string; format: string; mailServer?: string; output?: string }): Promise<Outcome> {
  const r = await configCommand(a.backup, { mailServer: a.mailServer });
  emit(a.format === 'json' ? json(r) : a.format === 'markdown' ? configMarkdown(r) : configText(r), a.output);
  return { exitCode: configExitCode(r) };
}

async function runTriage(a: Record<string, unknown> & { paths: string[] }): Promise<Outcome> {
  if (a.format !== 'html') {
    const r = await triage(a.paths, triageOptionsFromArgs(a));
    return { exitCode: r.interrupted ? EXIT.interrupted : r.exitCode };
  }
  // html: the summary table on stdout as usual, then a folder with an index page and one report per capture.
  const opts = triageOptionsFromArgs({ ...a, format: 'table', output: undefined });
  const { result: r, written } = await triageHtml(a.paths, opts, typeof a.output === 'string' ? a.output : undefined);
  process.stderr.write(`splice-doctor: wrote ${escapeTerminal(written.index)} and ${written.reports.length} report(s)\n`);
  return { exitCode: r.interrupted ? EXIT.interrupted : r.exitCode };
}

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('splice-doctor')
    .usage('$0 <command> [options]\n\nDiagnoses FortiGate SMTP splice aborts that reach a host-based antivirus proxy, from packet captures\n(pcap, pcapng, gzip, FortiGate `diagnose sniffer packet` text).')
    .command(
      'info <captures..>',
      'summarise captures the way capinfos does',
      (y) => y.positional('captures', { type: 'string', array: true, demandOption: true, describe: 'capture files' })
        .option('format', { choices: ['text', 'json'] as const, default: 'text', describe: 'output format' }),
      async (a) => { outcome = await runInfo(a as never); },
    )
    .command(
      'analyze <capture>',
      'diagnose a capture: verdict, roles, findings with evidence, timeline and the FortiOS fix',
      (y) => limitOptions(y.positional('capture', { type: 'string', demandOption: true, describe: 'capture file (pcap, pcapng, gzip, FortiGate sniffer text)' })
        .option('format', { choices: ['text', 'json', 'markdown', 'html'] as const, default: 'text', describe: 'text for people, json for scripts and ticketing systems, markdown for a ticket comment, html for a self-contained page (use with --output, or redirect)' })
        .option('output', { alias: 'o', type: 'string', describe: 'write the report to this file instead of stdout' })
        .option('chart', { type: 'string', describe: 'also write the splice timing chart alone as an SVG file' })
        .option('fortigate', { type: 'string', describe: 'the FortiGate\'s IP address, if known (overrides inference)' })
        .option('host-av', { type: 'string', describe: 'the host AV proxy as IP or IP:PORT, if known' })
        .option('mail-server', { type: 'string', describe: 'the mail server (MTA) as IP or IP:PORT, if known' })
        .option('fortios', { type: 'string', describe: 'FortiOS version for the fix, e.g. 7.2.8, 6.4, 5.6, 4.0MR3, 3.0, 2.80, 2.50' })
        .option('profile', { type: 'string', describe: 'protocol-options profile of the mail policy, for the fix (default: default)' })
        .option('fortigate-config', { type: 'string', describe: 'FortiGate configuration backup to cross-check: confirms or weakens the verdict and makes the fix exact' })
        .option('redact', { choices: ['addresses'] as const, describe: 'mask e-mail and IP addresses for reports shared outside the company' })
        .example('$0 analyze capture.pcap', 'readable report')
        .example('$0 analyze capture.txt --format json > result.json', 'FortiGate sniffer text, JSON for a ticketing system')
        .example('$0 analyze capture.pcapng --fortios 6.4 --profile mail-in --format markdown', 'a ticket comment with the exact fix')
        .example('$0 analyze capture.pcap --format html --output report.html --chart chart.svg', 'a page with the ladder diagram and timing chart, and the chart alone')
        .epilogue(EXIT_CODES_HELP)),
      async (a) => { outcome = await runAnalyze(a as never); },
    )
    .command(
      'sessions <capture>',
      'list the SMTP sessions of a capture',
      (y) => limitOptions(y.positional('capture', { type: 'string', demandOption: true, describe: 'capture file' })
        .option('format', { choices: ['text', 'json'] as const, default: 'text', describe: 'output format' })
        .option('export', { type: 'string', describe: 'write each message as an .eml file into this folder (cut-off ones named -partial)' })),
      async (a) => { outcome = await runSessions(a as never); },
    )
    .command(
      'replay <capture>',
      'replay SMTP dialogues line by line, in time order',
      (y) => limitOptions(y.positional('capture', { type: 'string', demandOption: true, describe: 'capture file' })
        .option('session', { type: 'number', describe: 'only this session id (see `sessions`)' })
        .option('speed', { type: 'number', describe: 'pace the replay in real time divided by N (default: no pacing)' })),
      async (a) => { outcome = await runReplay(a as never); },
    )
    .command(
      'triage <paths..>',
      'analyse many captures (files, folders, .zip, .gz, - for paths on stdin) in parallel',
      (y) => y.positional('paths', { type: 'string', array: true, demandOption: true, describe: 'captures, folders, zip archives, or - to read paths from stdin' })
        .options(triageOptions as never)
        .example('$0 triage tickets/ --format ndjson --output results.ndjson', 'every capture below tickets/, one JSON line each')
        .example('$0 triage tickets/ --resume results.ndjson', 'continue an interrupted run')
        .example('$0 triage tickets/ --format html --output triage-report/', 'a summary page linking a report per capture')
        .example('$0 triage tickets/ --shard 2/4 --format ndjson', 'the second of four slices (one per machine or job)')
        .epilogue(`${EXIT_CODES_HELP} triage exits with the worst code of its captures (2 when any capture could not be read).`),
      async (a) => { outcome = await runTriage(a as never); },
    )
    .command(
      'config <backup>',
      'check a FortiGate configuration backup for SMTP splice on the mail policies',
      (y) => y.positional('backup', { type: 'string', demandOption: true, describe: 'configuration backup or `show full-configuration` output' })
        .option('format', { choices: ['text', 'json', 'markdown'] as const, default: 'text', describe: 'output format' })
        .option('mail-server', { type: 'string', describe: 'mail server IP, to pick the policies that reach it' })
        .option('output', { alias: 'o', type: 'string', describe: 'write the report to this file instead of stdout' })
        .epilogue('Exit codes: 0 no splice on the mail path, 1 splice on (or assumed on), 2 input or usage error.'),
      async (a) => { outcome = await runConfig(a as never); },
    )
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .recommendCommands()
    .epilogue(EXIT_CODES_HELP)
    .help()
    .alias('h', 'help')
    .version(TOOL.version)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
}

async function main(): Promise<void> {
  try {
    await buildCli(hideBin(process.argv)).parseAsync();
    process.exitCode = outcome.exitCode;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`splice-doctor: ${e.message}\nRun 'splice-doctor --help' for usage.\n`);
      process.exitCode = EXIT.input;
    } else if (e instanceof InputError) {
      const where = e.offset !== undefined && !/\b(line|offset|byte) \d/.test(e.message) ? ` (at ${e.offset})` : '';
      const path = e.path && !e.message.startsWith(e.path) ? `${escapeTerminal(e.path)}: ` : '';
      process.stderr.write(`splice-doctor: ${path}${escapeTerminal(e.message)}${where}\n`);
      process.exitCode = EXIT.input;
    } else if (e && typeof e === 'object' && 'code' in e && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).syscall) {
      const err = e as NodeJS.ErrnoException;
      process.stderr.write(`splice-doctor: ${escapeTerminal(err.path ?? '')}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a folder, not a capture file' : err.message}\n`);
      process.exitCode = EXIT.input;
    } else {
      process.stderr.write(`splice-doctor: internal error (a bug; please report it with the capture if you can)\n${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = EXIT.bug;
    }
  }
}

await main();
