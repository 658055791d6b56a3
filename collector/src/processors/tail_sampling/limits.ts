/**
 * The numbers the engine runs with, derived from the config: some depend on several keys.
 */
import type { TailSamplingConfig } from './config.ts';

/** Without an explicit maximum_trace_size_bytes, one trace may hold at most this share of max_buffered_bytes. */
export const DERIVED_TRACE_SHARE = 16;
const MAX_TRACE_BYTES = 2 ** 31;

export interface EffectiveLimits {
  decisionWaitMs: number;
  /** 0 = off. */
  rootWaitMs: number;
  numTraces: number;
  maxBufferedBytes: number;
  maxTraceBytes: number;
  /** 0 = no limit. */
  maxSpansPerTrace: number;
  /** Pending-trace table size to start with (it grows to num_traces). */
  initialTraces: number;
  /** Ticker period: decision_wait / 10 (or the root wait / 10), between 10 ms and 1 s. */
  tickMs: number;
}

export function effectiveLimits(cfg: TailSamplingConfig): EffectiveLimits {
  const waits = cfg.decision_wait_after_root_received > 0 ? Math.min(cfg.decision_wait, cfg.decision_wait_after_root_received) : cfg.decision_wait;
  // otelcol sizes its id batcher from expected_new_traces_per_sec; here it sizes the table.
  const expected = Math.ceil(cfg.expected_new_traces_per_sec * (cfg.decision_wait / 1000) * 1.25);
  return {
    decisionWaitMs: cfg.decision_wait,
    rootWaitMs: cfg.decision_wait_after_root_received,
    numTraces: cfg.num_traces,
    maxBufferedBytes: cfg.max_buffered_bytes,
    // At most 2^31: per-trace byte counts are u32, and a trace passes the cap by one request at most.
    maxTraceBytes: Math.min(MAX_TRACE_BYTES, cfg.maximum_trace_size_bytes > 0 ? cfg.maximum_trace_size_bytes : Math.floor(cfg.max_buffered_bytes / DERIVED_TRACE_SHARE)),
    maxSpansPerTrace: cfg.max_spans_per_trace,
    initialTraces: Math.min(cfg.num_traces, Math.max(1024, expected)),
    tickMs: Math.min(1000, Math.max(10, Math.floor(waits / 10))),
  };
}
