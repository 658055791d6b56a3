/**
 * The tail_sampling processor's own metrics: otelcol's names and labels
 * (processor/tailsamplingprocessor/metadata.yaml; `processor` added as on every tailpipe
 * component metric), plus tailpipe's buffered bytes, early decisions and forward failures.
 *
 * Per-policy counts are accumulated in typed arrays during a tick (or a consume call) and added
 * to the counters once at the end, as otelcol does: no prom-client call per trace per policy.
 */
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { FastHistogram, type FastHistogramSeries } from './fast-histogram.ts';

type BoundCounter = ReturnType<Counter<string>['labels']>;
type BoundGauge = ReturnType<Gauge<string>['labels']>;
type BoundHistogram = ReturnType<Histogram<string>['labels']>;

/** Decision label values, indexed by DecisionKind. */
export const KIND_SAMPLED = 0;
export const KIND_NOT_SAMPLED = 1;
export const KIND_DROPPED = 2;
const KIND_LABELS = [
  { sampled: 'true', decision: 'sampled' },
  { sampled: 'false', decision: 'not_sampled' },
  { sampled: 'false', decision: 'dropped' },
] as const;
const KINDS = KIND_LABELS.length;

export type EarlyReason = 'num_traces' | 'bytes' | 'trace_size' | 'root';
export const EARLY_REASONS: readonly EarlyReason[] = ['num_traces', 'bytes', 'trace_size', 'root'];

