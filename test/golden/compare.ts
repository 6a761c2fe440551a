// Compares an analysis document with a scenario's expected result (verdict, confidence, rules, roles).

import type { AnalysisDocument } from '../../src/analysis/types.js';

export interface ExpectedLike {
  verdict: string;
  confidence: string | null;
  rules: string[];
  rulesAbsent: string[];
  roles?: Record<string, { ip: string; port?: number } | undefined>;
}

/** Differences as readable lines; empty when the document agrees. */
export function compareToExpected(doc: AnalysisDocument, e: ExpectedLike, o: { roles: boolean }): string[] {
  const out: string[] = [];
  if (doc.verdict !== e.verdict) out.push(`verdict ${doc.verdict}, expected ${e.verdict}`);
  if (e.confidence !== null && doc.confidence !== e.confidence) out.push(`confidence ${doc.confidence}, expected ${e.confidence}`);
  const got = new Set(doc.findings.map((f) => f.ruleId));
  for (const r of e.rules) if (!got.has(r)) out.push(`rule ${r} missing`);
  for (const r of e.rulesAbsent) if (got.has(r)) out.push(`rule ${r} fired but should not`);
  if (o.roles && e.roles) {
    for (const k of ['sender', 'fortigate', 'hostAv', 'mailServer'] as const) {
      const want = e.roles[k];
      if (!want) continue;
      const r = doc.roles[k];
      if ((r.ip ?? '').toLowerCase() !== want.ip.toLowerCase() || (want.port !== undefined && r.port !== want.port)) {
        out.push(`role ${k} ${r.ip}:${r.port}, expected ${want.ip}:${want.port ?? '*'}`);
      }
    }
  }
  return out;
}
