/**
 * The validator: accounts for every span of a run, from the generator's ledger, what the backend
 * received and the drops the collectors counted; and, per trace, what survived (for tail-sampling
 * scenarios). Plain data in, plain data out.
 */
import type { LoadReport } from '../loadgen/load-report.ts';
import { SpanOutcome } from '../loadgen/span-ledger.ts';
import { readU32, spanIdRunBits, spanIdSpanIndex, spanIdTraceIndex, spanIdTrailer } from '../loadgen/trace-ids.ts';
import type { ReceivedSpans } from '../backend/span-store.ts';
import { sumMetric, type LabelFilter, type PromSample } from './prometheus-text.ts';

export interface DropMetric {
  name: string;
  labels?: LabelFilter;
  /**
   * drop: spans lost inside a collector (they count against `missing`);
   * refusal: spans a collector handed back to its sender, which retried or counted them itself
   * (reported only, or they would be counted twice).
   */
  kind: 'drop' | 'refusal';
}

/** otelcol's own metric names for lost and refused spans. */
export const OTELCOL_DROP_METRICS: readonly DropMetric[] = [
  { name: 'otelcol_exporter_send_failed_spans', kind: 'drop' },
  { name: 'otelcol_exporter_enqueue_failed_spans', kind: 'drop' },
  { name: 'otelcol_processor_dropped_spans', kind: 'drop' },
  { name: 'otelcol_receiver_refused_spans', kind: 'refusal' },
  { name: 'otelcol_processor_refused_spans', kind: 'refusal' },
  { name: 'otelcol_processor_memory_limiter_refused_spans', kind: 'refusal' },
];

export interface AccountingInput {
  load: LoadReport;
  received: ReceivedSpans;
  /** Final scrape of each collector's metrics. */
  collectorMetrics?: readonly (readonly PromSample[])[];
  dropMetrics?: readonly DropMetric[];
  /** Tail sampling: a sent trace with no span received was sampled out, not lost. */
  sampling?: boolean;
}

export interface SpanAccounting {
  /** Created by the generator. */
  generated: number;
  /** Dropped by the generator: queue full (the SDK's dropped spans). */
  droppedByGenerator: number;
  droppedAtShutdown: number;
  /** Accepted by the system under test (an OK answer). */
  sent: number;
  /** Spans that got at least one refusal (retryable or not) from the edge. */
  refusedAtEdge: number;
  /** Refusals summed over spans (a span refused twice counts twice). */
  refusals: number;
  /** Spans exported more than once. */
  retried: number;
  /** Given up by the generator (retries exhausted or a permanent error). */
  failedAtEdge: number;
  /** Rows the backend holds, all of them. */
  receivedTotal: number;
  /** Distinct spans of this run received. */
  receivedUnique: number;
  /** Of those, spans the edge had accepted. */
  receivedUniqueSent: number;
  /** Received although not accepted at the edge (e.g. a timeout after the backend stored it). */
  receivedNotSent: number;
  /** Extra receptions beyond the first. */
  duplicates: number;
  /** Spans received more than once. */
  duplicatedSpans: number;
  /** Rows that are not spans of this run. */
  foreign: number;
  /** Sent, never received. */
  missing: number;
  /** Drops the collectors counted (metrics of kind drop). */
  countedDrops: number;
  /** Refusals the collectors counted (metrics of kind refusal); informational. */
  countedRefusals: number;
  countedByMetric: Record<string, number>;
  /** Sampling runs: spans of sent traces of which nothing arrived. */
  sampledOut: number;
  /** missing - countedDrops - sampledOut, signed: negative means more was counted than is missing. */
  unexplained: number;
  /** max(0, unexplained). */
  unexplainedClamped: number;
  /** unexplained < 0. */
  overExplained: boolean;
  /** Received spans whose tenant differs from their trace's. */
  tenantMismatches: number;
}

export interface TraceAccounting {
  total: number;
  /** Traces all of whose spans the edge accepted. */
  sentComplete: number;
  /** At least one span received. */
  kept: number;
  /** Every span received. */
  keptComplete: number;
  /** Kept, every span sent, yet some span missing: the pipeline broke the trace. */
  keptIncomplete: number;
  /** Kept and incomplete, but some span never left the generator. */
  keptIncompleteAtSource: number;
  /** Up to ten trace indexes of keptIncomplete traces. */
  incompleteExamples: number[];
  errorTraces: number;
  errorTracesKept: number;
  slowTraces: number;
  slowTracesKept: number;
  /** Endpoints with at least one trace generated / kept. */
  endpoints: number;
  endpointsKept: number;
  tracesPerEndpoint: number[];
  keptPerEndpoint: number[];
}

export interface AccountingResult {
  spans: SpanAccounting;
  traces: TraceAccounting;
}

