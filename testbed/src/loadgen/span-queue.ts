/**
 * The BatchSpanProcessor's queue: a bounded ring of (trace index, span index). A push into a full
 * queue fails and the caller counts the drop, as the SDK does.
 */
export class SpanQueue {
  private readonly traces: Uint32Array;
  private readonly spans: Uint16Array;
  private head = 0;
  private n = 0;

  constructor(readonly capacity: number) {
    this.traces = new Uint32Array(capacity);
    this.spans = new Uint16Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  push(trace: number, span: number): boolean {
    if (this.n === this.capacity) return false;
    let tail = this.head + this.n;
    if (tail >= this.capacity) tail -= this.capacity;
    this.traces[tail] = trace;
    this.spans[tail] = span;
    this.n++;
    return true;
  }

  /** Moves up to `max` spans from the head into the output arrays; returns how many. */
  take(max: number, outTraces: Uint32Array, outSpans: Uint16Array): number {
    const count = Math.min(max, this.n);
    let h = this.head;
    for (let i = 0; i < count; i++) {
      outTraces[i] = this.traces[h]!;
      outSpans[i] = this.spans[h]!;
      if (++h === this.capacity) h = 0;
    }
    this.head = h;
    this.n -= count;
    return count;
  }
}
