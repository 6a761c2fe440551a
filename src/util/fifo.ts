// A first-in first-out queue on an array and a moving head: push and shift in O(1), no per-item allocation.

export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  /** The i-th item from the front (0: the oldest), or undefined. */
  at(i: number): T | undefined {
    return i >= 0 && this.head + i < this.items.length ? this.items[this.head + i] : undefined;
  }

  peek(): T | undefined {
    return this.at(0);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    this.compact();
    return x;
  }

  /** Drops the n oldest items. */
  drop(n: number): void {
    const k = Math.min(n, this.length);
    this.items.fill(undefined, this.head, this.head + k);
    this.head += k;
    this.compact();
  }

  /** The items, oldest first (a copy). */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  /** Once more than half the array is consumed (and at least 64 items), the consumed prefix is dropped. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