const LATENCY_US_BUCKETS = [1, 2, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 50000];
const TIMER_MS_BUCKETS = [1, 2, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 50000];
const LATE_AGE_S_BUCKETS = [0, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export class TailSamplingTelemetry {
  private readonly tracesByPolicy: BoundCounter[];
  private readonly spansByPolicy: BoundCounter[];
  private readonly evalErrors: BoundCounter[];
  /** One observation per policy per trace: the cheap histogram (fast-histogram.ts). */
  private readonly decisionLatency: FastHistogramSeries[];
  private readonly globalTraces: BoundCounter[];
  /** Pending per-policy counts: [policy * KINDS + kind]. */
  private readonly pendingTraces: Float64Array;
  private readonly pendingSpans: Float64Array;
  private readonly pendingErrors: Float64Array;
  private readonly pendingGlobal = new Float64Array(KINDS);

  private readonly onMemory: BoundGauge;
  private readonly droppedTooEarly: BoundCounter;
  private readonly lateSpanAge: BoundHistogram;
  private readonly timerLatency: BoundHistogram;
  private readonly newTraces: BoundCounter;
  private readonly cacheReleasesSampled: BoundCounter;
  private readonly cacheReleasesNotSampled: BoundCounter;
  private readonly bufferedBytes: BoundGauge;
  private readonly early: Record<EarlyReason, BoundCounter>;
  private readonly forwardFailed: BoundCounter;
  private readonly lateSampled: BoundCounter;
  private readonly lateNotSampled: BoundCounter;

  constructor(telemetry: SelfTelemetry, processorId: string, policyLabels: readonly string[]) {
    const P = ['processor'];
    const base = { processor: processorId };
    const tracesSampled = telemetry.counter(
      'otelcol_processor_tail_sampling_count_traces_sampled',
      'Count of traces that were sampled or not per sampling policy',
      ['processor', 'policy', 'sampled', 'decision'],
    );
    const spansSampled = telemetry.counter(
      'otelcol_processor_tail_sampling_count_spans_sampled',
      'Count of spans that were sampled or not per sampling policy',
      ['processor', 'policy', 'sampled', 'decision'],
    );
    const evalError = telemetry.counter(
      'otelcol_processor_tail_sampling_sampling_policy_evaluation_error',
      'Count of sampling policy evaluation errors',
      ['processor', 'policy'],
    );
    const latency = FastHistogram.in(
      telemetry.registry,
      'otelcol_processor_tail_sampling_sampling_decision_latency',
      'Latency (in microseconds) of a given sampling policy',
      LATENCY_US_BUCKETS,
    );
    const global = telemetry.counter(
      'otelcol_processor_tail_sampling_global_count_traces_sampled',
      'Global count of traces that were sampled or not by at least one policy',
      ['processor', 'sampled', 'decision'],
    );
    this.tracesByPolicy = [];
    this.spansByPolicy = [];
    this.evalErrors = [];
    this.decisionLatency = [];
    for (const policy of policyLabels) {
      for (const kind of KIND_LABELS) {
        this.tracesByPolicy.push(tracesSampled.labels({ ...base, policy, ...kind }));
        this.spansByPolicy.push(spansSampled.labels({ ...base, policy, ...kind }));
      }
      this.evalErrors.push(evalError.labels({ ...base, policy }));
      this.decisionLatency.push(latency.bind({ ...base, policy }));
    }
    this.globalTraces = KIND_LABELS.map((kind) => global.labels({ ...base, ...kind }));
    this.pendingTraces = new Float64Array(policyLabels.length * KINDS);
    this.pendingSpans = new Float64Array(policyLabels.length * KINDS);
    this.pendingErrors = new Float64Array(policyLabels.length);

    this.onMemory = telemetry
      .gauge('otelcol_processor_tail_sampling_sampling_traces_on_memory', 'Tracks the number of traces current on memory', P)
      .labels(base);
    this.droppedTooEarly = telemetry
      .counter('otelcol_processor_tail_sampling_sampling_trace_dropped_too_early', 'Count of traces that needed to be dropped before the configured wait time', P)
      .labels(base);
    this.lateSpanAge = telemetry
      .histogram(
        'otelcol_processor_tail_sampling_sampling_late_span_age',
        'Time (in seconds) from the sampling decision was taken and the arrival of a late span',
        P,
        LATE_AGE_S_BUCKETS,
      )
      .labels(base);
    this.timerLatency = telemetry
      .histogram(
        'otelcol_processor_tail_sampling_sampling_decision_timer_latency',
        'Latency (in milliseconds) of each run of the sampling decision timer',
        P,
        TIMER_MS_BUCKETS,
      )
      .labels(base);
    this.newTraces = telemetry
      .counter('otelcol_processor_tail_sampling_new_trace_id_received', 'Counts the arrival of new traces', P)
      .labels(base);
    const cacheReleases = telemetry.counter(
      'otelcol_processor_tail_sampling_early_releases_from_cache_decision',
      'Number of spans that were able to be immediately released due to a decision cache hit.',
      ['processor', 'sampled'],
    );
    this.cacheReleasesSampled = cacheReleases.labels({ ...base, sampled: 'true' });
    this.cacheReleasesNotSampled = cacheReleases.labels({ ...base, sampled: 'false' });
    this.bufferedBytes = telemetry
      .gauge(
        'tailpipe_processor_tail_sampling_buffered_bytes',
        'Bytes held for pending traces: span slabs plus interned resources and scopes (what max_buffered_bytes bounds).',
        P,
      )
      .labels(base);
    const early = telemetry.counter(
      'tailpipe_processor_tail_sampling_early_decisions',
      'Traces decided before decision_wait ran out, by reason: num_traces or bytes (the oldest pending trace, to make room), trace_size (the trace passed maximum_trace_size_bytes or max_spans_per_trace), root (decision_wait_after_root_received).',
      ['processor', 'reason'],
    );
    this.early = {
      num_traces: early.labels({ ...base, reason: 'num_traces' }),
      bytes: early.labels({ ...base, reason: 'bytes' }),
      trace_size: early.labels({ ...base, reason: 'trace_size' }),
      root: early.labels({ ...base, reason: 'root' }),
    };
    this.forwardFailed = telemetry
      .counter(
        'tailpipe_processor_tail_sampling_forward_failed_spans',
        'Sampled spans the next component refused (they are lost; see the processor log).',
        P,
      )
      .labels(base);
    const late = telemetry.counter(
      'tailpipe_processor_tail_sampling_late_spans',
      'Spans of already decided traces (found in a decision cache or the recent decisions), by the decision they followed: sampled="true" forwarded, "false" dropped.',
      ['processor', 'sampled'],
    );
    this.lateSampled = late.labels({ ...base, sampled: 'true' });
    this.lateNotSampled = late.labels({ ...base, sampled: 'false' });
    // Zero-initialise so dashboards and rate() see the series before the first event.
    for (const c of [...this.tracesByPolicy, ...this.spansByPolicy, ...this.evalErrors, ...this.globalTraces]) c.inc(0);
    for (const c of [this.droppedTooEarly, this.newTraces, this.cacheReleasesSampled, this.cacheReleasesNotSampled, this.forwardFailed, this.lateSampled, this.lateNotSampled]) c.inc(0);
    for (const r of EARLY_REASONS) this.early[r].inc(0);
    this.onMemory.set(0);
    this.bufferedBytes.set(0);
  }

  // ---- accumulated per decision, flushed once per tick / consume ----

  addPolicyDecision(policy: number, kind: number, spans: number): void {
    const i = policy * KINDS + kind;
    this.pendingTraces[i]!++;
    this.pendingSpans[i]! += spans;
  }

  addPolicyError(policy: number): void {
    this.pendingErrors[policy]!++;
  }

  addFinalDecision(kind: number): void {
    this.pendingGlobal[kind]!++;
  }

  observeDecisionLatency(policy: number, micros: number): void {
    this.decisionLatency[policy]!.observe(micros);
  }

  flush(): void {
    const t = this.pendingTraces;
    const s = this.pendingSpans;
    for (let i = 0; i < t.length; i++) {
      if (t[i] !== 0) {
        this.tracesByPolicy[i]!.inc(t[i]);
        this.spansByPolicy[i]!.inc(s[i]);
        t[i] = 0;
        s[i] = 0;
      }
    }
    const e = this.pendingErrors;
    for (let i = 0; i < e.length; i++) {
      if (e[i] !== 0) {
        this.evalErrors[i]!.inc(e[i]);
        e[i] = 0;
      }
    }
    const g = this.pendingGlobal;
    for (let i = 0; i < KINDS; i++) {
      if (g[i] !== 0) {
        this.globalTraces[i]!.inc(g[i]);
        g[i] = 0;
      }
    }
  }

  // ---- direct ----

  setOnMemory(traces: number, bytes: number): void {
    this.onMemory.set(traces);
    this.bufferedBytes.set(bytes);
  }

  onDroppedTooEarly(traces: number): void {
    this.droppedTooEarly.inc(traces);
  }

  onLateSpan(ageSeconds: number): void {
    this.lateSpanAge.observe(ageSeconds);
  }

  onLateSpans(sampled: boolean, spans: number): void {
    (sampled ? this.lateSampled : this.lateNotSampled).inc(spans);
  }

  onTimer(ms: number): void {
    this.timerLatency.observe(ms);
  }

  onNewTraces(n: number): void {
    this.newTraces.inc(n);
  }

  onCacheRelease(sampled: boolean, spans: number): void {
    (sampled ? this.cacheReleasesSampled : this.cacheReleasesNotSampled).inc(spans);
  }

  onEarlyDecisions(reason: EarlyReason, traces: number): void {
    this.early[reason].inc(traces);
  }

  onForwardFailed(spans: number): void {
    this.forwardFailed.inc(spans);
  }
}
