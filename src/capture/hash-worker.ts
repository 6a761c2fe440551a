// Worker thread that computes a file's sha256 from shared read buffers, so hashing runs beside parsing.

import { createHash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

type Msg = { sab: SharedArrayBuffer } | { jobs: Array<{ slot: number; offset: number; len: number }> } | { final: true };

let sab: SharedArrayBuffer | null = null;
const hash = createHash('sha256');

parentPort!.on('message', (m: Msg) => {
  if ('sab' in m) sab = m.sab;
  else if ('jobs' in m) {
    // Slots arrive in file order; one answer frees them all.
    for (const j of m.jobs) hash.update(new Uint8Array(sab!, j.offset, j.len));
    parentPort!.postMessage({ done: m.jobs.map((j) => j.slot) });
  } else parentPort!.postMessage({ digest: hash.digest('hex') });
});
