/**
 * rate_limiting: a token bucket of spans, spans_per_second refill and a burst of twice that
 * (otelcol's current implementation, golang.org/x/time/rate): a trace passes when its span
 * count fits in the bucket. A trace with more spans than the burst never passes.
 */
import type { RateLimitingConfig } from './config.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';
import { TokenBucket } from './token-bucket.ts';

export class RateLimitingPolicy implements PolicyEvaluator {
  readonly type = 'rate_limiting';
  private readonly bucket: TokenBucket;

  constructor(
    readonly name: string,
    cfg: RateLimitingConfig,
  ) {
    this.bucket = new TokenBucket(cfg.spans_per_second, cfg.spans_per_second * 2);
  }

  evaluate(trace: TraceView, nowMs: number): Decision {
    return this.bucket.allow(nowMs, trace.batch.spanCount) ? Decision.Sampled : Decision.NotSampled;
  }
}
