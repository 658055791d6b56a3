/**
 * ottl_condition: sampled when any span matches any `span` condition, or any event of any span
 * matches any `spanevent` condition (the lists are ORed, as otelcol's filterottl does). The
 * conditions are a subset of OTTL (ottl/parse.ts, ottl/evaluate.ts), checked at config time.
 *
 * error_mode, for runtime errors (math on mismatched types, division by zero):
 * - propagate (default, as otelcol): the evaluation throws, the engine counts a policy error;
 * - ignore: the condition counts as false and a warning is logged (at most one per 10 s here,
 *   so a bad condition cannot flood the log);
 * - silent: the condition counts as false.
 */
import type { Logger } from 'pino';
import type { OttlConditionConfig } from './config.ts';
import { compileCondition, OttlContext, OttlRuntimeError, type BoolNode } from './ottl/evaluate.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

const LOG_INTERVAL_MS = 10_000;

export class OttlConditionPolicy implements PolicyEvaluator {
  readonly type = 'ottl_condition';
  private readonly spanConditions: BoolNode[];
  private readonly eventConditions: BoolNode[];
  private readonly ctx = new OttlContext();
  private readonly errorMode: OttlConditionConfig['error_mode'];
  private lastLogMs = -Infinity;

  constructor(
    readonly name: string,
    cfg: OttlConditionConfig,
    private readonly logger: Logger,
  ) {
    const onBacktrackRisk = (pattern: string): void =>
      logger.warn({ policy: name, pattern }, 'IsMatch regex has nested unbounded repetition: RE2 runs it in linear time, JS may backtrack exponentially on long values');
    this.spanConditions = cfg.span.map((c) => compileCondition(c, 'span', { onBacktrackRisk }));
    this.eventConditions = cfg.spanevent.map((c) => compileCondition(c, 'spanevent', { onBacktrackRisk }));
    this.errorMode = cfg.error_mode;
  }

  private test(node: BoolNode, nowMs: number): boolean {
    try {
      return node.test(this.ctx);
    } catch (err) {
      if (!(err instanceof OttlRuntimeError) || this.errorMode === 'propagate') throw err;
      if (this.errorMode === 'ignore' && nowMs - this.lastLogMs >= LOG_INTERVAL_MS) {
        this.lastLogMs = nowMs;
        this.logger.warn({ policy: this.name, err: err.message }, 'failed to evaluate an OTTL condition; it counts as false (error_mode: ignore)');
      }
      return false;
    }
  }

  evaluate(trace: TraceView, nowMs: number): Decision {
    const ctx = this.ctx;
    const b = trace.batch;
    ctx.batch = b;
    try {
      for (let i = 0; i < b.spanCount; i++) {
        ctx.span = i;
        for (let k = 0; k < this.spanConditions.length; k++) if (this.test(this.spanConditions[k]!, nowMs)) return Decision.Sampled;
        if (this.eventConditions.length === 0) continue;
        ctx.events.reset(b, i);
        while (ctx.events.next()) {
          for (let k = 0; k < this.eventConditions.length; k++) if (this.test(this.eventConditions[k]!, nowMs)) return Decision.Sampled;
        }
      }
      return Decision.NotSampled;
    } finally {
      ctx.batch = null; // do not keep the trace's buffers alive after the decision
    }
  }
}
