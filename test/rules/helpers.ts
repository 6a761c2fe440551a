// Test helper: evaluates one rule (or the registry up to it) over hand-built sessions.

import type { CaptureSummary } from '../../src/capture/types.js';
import { makeContext } from '../../src/rules/context.js';
import { evaluateRules, RULES, type EvaluatedFinding } from '../../src/rules/index.js';
import type { Rule } from '../../src/rules/types.js';
import type { SmtpSession } from '../../src/smtp/types.js';
import { buildTopology } from '../../src/topology/index.js';
import type { TopologyOverrides } from '../../src/topology/types.js';
import { captureSummary } from '../analysis/helpers.js';

/** Runs the registry in order up to and including `rule` (later rules may read earlier findings); returns its findings. */
export function findingsOf(rule: Rule, sessions: SmtpSession[], o: { capture?: Partial<CaptureSummary>; overrides?: TopologyOverrides } = {}): EvaluatedFinding[] {
  const capture = captureSummary(o.capture);
  const topology = buildTopology(sessions, o.overrides ?? {});
  const upto = RULES.slice(0, RULES.indexOf(rule) + 1);
  if (!upto.includes(rule)) throw new Error(`rule ${rule.id} is not registered`);
  return evaluateRules((prior) => makeContext(capture, sessions, topology, prior), upto).filter((f) => f.ruleId === rule.id);
}
