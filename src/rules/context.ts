// Builds the context rules read (capture, sessions, topology) and the evidence helpers they share.

import type { Evidence } from '../analysis/types.js';
import type { CaptureSummary } from '../capture/types.js';
import type { SegmentRef } from '../reassembly/types.js';
import type { SmtpSession, SmtpTransaction } from '../smtp/types.js';
import { spliceAbortOf } from '../topology/abort.js';

export { spliceAbortOf };
import type { Dialogue, Topology } from '../topology/types.js';
import { isoUs, relative } from '../util/time.js';
import type { RuleContext, RuleFinding } from './types.js';

export function formatTime(capture: Pick<CaptureSummary, 'timestampKind'>, ref: { tsSec: number; tsNsec: number } | null | undefined): string | null {
  if (!ref) return null;
  return capture.timestampKind === 'relative' ? relative({ tsSec: 0, tsNsec: 0 }, ref) : isoUs(ref.tsSec, ref.tsNsec);
}

export function legNameOf(topology: Topology, session: number): string {
  const leg = topology.legs.get(session);
  if (!leg) return 'session';
  switch (leg.role) {
    case 'client':
      return leg.peer === null ? 'sender-side leg' : 'client leg';
    case 'server':
      return leg.peer === null ? 'mail-side leg' : 'server leg';
    case 'relay':
      return 'relay leg';
    case 'notification':
      return 'notification';
    default:
      return 'session';
  }
}

export function makeContext(
  capture: CaptureSummary,
  sessions: readonly SmtpSession[],
  topology: Topology,
  prior: ReadonlyArray<RuleFinding & { ruleId: string }>,
): RuleContext {
  const time = (ref: SegmentRef | null | undefined) => formatTime(capture, ref);
  const legName = (id: number) => legNameOf(topology, id);
  return {
    capture,
    sessions,
    topology,
    prior,
    time,
    legName,
    ev(session, ref, text, moreFrames = []): Evidence {
      const frames = [...new Set([...(ref ? [ref.frame] : []), ...moreFrames])].filter((f) => f > 0).sort((a, b) => a - b);
      return { frames, time: time(ref), leg: session ? legName(session.id) : 'capture', session: session ? session.id : null, text };
    },
  };
}

/** The strongest host-AV evidence of a dialogue. */
export function hostAvStrength(d: Dialogue): 'strong' | 'hint' | 'none' {
  if (d.hostAv.some((s) => s.strength === 'strong')) return 'strong';
  return d.hostAv.length ? 'hint' : 'none';
}

/**
 * One finding per host-AV strength ('strong', then 'hint', then 'none'), each over the observations of dialogues of
 * that strength, in the order given: a rule must not mix proof with hints in one finding.
 */
export function findingsByHostAvStrength<O extends { dialogue: Dialogue }, F>(obs: readonly O[], make: (group: O[], k: 'strong' | 'hint' | 'none') => F): F[] {
  const groups = new Map<'strong' | 'hint' | 'none', O[]>();
  for (const o of obs) {
    const k = hostAvStrength(o.dialogue);
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  const out: F[] = [];
  for (const k of ['strong', 'hint', 'none'] as const) {
    const g = groups.get(k);
    if (g) out.push(make(g, k));
  }
  return out;
}

export function strongest(values: Array<'strong' | 'hint' | 'none'>): 'strong' | 'hint' | 'none' {
  return values.includes('strong') ? 'strong' : values.includes('hint') ? 'hint' : 'none';
}

export function isSpliceAbort(s: SmtpSession, t: SmtpTransaction): boolean {
  return spliceAbortOf(s, t) !== null;
}

/** The leg of a dialogue that faces the mail side (a server leg, or a lone leg not known to be the sender's). */
export function mailSideLeg(d: Dialogue): SmtpSession | null {
  return d.server;
}

export function uniqSorted(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

export function plural(n: number, word: string, pl = word + 's'): string {
  return `${n} ${n === 1 ? word : pl}`;
}

export function txLabel(s: SmtpSession, t: SmtpTransaction): string {
  const id = t.message?.messageId ? ` ${t.message.messageId}` : '';
  return `session ${s.id} transaction ${t.index + 1}${id}`;
}
