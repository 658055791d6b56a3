/**
 * The contract between the tail_sampling engine (which buffers traces and decides when to
 * evaluate them) and the policies (which look at a trace and say sampled or not). Policies read
 * spans through the SpanBatch accessors and lazy attribute look-ups: no span objects.
 */
import type { SpanBatch } from '../../../pdata/span-batch.ts';
import type { SelfTelemetry } from '../../../telemetry/self-telemetry.ts';
import type { Logger } from 'pino';

/** otelcol's sampling.Decision values. */
export const enum Decision {
  Unspecified = 0,
  Pending = 1,
  Sampled = 2,
  NotSampled = 3,
  Dropped = 4,
  InvertSampled = 5,
  InvertNotSampled = 6,
  Error = 7,
}

/**
 * What a policy sees of one buffered trace. The view and its batch live in a scratch buffer the
 * engine reuses: they are valid only during evaluate() / afterDecision(); a policy must copy what
 * it wants to keep (ids, keys), never hold the view or the batch.
 */
export interface TraceView {
  /** Every span received for the trace so far, in arrival order (one batch, all the same trace id). */
  readonly batch: SpanBatch;
  /** The 16 trace id bytes. */
  readonly traceId: Buffer;
  /** Wire bytes of the buffered spans (span payloads). */
  readonly byteSize: number;
  /** When the first span of the trace arrived (ms, engine clock). */
  readonly firstArrivalMs: number;
  /** True when the engine decided early (memory caps) before decision_wait ran out. */
  readonly incomplete: boolean;
}

export interface PolicyEvaluator {
  /** The policy's `name` from the config (unique). */
  readonly name: string;
  /** The policy's `type` from the config. */
  readonly type: string;
  /** Evaluate one trace. Throwing counts as Decision.Error (sampling_policy_evaluation_error). */
  evaluate(trace: TraceView, nowMs: number): Decision;
  /**
   * Called once per trace after the final decision (combineDecisions over every policy), with
   * whether the trace is kept. Stateful policies that must know what the other policies decided
   * (endpoint_floor counts kept traces per key) implement it; the others leave it out.
   */
  afterDecision?(trace: TraceView, sampled: boolean, nowMs: number): void;
}

export interface PolicySettings {
  readonly logger: Logger;
  readonly telemetry: SelfTelemetry;
  /** The processor's component id (metric label). */
  readonly processorId: string;
  /** Engine clock (ms), injectable so tests use fake time. */
  readonly now: () => number;
}
