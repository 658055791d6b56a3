/**
 * and: sampled when every sub-policy samples; the first NotSampled / InvertNotSampled decides
 * NotSampled (otelcol; inverted decisions inside an `and` are plain ones). A sub-policy that
 * throws makes the whole policy throw (an evaluation error, as otelcol).
 */
import { isNotSampled } from './decision.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

export class AndPolicy implements PolicyEvaluator {
  readonly type = 'and';

  constructor(
    readonly name: string,
    readonly subPolicies: PolicyEvaluator[],
  ) {}

  evaluate(trace: TraceView, nowMs: number): Decision {
    for (let k = 0; k < this.subPolicies.length; k++) {
      if (isNotSampled(this.subPolicies[k]!.evaluate(trace, nowMs))) return Decision.NotSampled;
    }
    return Decision.Sampled;
  }

  afterDecision(trace: TraceView, sampled: boolean, nowMs: number): void {
    for (const p of this.subPolicies) p.afterDecision?.(trace, sampled, nowMs);
  }
}
