// Space in a ring buffer for allocations that are freed in the order they were made (the MIME worker's jobs).

export class RingSpace {
  /** Used space is [tail, head), or, after a wrap-around, [tail, wrap) and [0, head). */
  private head = 0;
  private tail = 0;
  private wrap = -1;
  private live = 0;
  /** Wrap-arounds so far. */
  wraps = 0;

  constructor(
    readonly size: number,
    private readonly align = 64,
  ) {}

  /** Allocations not yet freed. */
  get count(): number {
    return this.live;
  }

  /** Offset of space for n bytes (rounded up to the alignment; the end is `offset + rounded(n)`), or -1. */
  allocate(n: number): number {
    const size = Math.ceil(Math.max(n, 1) / this.align) * this.align;
    if (size > this.size) return -1;
    if (this.live === 0) {
      // Empty: start over at 0, so that a ring that keeps up only ever touches its first pages.
      this.head = this.tail = 0;
      this.wrap = -1;
    }
    let at = -1;
    if (this.wrap < 0) {
      if (this.head + size <= this.size) at = this.head;
      else if (size <= this.tail) {
        this.wrap = this.head;
        this.wraps++;
        at = 0;
      }
    } else if (this.head + size <= this.tail) {
      at = this.head;
    }
    if (at < 0) return -1;
    this.head = at + size;
    this.live++;
    return at;
  }

  /** End of the space given for an allocation of n bytes at `offset`. */
  end(offset: number, n: number): number {
    return offset + Math.ceil(Math.max(n, 1) / this.align) * this.align;
  }

  /** Frees the oldest allocation, whose space ended at `end`. */
  freeOldest(end: number): void {
    if (this.live === 0) return;
    this.live--;
    if (end === this.wrap) {
      // The last allocation before the wrap-around: what is still used starts at 0.
      this.tail = 0;
      this.wrap = -1;
    } else {
      this.tail = end;
    }
  }

  /** Forgets every allocation. */
  reset(): void {
    this.live = 0;
  }
}
