// Wrap-around-safe TCP sequence arithmetic (RFC 1982 serial numbers, 32 bits).

/** Signed distance a - b in sequence space, in (-2^31, 2^31]. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLte(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGte(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** a + n modulo 2^32 (n may be negative or larger than 2^32). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** |a - b| in sequence space. */
export function seqDistance(a: number, b: number): number {
  const d = (a - b) | 0;
  return d < 0 ? -d : d;
}
