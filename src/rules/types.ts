// Rule contract: one file per rule, each a small object with its metadata beside one pure evaluate().

import type { Confidence, Evidence, Severity } from '../analysis/types.js';
import type { CaptureSummary } from '../capture/types.js';
import type { SegmentRef } from '../reassembly/types.js';
import type { SmtpSession } from '../smtp/types.js';
import type { Topology } from '../topology/types.js';

/** Facts the verdict reads from a finding (never shown as such). */
export interface FindingFacts {
  /** The strongest host-AV evidence for the dialogues this finding is about. */
  hostAv?: 'strong' | 'hint' | 'none';
  /** hostav.acted-on-abort: how it acted. */
  acted?: boolean;
  /** capture.encrypted: no plaintext transaction is left on the legs that matter. */
  hidesAll?: boolean;
  /** A capture-quality finding that makes the verdict less certain. */
  weakens?: boolean;
  /** Dialogue ids concerned. */
  dialogues?: number[];
}

/** What a rule returns; the engine adds the rule's id, revision and title. */
export interface RuleFinding {
  /** Defaults to the rule's defaultSeverity. */
  severity?: Severity;
  confidence: Confidence;
  message: string;
  evidence: Evidence[];
  remediation: string | null;
  sessions: number[];
  facts: FindingFacts;
}

export interface RuleContext {
  capture: CaptureSummary;
  sessions: readonly SmtpSession[];
  topology: Topology;
  /** Findings of the rules before this one in the registry, with their rule id. */
  prior: ReadonlyArray<RuleFinding & { ruleId: string }>;
  /** Time of a frame as the document shows it. */
  time(ref: SegmentRef | null | undefined): string | null;
  /** 'client leg', 'server leg', 'relay leg', ... for a session id. */
  legName(session: number): string;
  /** One evidence entry. */
  ev(session: SmtpSession | null, ref: SegmentRef | null | undefined, text: string, moreFrames?: number[]): Evidence;
}

export interface Rule {
  id: string;
  revision: number;
  title: string;
  defaultSeverity: Severity;
  description: string;
  evaluate(ctx: RuleContext): RuleFinding[];
}
