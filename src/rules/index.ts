// The rule registry: a static list, evaluated in this order (later rules may read earlier findings).

import { captureEncrypted } from './capture-encrypted.js';
import { captureEndedMidMessage } from './capture-ended-mid-message.js';
import { captureGapsInMessage } from './capture-gaps-in-message.js';
import { captureNoServerReplies } from './capture-no-server-replies.js';
import { captureOneLegOnly } from './capture-one-leg-only.js';
import { captureStartedMidSession } from './capture-started-mid-session.js';
import { captureTruncatedFile } from './capture-truncated-file.js';
import { hostavActedOnAbort } from './hostav-acted-on-abort.js';
import { hostavProxy } from './hostav-proxy.js';
import { spliceAbort } from './splice-abort.js';
import { spliceBuffered } from './splice-buffered.js';
import { spliceStreaming } from './splice-streaming.js';
import type { Rule, RuleContext, RuleFinding } from './types.js';

export type * from './types.js';

export const RULES: readonly Rule[] = [
  spliceAbort,
  hostavActedOnAbort,
  spliceStreaming,
  spliceBuffered,
  hostavProxy,
  captureEncrypted,
  captureOneLegOnly,
  captureGapsInMessage,
  captureStartedMidSession,
  captureTruncatedFile,
  captureNoServerReplies,
  captureEndedMidMessage,
];

export type EvaluatedFinding = RuleFinding & { ruleId: string; rule: Rule; severity: NonNullable<RuleFinding['severity']> };

/** Runs every rule in order; a rule that throws is a bug, reported as such rather than hidden. */
export function evaluateRules(makeCtx: (prior: EvaluatedFinding[]) => RuleContext, rules: readonly Rule[] = RULES): EvaluatedFinding[] {
  const out: EvaluatedFinding[] = [];
  for (const rule of rules) {
    const ctx = makeCtx(out);
    for (const f of rule.evaluate(ctx)) out.push({ ...f, severity: f.severity ?? rule.defaultSeverity, ruleId: rule.id, rule });
  }
  return out;
}
