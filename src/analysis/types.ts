// The analysis document: the stable JSON contract of `analyze` (schema/analysis.schema.json describes it).

export type Verdict = 'misconfigured' | 'at-risk' | 'healthy' | 'inconclusive' | 'no-smtp';
export type Confidence = 'high' | 'medium' | 'low';
export type Severity = 'critical' | 'warning' | 'info';

/** Which part of a proxied dialogue a session is. */
export type LegRole =
  | 'client' // sender -> FortiGate
  | 'server' // FortiGate -> mail side (host AV or MTA)
  | 'relay' // host AV -> the local SMTP program (loopback or another port)
  | 'notification' // a mail about a virus sent by the mail side after an abort
  | 'unpaired'; // a leg whose partner is not in the capture, or plain SMTP

export interface Evidence {
  /** Frame numbers as Wireshark counts them, ascending. */
  frames: number[];
  /** ISO 8601 UTC with microseconds, or '+S.uuuuuus' from the first packet for relative captures; null if unknown. */
  time: string | null;
  /** 'client leg', 'server leg', 'relay leg', 'notification', 'session', 'capture'. */
  leg: string | null;
  /** SMTP session id, when the evidence belongs to one. */
  session: number | null;
  /** What was seen: a line as on the wire (unescaped; renderers escape it) or a short statement. */
  text: string;
}

export interface Finding {
  /** 'F1', 'F2', ... in document order: stable within one document. */
  id: string;
  ruleId: string;
  ruleRevision: number;
  title: string;
  severity: Severity;
  confidence: Confidence;
  message: string;
  evidence: Evidence[];
  remediation: string | null;
  /** SMTP session ids this finding is about, ascending. */
  sessions: number[];
}

export interface Role {
  ip: string | null;
  port: number | null;
  /** 'user' when stated with --fortigate/--host-av/--mail-server, 'inferred' from traffic, 'unknown'. */
  source: 'user' | 'inferred' | 'unknown';
  /** Why: short statements. */
  evidence: string[];
}

export interface Roles {
  sender: Role;
  fortigate: Role;
  hostAv: Role;
  mailServer: Role;
}

export interface TransactionSummary {
  index: number;
  mailFrom: string | null;
  rcptTo: string[];
  method: 'DATA' | 'BDAT' | null;
  outcome: string;
  bodyBytes: number;
  messageId: string | null;
  subject: string | null;
  /** How it ended early: e.g. 'rst by client after 8192 body bytes'; null when not aborted. */
  abort: string | null;
}

export interface SessionSummary {
  id: number;
  client: string;
  server: string;
  interface: string | null;
  leg: LegRole;
  /** Dialogue (proxy pair plus its relay and notifications) this session belongs to; null when alone. */
  dialogue: number | null;
  /** Session id of the other leg of the FortiGate proxy, or the upstream leg of a relay. */
  peer: number | null;
  start: string | null;
  banner: string | null;
  tls: boolean;
  transactions: TransactionSummary[];
}

export interface TimelineEntry {
  time: string | null;
  frame: number;
  session: number;
  leg: string;
  /** 'C' (client to server), 'S' (server to client), or '-' for a TCP event. */
  dir: 'C' | 'S' | '-';
  text: string;
}

export interface FixSection {
  kind: 'disable-splice' | 'capture-more';
  versionFamily: string | null;
  exact: boolean | null;
  commands: string[];
  notes: string[];
  tradeOff: string | null;
}

export interface CaptureSection {
  path: string;
  format: string;
  gzip: boolean;
  timestampKind: 'absolute' | 'relative';
  sha256: string;
  packets: number;
  firstTime: string | null;
  lastTime: string | null;
  error: { message: string; offset: number; unit: 'byte' | 'line' } | null;
}

/** The FortiGate configuration backup given with --fortigate-config, as it bears on this capture. */
export interface ConfigSection {
  path: string;
  model: string | null;
  version: string | null;
  /** 'on', 'assumed-on' (factory default options assumed), 'off', 'flow', 'no-av', 'not-found'. */
  splice: 'on' | 'assumed-on' | 'off' | 'flow' | 'no-av' | 'not-found';
  policyIds: string[];
  profiles: string[];
  /** What the configuration changed in this analysis (confidence up or down), or null. */
  note: string | null;
}

export interface AnalysisDocument {
  schemaVersion: '1.0';
  tool: { name: string; version: string };
  capture: CaptureSection;
  verdict: Verdict;
  confidence: Confidence;
  exitCode: number;
  summary: string;
  roles: Roles;
  sessions: SessionSummary[];
  findings: Finding[];
  fix: FixSection | null;
  timeline: TimelineEntry[];
  /** Present (non-null) only when a configuration backup was given. */
  config: ConfigSection | null;
}

/** What the user states about the network; wins over inference. */
export interface AnalyzeOptions {
  fortigate?: string;
  hostAv?: string;
  mailServer?: string;
  fortios?: string;
  profile?: string;
  /** Path of a FortiGate configuration backup to cross-check (`--fortigate-config`). */
  fortigateConfig?: string;
}
