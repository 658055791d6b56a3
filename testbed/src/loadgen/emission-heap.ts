/**
 * Spans waiting for their end time, as a binary min-heap over typed arrays (due time, trace index,
 * span index). Spans are emitted when they end, root last, so a trace's spans reach the queue at
 * different times and land in different requests, as with a real SDK.
 */
export class EmissionHeap {
  private due: Float64Array;
  private traces: Uint32Array;
  private spans: Uint16Array;
  private n = 0;

  constructor(initialCapacity = 4096) {
    this.due = new Float64Array(initialCapacity);
    this.traces = new Uint32Array(initialCapacity);
    this.spans = new Uint16Array(initialCapacity);
  }

  get size(): number {
    return this.n;
  }

  /** Due time of the earliest span; Infinity when empty. */
  peekDue(): number {
    return this.n === 0 ? Infinity : this.due[0]!;
  }
  peekTrace(): number {
    return this.traces[0]!;
  }
  peekSpan(): number {
    return this.spans[0]!;
  }

  push(due: number, trace: number, span: number): void {
    if (this.n === this.due.length) this.grow();
    const d = this.due;
    const tr = this.traces;
    const sp = this.spans;
    // Sift up by moving parents down into the hole, then write once.
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      if (d[p]! <= due) break;
      d[i] = d[p]!;
      tr[i] = tr[p]!;
      sp[i] = sp[p]!;
      i = p;
    }
    d[i] = due;
    tr[i] = trace;
    sp[i] = span;
  }

  /** Removes the earliest span (read it with peek* first). */
  pop(): void {
    const n = --this.n;
    if (n === 0) return;
    const d = this.due;
    const tr = this.traces;
    const sp = this.spans;
    const due = d[n]!;
    const trace = tr[n]!;
    const span = sp[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && d[c + 1]! < d[c]!) c++;
      if (d[c]! >= due) break;
      d[i] = d[c]!;
      tr[i] = tr[c]!;
      sp[i] = sp[c]!;
      i = c;
    }
    d[i] = due;
    tr[i] = trace;
    sp[i] = span;
  }

  private grow(): void {
    const cap = this.due.length * 2;
    const d = new Float64Array(cap);
    d.set(this.due);
    const tr = new Uint32Array(cap);
    tr.set(this.traces);
    const sp = new Uint16Array(cap);
    sp.set(this.spans);
    this.due = d;
    this.traces = tr;
    this.spans = sp;
  }
}
