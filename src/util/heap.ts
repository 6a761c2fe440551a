// The V8 heap setting of a streamed pass: the JavaScript heap stays as small as what the pass keeps alive.

import { setFlagsFromString } from 'node:v8';

/**
 * V8 lets the old generation grow by a factor it picks from its GC and mutator speeds (up to 4x what was live after
 * the last full collection) before it collects again. A streamed pass keeps ~15 MB alive whatever the capture's size,
 * so that slack is pure waste: on the 1 GiB bench capture the old space peaked at 31-38 MiB, and garbage held by it
 * kept array buffers (message chunks) alive longer. At 25% the limit is live + 8 MiB (V8's minimum step): old space
 * 22-24 MiB, peak RSS ~230 -> ~202 MiB, 15 full collections per GiB instead of 5 (+0.2 CPU s, wall time unchanged
 * within the machine's noise). `heap_growing_percent` is read each time V8 recomputes its limits, so setting it at run
 * time takes effect at the next collection (unlike the semi-space sizes, which are fixed when the heap is made).
 * Process-wide, so only the entry point calls it, for the commands that stream (see docs/decisions-sessions-perf.md).
 */
export const HEAP_GROWING_PERCENT = 25;

export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
