// One capture to an HTML report: the pipeline, the diagnosis and the page (for `analyze --format html` and triage).

import { diagnose } from '../../analysis/analyze.js';
import type { AnalysisDocument } from '../../analysis/types.js';
import { overridesFrom, type AnalyzeCommandOptions } from '../../commands/analyze.js';
import { runPipeline } from '../../pipeline.js';
import type { SmtpSession } from '../../smtp/types.js';
import { renderChartSvg, renderHtml } from './index.js';

/** Like analyze(), but keeps the sessions the chart and the ladder need. Same options, same document. */
export async function analyzeForReport(path: string, opts: AnalyzeCommandOptions = {}): Promise<{ document: AnalysisDocument; sessions: SmtpSession[] }> {
  const overrides = overridesFrom(opts);
  const result = await runPipeline(path, opts.pipeline ?? {});
  return { document: diagnose(result, { overrides, fortios: opts.fortios, profile: opts.profile }), sessions: result.sessions };
}

/** The HTML report of one capture file, and optionally its standalone chart. */
export async function htmlReportForFile(path: string, opts: AnalyzeCommandOptions = {}): Promise<{ document: AnalysisDocument; html: string; chartSvg: string }> {
  const input = await analyzeForReport(path, opts);
  return { document: input.document, html: renderHtml(input), chartSvg: renderChartSvg(input) };
}
