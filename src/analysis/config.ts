// Folds a FortiGate configuration check into an analysis document: confidence up or down, config findings, exact fix.

import { configBearing } from '../config/combine.js';
import type { ConfigFinding, ConfigReport } from '../config/analyze.js';
import type { AnalysisDocument, Finding, Severity } from './types.js';

const TITLES: Record<string, string> = {
  'config.splice-enabled': 'Configuration: SMTP splice on for the mail policy',
  'config.splice-disabled': 'Configuration: SMTP splice off for the mail policy',
  'config.flow-based': 'Configuration: flow-based inspection (no splice applies)',
  'config.no-av-on-smtp': 'Configuration: SMTP not scanned by antivirus',
  'config.smtp-policy-not-found': 'Configuration: no policy carries SMTP to the mail server',
  'config.inspection-mode-assumed': 'Configuration: inspection mode assumed',
  'config.truncated': 'Configuration: backup damaged or cut',
};

const SEVERITY: Record<ConfigFinding['severity'], Severity> = { high: 'critical', medium: 'warning', low: 'info', info: 'info' };

function toFinding(f: ConfigFinding, path: string): Omit<Finding, 'id'> {
  const where = [f.vdom !== undefined ? `VDOM ${f.vdom}` : '', f.policyIds.length ? `policy ${f.policyIds.join(', ')}` : '', f.profiles.length ? `profile ${f.profiles.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
  return {
    ruleId: f.id,
    ruleRevision: 1,
    title: TITLES[f.id] ?? `Configuration: ${f.id.slice('config.'.length)}`,
    severity: SEVERITY[f.severity],
    confidence: f.severity === 'medium' ? 'medium' : 'high',
    message: f.message,
    evidence: [{ frames: [], time: null, leg: 'configuration', session: null, text: where ? `${path}: ${where}` : path }],
    remediation: f.id === 'config.splice-enabled' ? 'Remove splice from the SMTP options of the profile(s) named (see the fix).' : null,
    sessions: [],
  };
}

/** Returns a new document with the configuration's bearing applied; the verdict itself never changes. */
export function withConfig(doc: AnalysisDocument, report: ConfigReport, path: string): AnalysisDocument {
  const b = configBearing(doc.verdict, doc.confidence, report);
  const findings = [...doc.findings, ...report.findings.map((f) => toFinding(f, path))].map((f, i) => ({ ...f, id: `F${i + 1}` }));
  let fix = doc.fix;
  if (b.fix && doc.fix?.kind === 'disable-splice') {
    fix = { kind: 'disable-splice', versionFamily: b.fix.versionFamily, exact: b.fix.exact, commands: [...b.fix.commands], notes: [...b.fix.notes], tradeOff: b.fix.tradeOff };
  }
  return {
    ...doc,
    confidence: b.confidence,
    findings,
    fix,
    config: {
      path,
      model: report.model ?? null,
      version: report.version ?? null,
      splice: b.summary.splice,
      policyIds: [...b.summary.policyIds],
      profiles: [...b.summary.profiles],
      note: b.note,
    },
  };
}
