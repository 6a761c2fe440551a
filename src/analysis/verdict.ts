// The verdict contract for scripts and ticketing systems: verdict, confidence, exit code and a one-sentence summary.

import type { Dialogue, Topology } from '../topology/types.js';
import { senderRefusal } from '../topology/hostav.js';
import type { EvaluatedFinding } from '../rules/index.js';
import type { Confidence, Verdict } from './types.js';

/** 0 healthy or no-smtp, 1 misconfigured or at-risk, 3 inconclusive (2 is for input and usage errors). */
export function exitCodeFor(verdict: Verdict): 0 | 1 | 3 {
  switch (verdict) {
    case 'misconfigured':
    case 'at-risk':
      return 1;
    case 'inconclusive':
      return 3;
    default:
      return 0;
  }
}

const ORDER: Confidence[] = ['low', 'medium', 'high'];

export function lower(c: Confidence, steps = 1): Confidence {
  return ORDER[Math.max(0, ORDER.indexOf(c) - steps)];
}

export interface VerdictResult {
  verdict: Verdict;
  confidence: Confidence;
  summary: string;
  /** Why the confidence is not higher (shown by the text report). */
  reasons: string[];
}

function senderOnlyRefusal(topology: Topology): boolean {
  const ds = topology.dialogues.filter((d) => (d.client ?? d.server)?.transactions.length);
  if (ds.length === 0) return false;
  const mailVisible = ds.some((d: Dialogue) => d.server && (d.client !== null || d.lone === 'mail'));
  if (mailVisible) return false;
  return ds.some((d) => senderRefusal((d.client ?? d.server)!) !== null);
}

export function decideVerdict(sessionCount: number, topology: Topology, findings: readonly EvaluatedFinding[]): VerdictResult {
  const weakeners = findings.filter((f) => f.ruleId.startsWith('capture.') && f.facts.weakens);
  const reasons = weakeners.map((f) => f.ruleId);
  const weaken = (c: Confidence) => (weakeners.length ? lower(c) : c);
  const mailHost = topology.roles.hostAv.ip ?? topology.roles.mailServer.ip;
  const at = mailHost ? ` on ${mailHost}` : '';

  if (sessionCount === 0) {
    return { verdict: 'no-smtp', confidence: findings.some((f) => f.ruleId === 'capture.truncated-file') ? 'medium' : 'high', summary: 'No SMTP traffic was found in this capture.', reasons };
  }
  // A vendor name alone is a hint, not proof (DOMAIN.md): it never makes a capture misconfigured or at-risk.
  const abortsToAv = findings.filter((f) => f.ruleId === 'splice.abort' && f.facts.hostAv === 'strong');
  if (abortsToAv.length) {
    const acted = findings.find((f) => f.ruleId === 'hostav.acted-on-abort');
    const c: Confidence = acted ? 'high' : 'medium';
    // The contract fixes misconfigured at high (the AV acted) or medium: an abort on the wire is not made less
    // certain by capture losses elsewhere (an abort that is only a capture gap never becomes a splice.abort).
    const how = acted ? ` and the host AV acted on it anyway (${acted.message.replace(/^.*?: it /, '').replace(/\.$/, '')})` : '';
    return {
      verdict: 'misconfigured',
      confidence: c,
      summary: `FortiGate aborted a message it was streaming (SMTP splice) to a host-based AV proxy${at}${how}: disable SMTP splice.`,
      reasons,
    };
  }
  const streamingToAv = findings.filter((f) => f.ruleId === 'splice.streaming' && f.facts.hostAv === 'strong');
  if (streamingToAv.length) {
    const c = weaken('high');
    return {
      verdict: 'at-risk',
      confidence: c,
      summary: `FortiGate streams SMTP messages (splice on) into a host-based AV proxy${at}; no abort in this capture, but the next infected message will reach it: disable SMTP splice.`,
      reasons,
    };
  }
  // Encrypted sessions could hide an abort: without a finding or proof of buffering, the capture cannot clear them.
  // Even proof of buffering elsewhere does not clear them: they may pass another policy or profile (SMTPS inspection).
  const encrypted = findings.find((f) => f.ruleId === 'capture.encrypted');
  if (encrypted) {
    return {
      verdict: 'inconclusive',
      confidence: 'medium',
      summary: encrypted.facts.hidesAll
        ? 'SMTP is encrypted with STARTTLS on the legs that matter, so splice streaming and aborts cannot be seen.'
        : 'Some SMTP sessions are encrypted with STARTTLS and could hide an abort; the plaintext ones show no problem.',
      reasons,
    };
  }
  if (senderOnlyRefusal(topology)) {
    return {
      verdict: 'inconclusive',
      confidence: 'medium',
      summary: "FortiGate refused a message, but only the sender's leg is in the capture: splice cannot be told from buffering.",
      reasons,
    };
  }

  // SMTP without a single message: nothing to judge.
  if (!topology.dialogues.some((d) => [d.client, d.server].some((x) => x && x.transactions.some((t) => t.mailFrom !== undefined)))) {
    return {
      verdict: 'healthy',
      confidence: 'low',
      summary: 'SMTP sessions are present but none carries a message: capture again while a test mail (with the EICAR file) is sent.',
      reasons: [...reasons, 'no message in the capture'],
    };
  }

  // Healthy: say why.
  const buffered = findings.find((f) => f.ruleId === 'splice.buffered');
  const streaming = findings.find((f) => f.ruleId === 'splice.streaming');
  const abortsPlain = findings.find((f) => f.ruleId === 'splice.abort');
  const hostAvSeen = topology.dialogues.some((d) => d.hostAv.length > 0);
  const hintOnly = hostAvSeen && !topology.dialogues.some((d) => d.hostAv.some((s) => s.strength === 'strong'));
  let c: Confidence = 'high';
  let summary: string;
  if (hintOnly && (streaming || abortsPlain)) {
    summary =
      `FortiGate ${abortsPlain ? 'aborted a streamed message' : 'streams SMTP messages (splice on)'} toward a mail server whose greeting names an AV vendor: ` +
      'if that product proxies SMTP, splice must be disabled; confirm with --host-av or a capture of the mail server\'s loopback.';
    c = 'medium';
    reasons.push('host AV known from a vendor name only');
  } else if (buffered && !streaming) {
    summary = 'FortiGate buffers SMTP messages (splice off): nothing reaches the mail server before it is scanned.';
  } else if (abortsPlain) {
    summary = 'FortiGate aborted a streamed message, but the mail side is a plain MTA that discards aborted transactions: no host AV is affected.';
    if (!topology.dialogues.some((d) => d.relays.length || d.lone === 'mail' || (d.client && d.server))) c = 'medium';
  } else if (streaming) {
    summary = 'FortiGate streams SMTP messages (splice on), but no host-based AV proxy is in the path: nothing to fix.';
  } else if (hostAvSeen) {
    summary = 'A host-based AV is in the path, but this capture shows no streaming and no abort.';
    c = 'medium';
    reasons.push('splice mode not visible');
  } else {
    summary = 'SMTP traffic without splice aborts or a host-based AV proxy.';
  }
  return { verdict: 'healthy', confidence: weaken(c), summary, reasons };
}
