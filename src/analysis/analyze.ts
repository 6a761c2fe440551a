// Orchestrates the diagnosis over one pipeline result: topology -> rules -> verdict -> the analysis document. Pure.

import type { PipelineResult } from '../pipeline.js';
import { captureAdvice, spliceFix, type MissingLeg } from '../remedy/fortios.js';
import { makeContext, formatTime } from '../rules/context.js';
import { evaluateRules, RULES, type EvaluatedFinding } from '../rules/index.js';
import { buildTopology, keyDialogue } from '../topology/index.js';
import { endpointText } from '../topology/match.js';
import type { Topology, TopologyOverrides } from '../topology/types.js';
import type { SmtpSession } from '../smtp/types.js';
import { TOOL } from '../util/version.js';
import { buildTimeline } from './timeline.js';
import type { AnalysisDocument, Finding, FixSection, Role, SessionSummary, Severity } from './types.js';
import { decideVerdict, exitCodeFor } from './verdict.js';

export interface DiagnoseOptions {
  overrides?: TopologyOverrides;
  fortios?: string;
  profile?: string;
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Pure: the whole analysis document for one pipeline result. */
export function diagnose(result: Pick<PipelineResult, 'capture' | 'sessions'>, opts: DiagnoseOptions = {}): AnalysisDocument {
  const { capture, sessions } = result;
  if (capture.sha256 === null) throw new Error('diagnose needs the capture hash: the capture was read with hash: false');
  const topology = buildTopology(sessions, opts.overrides ?? {});
  const evaluated = evaluateRules((prior) => makeContext(capture, sessions, topology, prior));
  const v = decideVerdict(sessions.length, topology, evaluated);
  const findings = toFindings(evaluated);
  const key = keyDialogue(topology.dialogues);
  return {
    schemaVersion: '1.0',
    tool: { name: TOOL.name, version: TOOL.version },
    capture: {
      path: capture.path,
      format: capture.format,
      gzip: capture.gzip,
      timestampKind: capture.timestampKind,
      sha256: capture.sha256,
      packets: capture.packets,
      firstTime: capture.firstTs ? formatTime(capture, { tsSec: capture.firstTs.sec, tsNsec: capture.firstTs.nsec }) : null,
      lastTime: capture.lastTs ? formatTime(capture, { tsSec: capture.lastTs.sec, tsNsec: capture.lastTs.nsec }) : null,
      error: capture.error ? { message: capture.error.message, offset: capture.error.offset, unit: capture.error.unit } : null,
    },
    verdict: v.verdict,
    confidence: v.confidence,
    exitCode: capture.error ? 2 : exitCodeFor(v.verdict),
    summary: v.summary,
    roles: {
      sender: role(topology.roles.sender),
      fortigate: role(topology.roles.fortigate),
      hostAv: role(topology.roles.hostAv),
      mailServer: role(topology.roles.mailServer),
    },
    sessions: summarizeSessions(capture, sessions, topology),
    findings,
    fix: fixFor(v.verdict, topology, evaluated, opts),
    timeline: buildTimeline(capture, topology, key),
    config: null,
  };
}

function role(r: Topology['roles']['sender']): Role {
  return { ip: r.ip, port: r.port, source: r.source, evidence: [...r.evidence] };
}

function toFindings(evaluated: readonly EvaluatedFinding[]): Finding[] {
  const order = new Map(RULES.map((r, i) => [r.id, i]));
  const sorted = evaluated
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || order.get(a.f.ruleId)! - order.get(b.f.ruleId)! || a.i - b.i);
  return sorted.map(({ f }, i) => ({
    id: `F${i + 1}`,
    ruleId: f.ruleId,
    ruleRevision: f.rule.revision,
    title: f.rule.title,
    severity: f.severity,
    confidence: f.confidence,
    message: f.message,
    evidence: f.evidence.map((e) => ({ frames: [...e.frames], time: e.time, leg: e.leg, session: e.session, text: e.text })),
    remediation: f.remediation,
    sessions: [...f.sessions],
  }));
}

function summarizeSessions(capture: PipelineResult['capture'], sessions: readonly SmtpSession[], topology: Topology): SessionSummary[] {
  return sessions.map((s) => {
    const leg = topology.legs.get(s.id);
    return {
      id: s.id,
      client: endpointText(s.client),
      server: endpointText(s.server),
      interface: s.interfaceName ?? null,
      leg: leg?.role ?? 'unpaired',
      dialogue: leg?.dialogue ?? null,
      peer: leg?.peer ?? null,
      start: formatTime(capture, s.start),
      banner: s.banner ?? null,
      tls: s.tls !== undefined,
      transactions: s.transactions.map((t) => ({
        index: t.index + 1,
        mailFrom: t.mailFrom ?? null,
        rcptTo: [...t.rcptTo],
        method: t.method ?? null,
        outcome: t.outcome,
        bodyBytes: t.body.bytes,
        messageId: t.message?.messageId ?? null,
        subject: t.message?.subject ?? null,
        abort: t.abort ? `${t.abort.how} by ${t.abort.by} after ${t.abort.bodyBytesSent} body bytes` : null,
      })),
    };
  });
}

function fixFor(verdict: AnalysisDocument['verdict'], topology: Topology, findings: readonly EvaluatedFinding[], opts: DiagnoseOptions): FixSection | null {
  if (verdict === 'misconfigured' || verdict === 'at-risk') {
    const f = spliceFix({ fortios: opts.fortios, profile: opts.profile });
    return { kind: 'disable-splice', versionFamily: f.versionFamily, exact: f.exact, commands: [...f.commands], notes: [...f.notes], tradeOff: f.tradeOff };
  }
  if (verdict !== 'inconclusive') return null;
  const missing: MissingLeg[] = [];
  if (findings.some((f) => f.ruleId === 'capture.encrypted' && f.facts.hidesAll)) missing.push('cleartext');
  const ds = topology.dialogues;
  if (!ds.some((d) => d.client && d.server)) {
    if (ds.some((d) => d.lone === 'sender')) missing.push('server-leg');
    else if (ds.some((d) => d.lone === 'mail')) missing.push('client-leg');
  }
  const r = topology.roles;
  const mailLeg = ds.find((d) => d.server)?.server ?? ds.find((d) => d.client)?.client;
  const a = captureAdvice({
    missing,
    sender: r.sender.ip ?? undefined,
    mailServer: r.mailServer.ip ?? r.hostAv.ip ?? mailLeg?.server.ip ?? undefined,
    port: mailLeg?.server.port,
    fortigate: r.fortigate.ip ?? undefined,
  });
  return { kind: 'capture-more', versionFamily: null, exact: null, commands: [...a.commands], notes: [...a.notes], tradeOff: null };
}
