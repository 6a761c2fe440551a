// Timestamp formatting shared by every report: exact (integer seconds + nanoseconds), never via floating point.

export interface Ts {
  tsSec: number;
  tsNsec: number;
}

/** Largest |seconds| a Date holds (±100,000,000 days from the epoch). */
const MAX_DATE_SEC = 8.64e12;

/** `YYYY-MM-DDTHH:MM:SS`; a damaged capture's timestamp beyond Date's range (toISOString would throw) is clamped to it. */
function isoBase(sec: number): string {
  const s = Number.isFinite(sec) ? Math.max(-MAX_DATE_SEC, Math.min(MAX_DATE_SEC, Math.floor(sec))) : 0;
  // Timestamps come in runs within the same second (a session's commands and replies): one Date per second, not per
  // timestamp (~3% of the sessions pass's main thread went here).
  if (s === lastSec) return lastBase;
  lastSec = s;
  lastBase = new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  return lastBase;
}
let lastSec = NaN;
let lastBase = '';

/** ISO 8601 UTC with 9 fractional digits, e.g. 2024-05-01T10:11:12.123456789Z. */
export function isoNs(sec: number, nsec: number): string {
  const base = isoBase(sec);
  return `${base}.${String(nsec).padStart(9, '0')}Z`;
}

/** ISO 8601 UTC with microseconds (reports meant for people). */
export function isoUs(sec: number, nsec: number): string {
  const base = isoBase(sec);
  return `${base}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}Z`;
}

/** Seconds from a to b as a float (for durations and relative offsets; exact enough for display). */
export function secondsBetween(a: Ts, b: Ts): number {
  return b.tsSec - a.tsSec + (b.tsNsec - a.tsNsec) / 1e9;
}

/** '+12.345678s' style relative time with microsecond precision, computed in integers. */
export function relative(from: Ts, to: Ts): string {
  const ns = (BigInt(to.tsSec) - BigInt(from.tsSec)) * 1_000_000_000n + BigInt(to.tsNsec - from.tsNsec);
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  const us = abs / 1000n;
  return `${neg ? '-' : '+'}${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}s`;
}

/** Compare two timestamps. */
export function compareTs(a: Ts, b: Ts): number {
  return a.tsSec - b.tsSec || a.tsNsec - b.tsNsec;
}
