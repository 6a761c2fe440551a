// Message bytes in shared memory: the full chunks of a message in progress are copied into slots of one
// SharedArrayBuffer as they fill, so that the MIME worker reads a finished message where it already is.

import { isMainThread } from 'node:worker_threads';

/** One slot holds one full chunk of a retained message (see MessageSink in body.ts). */
export const SLOT_BYTES = 32 * 1024;
/**
 * 128 MiB of address space. Only slots that have been used become resident, and freed slots are reused first (a
 * stack), so what a run costs is the most slots it held at once: its messages in progress plus those waiting for
 * the worker (37-41 MiB on the bench's 200 concurrent transfers). When none is free a chunk simply stays private.
 */
const SLOT_COUNT = 4096;

/**
 * Slots are used where messages go to the MIME worker: on the main thread, unless SPLICE_DOCTOR_MIME_INLINE=1
 * (see mime-pool.ts), and until the worker fails.
 */
class SlotPool {
  private sab: SharedArrayBuffer | null = null;
  /** Free slot indices; the top of the stack is the next one given. */
  private readonly free = new Int32Array(SLOT_COUNT);
  private nFree = 0;
  private on = isMainThread && !process.env.SPLICE_DOCTOR_MIME_INLINE;
  /** Chunks stored so far (for tests). */
  stored = 0;

  /** Slots may be given out (the worker is usable). */
  get enabled(): boolean {
    return this.on;
  }

  /** No more slots are given out (the MIME worker failed); slots still held stay readable until released. */
  disable(): void {
    this.on = false;
  }

  /** The shared memory, made on first use. */
  buffer(): SharedArrayBuffer {
    if (this.sab === null) {
      this.sab = new SharedArrayBuffer(SLOT_COUNT * SLOT_BYTES);
      // Lowest index on top: a run that needs few slots only touches the start of the buffer.
      for (let i = 0; i < SLOT_COUNT; i++) this.free[i] = SLOT_COUNT - 1 - i;
      this.nFree = SLOT_COUNT;
    }
    return this.sab;
  }

  /** Slots given out and not released. */
  get inUse(): number {
    return this.sab === null ? 0 : SLOT_COUNT - this.nFree;
  }

  /**
   * Copies b[0..n) into a free slot and returns the slot's view of those bytes, or null when slots are off or none is
   * free. Source and target both start on an allocation boundary: V8 copies into shared memory with relaxed atomic
   * accesses, several times slower when the two are not equally aligned.
   */
  store(b: Uint8Array, n: number): Uint8Array | null {
    if (!this.on) return null;
    const sab = this.buffer();
    if (this.nFree === 0) return null;
    const i = this.free[--this.nFree];
    const view = new Uint8Array(sab, i * SLOT_BYTES, n);
    view.set(n === b.length ? b : b.subarray(0, n));
    this.stored++;
    return view;
  }

  /** The slot index of a view made by store(), or -1 for any other array. */
  indexOf(v: Uint8Array): number {
    return this.sab !== null && v.buffer === this.sab ? v.byteOffset / SLOT_BYTES : -1;
  }

  /** Gives a slot back; its view must not be used afterwards. */
  release(i: number): void {
    this.free[this.nFree++] = i;
  }
}

export const slots = new SlotPool();
