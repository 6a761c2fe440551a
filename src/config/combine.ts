// How a configuration check bears on a capture's verdict: confidence up or down, and the exact fix.

import type { Fix } from '../remedy/fortios.js';
import { spliceSummary, type ConfigReport, type ConfigSpliceSummary } from './analyze.js';

type Verdict = 'misconfigured' | 'at-risk' | 'healthy' | 'inconclusive' | 'no-smtp';
type Confidence = 'high' | 'medium' | 'low';

export interface ConfigBearing {
  confidence: Confidence;
  /** One sentence for the report on what the configuration changed (or confirmed); null when it says nothing. */
  note: string | null;
  /** The configuration's exact fix when it has one (preferred over the version-only fix), else null. */
  fix: Fix | null;
  summary: ConfigSpliceSummary;
}

const UP: Record<Confidence, Confidence> = { low: 'medium', medium: 'high', high: 'high' };
const DOWN: Record<Confidence, Confidence> = { high: 'medium', medium: 'low', low: 'low' };

/**
 * Combine a capture verdict with a configuration report. The verdict itself never changes (the capture is what was
 * seen); only its confidence moves: splice on in the config confirms `misconfigured`/`at-risk` (one step up), splice
 * off, flow-based or no AV on the mail policy contradicts them (one step down: the capture may predate a change, or the
 * backup may be from another unit).
 */
export function configBearing(verdict: Verdict, confidence: Confidence, report: ConfigReport): ConfigBearing {
  const summary = spliceSummary(report);
  const fix = report.fix ?? null;
  const pols = summary.policyIds.length ? ` (polic${summary.policyIds.length > 1 ? 'ies' : 'y'} ${summary.policyIds.join(', ')})` : '';
  const splicing = verdict === 'misconfigured' || verdict === 'at-risk';
  switch (summary.splice) {
    case 'on':
      return {
        confidence: splicing ? UP[confidence] : confidence,
        note: splicing
          ? `The configuration confirms SMTP splice on the mail path${pols}.`
          : `The configuration has SMTP splice on the mail path${pols}; this capture shows no splice problem, but a virus sent to a host-AV proxy would be streamed.`,
        fix,
        summary,
      };
    case 'assumed-on':
      return {
        confidence,
        note: `The configuration probably has SMTP splice on${pols} (factory default options assumed).`,
        fix,
        summary,
      };
    case 'off':
    case 'flow':
    case 'no-av': {
      const why = summary.splice === 'off' ? 'splice is off' : summary.splice === 'flow' ? 'SMTP is scanned flow-based' : 'SMTP is not scanned for viruses';
      return {
        confidence: splicing ? DOWN[confidence] : confidence,
        note: splicing
          ? `The configuration contradicts the capture: on the mail path${pols} ${why}. Is the backup from this unit and from the time of the capture?`
          : `The configuration agrees: on the mail path${pols} ${why}.`,
        fix,
        summary,
      };
    }
    case 'not-found':
      return {
        confidence: splicing ? DOWN[confidence] : confidence,
        note: 'No policy in the configuration carries SMTP to the mail server; check that the backup belongs to the FortiGate in the capture.',
        fix,
        summary,
      };
  }
}
