/** always_sample: every trace is sampled. */
import { Decision, type PolicyEvaluator } from './policy.ts';

export class AlwaysSamplePolicy implements PolicyEvaluator {
  readonly type = 'always_sample';
  constructor(readonly name: string) {}

  evaluate(): Decision {
    return Decision.Sampled;
  }
}
