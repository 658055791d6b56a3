/**
 * A FIFO ring buffer. Array.shift() is O(n) on large arrays (V8 moves the elements once the
 * array leaves its fast "left-trim" path), so the queue keeps a power-of-two array with head and
 * tail indices instead; it doubles when full (amortised, and only until the queue's high-water
 * mark is reached), and never shrinks.
 */
export class Ring<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 64) {
    let cap = 1;
    while (cap < initialCapacity) cap <<= 1;
    this.items = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = item;
    this.count++;
  }

  /** Removes and returns the oldest item, undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const i = this.head;
    const item = this.items[i];
    this.items[i] = undefined; // let the batch be collected once sent
    this.head = (i + 1) & this.mask;
    this.count--;
    return item;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** Removes every item, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) out.push(item);
    return out;
  }

  private grow(): void {
    const old = this.items;
    const cap = old.length * 2;
    const next = new Array<T | undefined>(cap).fill(undefined);
    for (let k = 0; k < this.count; k++) next[k] = old[(this.head + k) & this.mask];
    this.items = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}
