/**
 * drop: Dropped when every sub-policy samples (matches), else NotSampled. A Dropped decision
 * wins over every other policy's (combineDecisions).
 */
import { isNotSampled } from './decision.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

export class DropPolicy implements PolicyEvaluator {
  readonly type = 'drop';

  constructor(
    readonly name: string,
    readonly subPolicies: PolicyEvaluator[],
  ) {}

  evaluate(trace: TraceView, nowMs: number): Decision {
    for (let k = 0; k < this.subPolicies.length; k++) {
      if (isNotSampled(this.subPolicies[k]!.evaluate(trace, nowMs))) return Decision.NotSampled;
    }
    return Decision.Dropped;
  }

  afterDecision(trace: TraceView, sampled: boolean, nowMs: number): void {
    for (const p of this.subPolicies) p.afterDecision?.(trace, sampled, nowMs);
  }
}
