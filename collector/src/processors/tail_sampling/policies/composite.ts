/**
 * composite: sub-policies with a span budget each, per second of the engine clock (otelcol's
 * Composite, exactly):
 * - sub-policies are tried in composite_sub_policy order (policy_order is accepted and not
 *   used for ordering, as in otelcol);
 * - a sub-policy's budget is `percent`% of max_total_spans_per_second from rate_allocation, an
 *   entry with percent 0 gets an equal share (max_total / number of sub-policies), and a
 *   sub-policy missing from rate_allocation gets 0 (it can never sample);
 * - the FIRST sub-policy that samples decides: Sampled when the trace's spans fit in both its
 *   own budget and max_total_spans_per_second (each compared with that sub-policy's count), else
 *   NotSampled; later sub-policies are not consulted;
 * - the counts restart at each new second.
 */
import type { CompositeConfig } from './config.ts';
import { isSampled } from './decision.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

export class CompositePolicy implements PolicyEvaluator {
  readonly type = 'composite';
  private readonly allocated: Float64Array;
  private readonly sampledInSecond: Float64Array;
  private readonly maxTotal: number;
  private currentSecond = -1;

  constructor(
    readonly name: string,
    cfg: CompositeConfig,
    readonly subPolicies: PolicyEvaluator[],
  ) {
    this.maxTotal = cfg.max_total_spans_per_second;
    const alloc = compositeAllocations(cfg);
    this.allocated = Float64Array.from(subPolicies, (p) => alloc.get(p.name) ?? 0);
    this.sampledInSecond = new Float64Array(subPolicies.length);
  }

  evaluate(trace: TraceView, nowMs: number): Decision {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.currentSecond) {
      this.currentSecond = second;
      this.sampledInSecond.fill(0);
    }
    const spans = trace.batch.spanCount;
    for (let k = 0; k < this.subPolicies.length; k++) {
      if (!isSampled(this.subPolicies[k]!.evaluate(trace, nowMs))) continue;
      const ifSampled = this.sampledInSecond[k]! + spans;
      if (ifSampled <= this.allocated[k]! && ifSampled <= this.maxTotal) {
        this.sampledInSecond[k] = ifSampled;
        return Decision.Sampled;
      }
      // Over budget: not counted, so a smaller trace may still fit later this second.
      return Decision.NotSampled;
    }
    return Decision.NotSampled;
  }

  afterDecision(trace: TraceView, sampled: boolean, nowMs: number): void {
    for (const p of this.subPolicies) p.afterDecision?.(trace, sampled, nowMs);
  }
}

/** Spans per second for each named sub-policy (otelcol's getRateAllocationMap, truncated to int64). */
export function compositeAllocations(cfg: CompositeConfig): Map<string, number> {
  const out = new Map<string, number>();
  const total = cfg.max_total_spans_per_second;
  const equalShare = total / cfg.composite_sub_policy.length;
  for (const a of cfg.rate_allocation) out.set(a.policy, Math.trunc(a.percent > 0 ? (a.percent / 100) * total : equalShare));
  return out;
}
