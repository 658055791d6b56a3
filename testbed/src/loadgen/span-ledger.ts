/**
 * What happened to every span the generator owns, indexed by global span index
 * (trace index x spans per trace + span index): its final outcome, how many export attempts
 * carried it and how many of those the edge refused (retryable answers, timeouts included).
 * One byte per column per span; counters saturate at 255.
 */
export const SpanOutcome = {
  /** Not this worker's span, or not generated (yet). */
  NOT_GENERATED: 0,
  /** Generated; waiting for its end time, in the queue or in an export. */
  PENDING: 1,
  ACCEPTED: 2,
  DROPPED_QUEUE_FULL: 3,
  FAILED_RETRIES_EXHAUSTED: 4,
  FAILED_PERMANENT: 5,
  /** Still pending when the shutdown timeout ran out. */
  DROPPED_AT_SHUTDOWN: 6,
} as const;
export type SpanOutcomeCode = (typeof SpanOutcome)[keyof typeof SpanOutcome];

export const SPAN_OUTCOME_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(SpanOutcome).map(([name, code]) => [code, name.toLowerCase()]),
);

/** The raw columns, as sent between threads (the buffers are transferred, not copied). */
export interface SpanLedgerData {
  spansPerTrace: number;
  traceCount: number;
  outcome: Uint8Array;
  attempts: Uint8Array;
  refusals: Uint8Array;
}

export class SpanLedger {
  outcome: Uint8Array;
  attempts: Uint8Array;
  refusals: Uint8Array;
  /** Traces covered (the arrays may be longer). */
  traceCount = 0;

  constructor(
    readonly spansPerTrace: number,
    initialTraces = 1024,
  ) {
    const n = Math.max(1, initialTraces) * spansPerTrace;
    this.outcome = new Uint8Array(n);
    this.attempts = new Uint8Array(n);
    this.refusals = new Uint8Array(n);
  }

  static fromData(d: SpanLedgerData): SpanLedger {
    const l = new SpanLedger(d.spansPerTrace, 1);
    l.outcome = d.outcome;
    l.attempts = d.attempts;
    l.refusals = d.refusals;
    l.traceCount = d.traceCount;
    return l;
  }

  get spanCount(): number {
    return this.traceCount * this.spansPerTrace;
  }

  /** Makes room for traces [0, traces) (doubling, so growth is amortised). */
  ensureTraces(traces: number): void {
    if (traces > this.traceCount) this.traceCount = traces;
    const need = traces * this.spansPerTrace;
    if (need <= this.outcome.length) return;
    let cap = this.outcome.length;
    while (cap < need) cap *= 2;
    this.outcome = grown(this.outcome, cap);
    this.attempts = grown(this.attempts, cap);
    this.refusals = grown(this.refusals, cap);
  }

  setOutcome(trace: number, span: number, outcome: number): void {
    this.outcome[trace * this.spansPerTrace + span] = outcome;
  }

  addAttempt(trace: number, span: number, refused: boolean): void {
    const i = trace * this.spansPerTrace + span;
    if (this.attempts[i]! < 255) this.attempts[i]!++;
    if (refused && this.refusals[i]! < 255) this.refusals[i]!++;
  }

  /** Trimmed copies of the columns (for transfer). */
  toData(): SpanLedgerData {
    const n = this.spanCount;
    return {
      spansPerTrace: this.spansPerTrace,
      traceCount: this.traceCount,
      outcome: this.outcome.slice(0, n),
      attempts: this.attempts.slice(0, n),
      refusals: this.refusals.slice(0, n),
    };
  }

  /**
   * Folds another worker's ledger into this one. Each span has one owner and the others hold 0, so
   * adding is merging.
   */
  merge(other: SpanLedgerData): void {
    this.ensureTraces(other.traceCount);
    const n = other.traceCount * other.spansPerTrace;
    for (let i = 0; i < n; i++) {
      this.outcome[i]! += other.outcome[i]!;
      this.attempts[i] = Math.min(255, this.attempts[i]! + other.attempts[i]!);
      this.refusals[i] = Math.min(255, this.refusals[i]! + other.refusals[i]!);
    }
  }

  /** Number of spans per outcome code. */
  countOutcomes(): number[] {
    const counts = new Array<number>(7).fill(0);
    const n = this.spanCount;
    for (let i = 0; i < n; i++) counts[this.outcome[i]!]!++;
    return counts;
  }
}

function grown(a: Uint8Array, cap: number): Uint8Array {
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}
