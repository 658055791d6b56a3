/** status_code: sampled when any span's status code is one of status_codes (OK, ERROR, UNSET). */
import type { StatusCodeConfig } from './config.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

const CODE: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

export class StatusCodePolicy implements PolicyEvaluator {
  readonly type = 'status_code';
  /** Bit n set = status code n wanted: one AND per span. */
  private readonly mask: number;

  constructor(
    readonly name: string,
    cfg: StatusCodeConfig,
  ) {
    let mask = 0;
    for (const c of cfg.status_codes) mask |= 1 << CODE[c]!;
    this.mask = mask;
  }

  evaluate(trace: TraceView): Decision {
    const b = trace.batch;
    for (let i = 0; i < b.spanCount; i++) {
      const code = b.statusCode(i);
      if (code < 31 && (this.mask & (1 << code)) !== 0) return Decision.Sampled;
    }
    return Decision.NotSampled;
  }
}
