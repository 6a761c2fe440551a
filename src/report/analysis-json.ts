// `analyze --format json`: the analysis document as it is (2-space indent, key order fixed by construction).

import type { AnalysisDocument } from '../analysis/types.js';
import { safeJson } from '../util/json.js';

export function renderAnalysisJson(doc: AnalysisDocument): string {
  return `${safeJson(doc)}\n`;
}
