// One capture to an HTML report: the analysis with its sessions, then the page (for `analyze --format html` and triage).

import { analyzeWithSessions, type AnalyzeCommandOptions } from '../../commands/analyze.js';
import type { AnalysisDocument } from '../../analysis/types.js';
import { renderChartSvg, renderHtml } from './index.js';

/** Like analyze(), but keeps the sessions the chart and the ladder need. Same options, same document. */
export const analyzeForReport = analyzeWithSessions;

/** The HTML report of one capture file, and optionally its standalone chart. */
export async function htmlReportForFile(path: string, opts: AnalyzeCommandOptions = {}): Promise<{ document: AnalysisDocument; html: string; chartSvg: string }> {
  const input = await analyzeWithSessions(path, opts);
  return { document: input.document, html: renderHtml(input), chartSvg: renderChartSvg(input) };
}
