/**
 * Test-only: CreateSettings with a real SelfTelemetry and captured log lines, metric read-back,
 * a full config without going through the schema, and small fake policies.
 */
import { pino } from 'pino';
import { parseComponentId, type CreateSettings } from '../../../component/types.ts';
import { SelfTelemetry } from '../../../telemetry/self-telemetry.ts';
import type { TailSamplingConfig } from '../config.ts';
import { Decision, type PolicyEvaluator, type TraceView } from '../policies/policy.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function testSettings(id = 'tail_sampling'): { settings: CreateSettings; telemetry: SelfTelemetry; logs: LogLine[] } {
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const telemetry = new SelfTelemetry();
  const settings: CreateSettings = {
    id: parseComponentId(id),
    kind: 'processor',
    logger: logger.child({ 'otelcol.component.id': id }),
    telemetry,
    pipelines: ['traces'],
  };
  return { settings, telemetry, logs };
}

/** Value of a counter/gauge series, or a histogram's count / sum (0 when absent). */
export async function metricValue(
  telemetry: SelfTelemetry,
  name: string,
  labels: Record<string, string> = {},
  histogramField: 'count' | 'sum' = 'count',
): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const data = await metric.get();
  const wanted = String(data.type) === 'histogram' ? `${name}_${histogramField}` : undefined;
  let total = 0;
  for (const v of data.values) {
    if (wanted !== undefined && (v as { metricName?: string }).metricName !== wanted) continue;
    const l = v.labels as Record<string, string | number>;
    if (Object.entries(labels).every(([k, x]) => String(l[k]) === x)) total += v.value;
  }
  return total;
}

/** The config the schema would produce for `overrides` (policies are passed to the processor directly). */
export function testConfig(overrides: Partial<Omit<TailSamplingConfig, 'decision_cache'>> & { decision_cache?: Partial<TailSamplingConfig['decision_cache']> } = {}): TailSamplingConfig {
  const { decision_cache, ...rest } = overrides;
  return {
    decision_wait: 10_000,
    num_traces: 50_000,
    expected_new_traces_per_sec: 0,
    sample_on_first_match: false,
    drop_pending_traces_on_shutdown: false,
    block_on_overflow: false,
    decision_wait_after_root_received: 0,
    sampling_strategy: 'trace-complete',
    maximum_trace_size_bytes: 0,
    max_buffered_bytes: 256 * 1024 * 1024,
    max_spans_per_trace: 0,
    record_policy: false,
    policies: [] as unknown as TailSamplingConfig['policies'],
    ...rest,
    decision_cache: { sampled_cache_size: 0, non_sampled_cache_size: 0, ...decision_cache },
  };
}

/** A policy from a function; remembers every view it saw. */
export class FakePolicy implements PolicyEvaluator {
  readonly seen: TraceView[] = [];
  readonly after: { trace: Buffer; sampled: boolean }[] = [];
  constructor(
    readonly name: string,
    private readonly decide: (trace: TraceView) => Decision,
    readonly type = 'fake',
  ) {}

  evaluate(trace: TraceView): Decision {
    this.seen.push(trace);
    return this.decide(trace);
  }
}

/** FakePolicy with an afterDecision hook, as the endpoint floor has. */
export class FakeFloorPolicy extends FakePolicy {
  afterDecision(trace: TraceView, sampled: boolean): void {
    this.after.push({ trace: trace.traceId, sampled });
  }
}

/** Sampled when any span has status ERROR (what status_code [ERROR] does), else NotSampled. */
export function errorPolicy(name = 'errors'): FakePolicy {
  return new FakePolicy(name, (t) => {
    for (let i = 0; i < t.batch.spanCount; i++) if (t.batch.statusCode(i) === 2) return Decision.Sampled;
    return Decision.NotSampled;
  });
}

export { Decision };
