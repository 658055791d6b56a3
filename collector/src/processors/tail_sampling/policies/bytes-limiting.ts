/**
 * bytes_limiting: a token bucket of bytes, bytes_per_second refill and burst_capacity (default
 * twice bytes_per_second). A trace's size is TraceView.byteSize, the wire bytes of its span
 * payloads; otelcol measures ptrace's marshaled size, which adds the resource and scope framing
 * around them, so here a trace weighs a little less than in otelcol.
 */
import type { BytesLimitingConfig } from './config.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';
import { TokenBucket } from './token-bucket.ts';

export class BytesLimitingPolicy implements PolicyEvaluator {
  readonly type = 'bytes_limiting';
  private readonly bucket: TokenBucket;

  constructor(
    readonly name: string,
    cfg: BytesLimitingConfig,
  ) {
    const burst = cfg.burst_capacity > 0 ? cfg.burst_capacity : cfg.bytes_per_second * 2;
    this.bucket = new TokenBucket(cfg.bytes_per_second, burst);
  }

  evaluate(trace: TraceView, nowMs: number): Decision {
    return this.bucket.allow(nowMs, trace.byteSize) ? Decision.Sampled : Decision.NotSampled;
  }
}