export function accountSpans(input: AccountingInput): AccountingResult {
  const { load, received } = input;
  const { ledger, truth } = load;
  const n = ledger.spansPerTrace;
  const traceCount = load.traceCount;
  const spanCount = traceCount * n;
  const outcome = ledger.outcome;

  // Receptions per span (saturating at 255) and tenant checks.
  const receptions = new Uint8Array(spanCount);
  const runBits = spanIdRunBits(load.runTag);
  const tenantIndexOf = received.tenantNames.map((name) => {
    const i = truth.tenantNames.indexOf(name);
    return truth.tenantNames.length === 0 ? (name === '' ? 0 : -1) : i;
  });
  let foreign = 0;
  let tenantMismatches = 0;
  const tid = received.traceIds;
  const sid = received.spanIds;
  for (let r = 0; r < received.count; r++) {
    const tp = r * 16;
    const sp = r * 8;
    const t = readU32(tid, tp + 4);
    if (
      readU32(tid, tp) !== load.runTag ||
      t >= traceCount ||
      readU32(tid, tp + 8) !== truth.salt0[t] ||
      readU32(tid, tp + 12) !== truth.salt1[t] ||
      spanIdTraceIndex(sid, sp) !== t ||
      spanIdTrailer(sid, sp) !== runBits
    ) {
      foreign++;
      continue;
    }
    const j = spanIdSpanIndex(sid, sp);
    if (j >= n) {
      foreign++;
      continue;
    }
    const i = t * n + j;
    if (receptions[i]! < 255) receptions[i]!++;
    if (tenantIndexOf[received.tenant[r]!] !== truth.tenant[t]) tenantMismatches++;
  }

  // Per span.
  let generated = 0;
  let droppedByGenerator = 0;
  let droppedAtShutdown = 0;
  let sent = 0;
  let failedAtEdge = 0;
  let refusedAtEdge = 0;
  let refusals = 0;
  let retried = 0;
  let receivedUnique = 0;
  let receivedUniqueSent = 0;
  let duplicates = 0;
  let duplicatedSpans = 0;
  for (let i = 0; i < spanCount; i++) {
    const o = outcome[i]!;
    if (o !== SpanOutcome.NOT_GENERATED) generated++;
    if (o === SpanOutcome.DROPPED_QUEUE_FULL) droppedByGenerator++;
    else if (o === SpanOutcome.DROPPED_AT_SHUTDOWN) droppedAtShutdown++;
    else if (o === SpanOutcome.ACCEPTED) sent++;
    else if (o === SpanOutcome.FAILED_PERMANENT || o === SpanOutcome.FAILED_RETRIES_EXHAUSTED) failedAtEdge++;
    if (ledger.refusals[i]! > 0) refusedAtEdge++;
    refusals += ledger.refusals[i]!;
    if (ledger.attempts[i]! > 1) retried++;
    const rc = receptions[i]!;
    if (rc > 0) {
      receivedUnique++;
      if (o === SpanOutcome.ACCEPTED) receivedUniqueSent++;
      if (rc > 1) {
        duplicatedSpans++;
        duplicates += rc - 1;
      }
    }
  }

  // Per trace.
  const endpointCount = truth.endpointCount;
  const tracesPerEndpoint = new Array<number>(endpointCount).fill(0);
  const keptPerEndpoint = new Array<number>(endpointCount).fill(0);
  const traces: TraceAccounting = {
    total: traceCount,
    sentComplete: 0,
    kept: 0,
    keptComplete: 0,
    keptIncomplete: 0,
    keptIncompleteAtSource: 0,
    incompleteExamples: [],
    errorTraces: 0,
    errorTracesKept: 0,
    slowTraces: 0,
    slowTracesKept: 0,
    endpoints: 0,
    endpointsKept: 0,
    tracesPerEndpoint,
    keptPerEndpoint,
  };
  let sampledOut = 0;
  for (let t = 0; t < traceCount; t++) {
    let sentSpans = 0;
    let got = 0;
    for (let j = 0; j < n; j++) {
      if (outcome[t * n + j] === SpanOutcome.ACCEPTED) sentSpans++;
      if (receptions[t * n + j]! > 0) got++;
    }
    const e = truth.endpoint[t]!;
    tracesPerEndpoint[e]!++;
    const error = truth.isError(t);
    const slow = truth.isSlow(t);
    if (error) traces.errorTraces++;
    if (slow) traces.slowTraces++;
    const allSent = sentSpans === n;
    if (allSent) traces.sentComplete++;
    if (got === 0) {
      sampledOut += sentSpans;
      continue;
    }
    traces.kept++;
    keptPerEndpoint[e]!++;
    if (error) traces.errorTracesKept++;
    if (slow) traces.slowTracesKept++;
    if (got === truth.spanCount[t]) traces.keptComplete++;
    else if (allSent) {
      traces.keptIncomplete++;
      if (traces.incompleteExamples.length < 10) traces.incompleteExamples.push(t);
    } else traces.keptIncompleteAtSource++;
  }
  for (let e = 0; e < endpointCount; e++) {
    if (tracesPerEndpoint[e]! > 0) traces.endpoints++;
    if (keptPerEndpoint[e]! > 0) traces.endpointsKept++;
  }
  if (!input.sampling) sampledOut = 0;

  // What the collectors counted.
  const countedByMetric: Record<string, number> = {};
  let countedDrops = 0;
  let countedRefusals = 0;
  for (const m of input.dropMetrics ?? OTELCOL_DROP_METRICS) {
    let v = 0;
    for (const scrape of input.collectorMetrics ?? []) v += sumMetric(scrape, m.name, m.labels);
    const key = m.labels && Object.keys(m.labels).length ? `${m.name}${JSON.stringify(m.labels, (_k, x: unknown) => (x instanceof RegExp ? x.source : x))}` : m.name;
    countedByMetric[key] = (countedByMetric[key] ?? 0) + v;
    if (m.kind === 'drop') countedDrops += v;
    else countedRefusals += v;
  }

  const missing = sent - receivedUniqueSent;
  const unexplained = missing - countedDrops - sampledOut;
  return {
    spans: {
      generated,
      droppedByGenerator,
      droppedAtShutdown,
      sent,
      refusedAtEdge,
      refusals,
      retried,
      failedAtEdge,
      receivedTotal: received.count,
      receivedUnique,
      receivedUniqueSent,
      receivedNotSent: receivedUnique - receivedUniqueSent,
      duplicates,
      duplicatedSpans,
      foreign,
      missing,
      countedDrops,
      countedRefusals,
      countedByMetric,
      sampledOut,
      unexplained,
      unexplainedClamped: Math.max(0, unexplained),
      overExplained: unexplained < 0,
      tenantMismatches,
    },
    traces,
  };
}
