/**
 * span_count: the number of spans buffered for the trace, inclusive bounds; max_spans 0 means
 * no upper bound (otelcol).
 */
import type { SpanCountConfig } from './config.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

export class SpanCountPolicy implements PolicyEvaluator {
  readonly type = 'span_count';
  private readonly min: number;
  private readonly max: number;

  constructor(
    readonly name: string,
    cfg: SpanCountConfig,
  ) {
    this.min = cfg.min_spans;
    this.max = cfg.max_spans;
  }

  evaluate(trace: TraceView): Decision {
    const n = trace.batch.spanCount;
    if (this.max === 0) return n >= this.min ? Decision.Sampled : Decision.NotSampled;
    return n >= this.min && n <= this.max ? Decision.Sampled : Decision.NotSampled;
  }
}
