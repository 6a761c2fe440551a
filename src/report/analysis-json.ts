// `analyze --format json`: the analysis document as it is (2-space indent, key order fixed by construction).

import type { AnalysisDocument } from '../analysis/types.js';

export function renderAnalysisJson(doc: AnalysisDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
