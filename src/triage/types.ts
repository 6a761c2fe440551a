// Triage contract: captures found in the inputs, what a worker sends back, and the entries the run emits.

/**
 * Where a capture's bytes are: a plain file (pcap, pcapng, sniffer text, or any of them gzip-compressed) or
 * one member of a zip archive, read in place. Plain data, so it crosses to worker threads as is.
 */
export type SourceLocation =
  | { kind: 'file'; file: string }
  | { kind: 'zip-entry'; zip: string; entry: string; entryIndex: number };

/** One capture to analyse, in input order. */
export interface CaptureSource {
  /** 0-based position in the expanded (and sharded) input list: output order. */
  index: number;
  /** Path as shown and as keyed by --resume: the path as given, `archive.zip!/member` for zip members. */
  path: string;
  ticket: string | null;
  /** Bytes as stored (uncompressed size for zip members); null when the file could not be stat'ed. */
  size: number | null;
  /** Modification time (the archive's for zip members); null when unknown. */
  mtimeMs: number | null;
  location: SourceLocation;
  /** Set when expansion already knows the capture cannot be read (missing file, damaged zip, encrypted member). */
  error?: EntryError;
}

/** One-line error of an entry: what went wrong and where (byte offset or 1-based line, when known). */
export interface EntryError {
  message: string;
  offset?: number;
}

/** The `analyze --format json` document, as far as triage needs to see into it. */
export interface AnalysisDocumentLike {
  schemaVersion?: unknown;
  capture?: { path?: string; packets?: number; error?: { message?: string; offset?: number } | null } & Record<string, unknown>;
  verdict: string;
  confidence?: string;
  summary?: string;
  sessions?: unknown[];
  findings?: Array<{ ruleId?: string; title?: string; message?: string; severity?: string } & Record<string, unknown>>;
  [key: string]: unknown;
}

/** One line of output, in input order. */
export type TriageEntry =
  | { kind: 'document'; source: CaptureSource; document: AnalysisDocumentLike; ms: number; exitCode: number }
  | { kind: 'error'; source: CaptureSource; error: EntryError; ms: number; exitCode: number };

/** What the summary table shows for one capture; small, so a run over thousands of files keeps only these. */
export interface TriageRow {
  index: number;
  path: string;
  ticket: string | null;
  /** Analysis verdict, or 'error'. */
  verdict: string;
  confidence: string;
  keyFinding: string;
  sessions: number | null;
  ms: number;
  exitCode: number;
}

export type TriageFormat = 'table' | 'ndjson' | 'json';

export interface TriageOptions {
  /** Worker threads (default: os.availableParallelism()). */
  jobs?: number;
  /** Captures larger than this many bytes become error entries (default 1 GiB). */
  maxSize?: number;
  format?: TriageFormat;
  /** Write the output here instead of `stdout`. */
  output?: string;
  /** Regular expression applied to the path; its first capture group (or the whole match) is the ticket id. */
  ticketPattern?: string;
  /** NDJSON file of an earlier run: skip captures it already holds, append the rest to it. */
  resume?: string;
  /** `K/N`: process only the K-th (1-based) of N slices. */
  shard?: string;
  quiet?: boolean;
  /** Passed to analyze()/analyzeStream() unchanged (must be structured-cloneable). */
  analyzeOptions?: Record<string, unknown>;
  /** Module exporting analyze (and analyzeStream); default src/commands/analyze.js. For tests and benchmarks. */
  analyzerModule?: string;
  /** Where stdout output goes (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  /** Where progress goes (default process.stderr; shown only when it is a TTY). */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Read for `-` (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Aborting it acts like Ctrl-C: stop scheduling, finish what is in flight, close the output cleanly. */
  signal?: AbortSignal;
  /** Install a SIGINT handler for the run (default true). First Ctrl-C drains, a second abandons in-flight work. */
  handleSigint?: boolean;
  /** Called for each entry as it is emitted, in order (tests, library users). */
  onEntry?: (entry: TriageEntry) => void;
}

export interface TriageResult {
  /** Worst exit code over all entries (including those kept from a resumed file); see exitRank. */
  exitCode: number;
  /** Entries per verdict (and 'error'), over this run plus entries kept from a resumed file. */
  counts: Record<string, number>;
  /** Rows for the captures processed in this run, in input order. */
  rows: TriageRow[];
  /** Captures in the (sharded) input list. */
  total: number;
  /** Skipped because the --resume file already holds them. */
  skipped: number;
  /** True when Ctrl-C (or the abort signal) stopped the run before every capture was processed. */
  interrupted: boolean;
  elapsedMs: number;
  bytes: number;
}

/** Worker protocol. */
export interface WorkerJob {
  id: number;
  location: SourceLocation;
  path: string;
}
export type WorkerReply =
  | { id: number; ok: true; document: AnalysisDocumentLike; ms: number }
  | { id: number; ok: false; error: EntryError; ms: number };
