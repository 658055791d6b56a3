/** trace_flags: sampled when any span has the W3C sampled flag (bit 0 of Span.flags). */
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

export class TraceFlagsPolicy implements PolicyEvaluator {
  readonly type = 'trace_flags';
  constructor(readonly name: string) {}

  evaluate(trace: TraceView): Decision {
    const b = trace.batch;
    for (let i = 0; i < b.spanCount; i++) if ((b.flags(i) & 0x01) !== 0) return Decision.Sampled;
    return Decision.NotSampled;
  }
}
