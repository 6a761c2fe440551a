// Byte-array helpers shared by the stages.

/** The arrays joined into one new plain Uint8Array (Buffer.concat would make a Buffer, whose map differs). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
