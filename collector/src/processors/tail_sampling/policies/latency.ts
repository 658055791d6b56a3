/**
 * latency: the trace's duration, max(end) - min(start) over its spans, in whole milliseconds
 * (Go's Duration.Milliseconds(), truncated), against threshold_ms / upper_threshold_ms.
 *
 * otelcol's exact rules, kept for a mixed fleet to agree:
 * - without upper_threshold_ms (0): sampled when duration >= threshold_ms;
 * - with it: sampled when threshold_ms < duration <= upper_threshold_ms (the lower bound is
 *   exclusive then);
 * - the test runs after each span, on the running min/max, and the first span that satisfies
 *   it decides: a trace whose full duration exceeds the upper bound is still sampled if a prefix
 *   of its spans (in arrival order) fell inside the range;
 * - a start or end of 0 counts as "unset" for the running min/max, as otelcol's `== 0` checks.
 *
 * Times are compared as (hi, lo) u32 words, so nanosecond boundaries are exact (a double holds
 * a 1.7e18 ns timestamp only to 256 ns).
 */
import { SPAN_STRIDE, S_END_HI, S_END_LO, S_START_HI, S_START_LO } from '../../../pdata/span-batch.ts';
import type { LatencyConfig } from './config.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

const TWO_32 = 4294967296;

export class LatencyPolicy implements PolicyEvaluator {
  readonly type = 'latency';
  private readonly thresholdMs: number;
  private readonly upperMs: number;

  constructor(
    readonly name: string,
    cfg: LatencyConfig,
  ) {
    this.thresholdMs = cfg.threshold_ms;
    this.upperMs = cfg.upper_threshold_ms;
  }

  evaluate(trace: TraceView): Decision {
    const b = trace.batch;
    const s = b.spans;
    let minHi = 0;
    let minLo = 0;
    let maxHi = 0;
    let maxLo = 0;
    for (let i = 0; i < b.spanCount; i++) {
      const o = i * SPAN_STRIDE;
      const sHi = s[o + S_START_HI]!;
      const sLo = s[o + S_START_LO]!;
      const eHi = s[o + S_END_HI]!;
      const eLo = s[o + S_END_LO]!;
      if ((minHi === 0 && minLo === 0) || sHi < minHi || (sHi === minHi && sLo < minLo)) {
        minHi = sHi;
        minLo = sLo;
      }
      if ((maxHi === 0 && maxLo === 0) || eHi > maxHi || (eHi === maxHi && eLo > maxLo)) {
        maxHi = eHi;
        maxLo = eLo;
      }
      const ns = (maxHi - minHi) * TWO_32 + (maxLo - minLo);
      const ms = Math.trunc(ns / 1e6);
      if (this.upperMs === 0) {
        if (ms >= this.thresholdMs) return Decision.Sampled;
      } else if (this.thresholdMs < ms && ms <= this.upperMs) {
        return Decision.Sampled;
      }
    }
    return Decision.NotSampled;
  }
}
