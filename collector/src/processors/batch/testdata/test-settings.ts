/**
 * Test-only: CreateSettings with a real SelfTelemetry and a pino logger whose lines are captured,
 * plus reading one metric value back from the registry.
 */
import { pino } from 'pino';
import { parseComponentId, type CreateSettings } from '../../../component/types.ts';
import { SelfTelemetry, type MetricsLevel } from '../../../telemetry/self-telemetry.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestSettings {
  settings: CreateSettings;
  telemetry: SelfTelemetry;
  logs: LogLine[];
}

export function testSettings(id: string, level: MetricsLevel = 'normal'): TestSettings {
  const logs: LogLine[] = [];
  // A plain object stream: pino writes to it synchronously, one JSON line per call.
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const telemetry = new SelfTelemetry(level);
  const settings: CreateSettings = {
    id: parseComponentId(id),
    kind: 'processor',
    logger: logger.child({ 'otelcol.component.id': id }),
    telemetry,
    pipelines: ['traces'],
  };
  return { settings, telemetry, logs };
}

/** Value of a counter/gauge series (0 when the series does not exist), or a histogram's count/sum. */
export async function metricValue(
  telemetry: SelfTelemetry,
  name: string,
  labels: Record<string, string>,
  histogramField: 'count' | 'sum' = 'count',
): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const data = await metric.get();
  const wanted = String(data.type) === 'histogram' ? `${name}_${histogramField}` : undefined;
  for (const v of data.values) {
    if (wanted !== undefined && (v as { metricName?: string }).metricName !== wanted) continue;
    const l = v.labels as Record<string, string | number>;
    if (Object.entries(labels).every(([k, x]) => String(l[k]) === x)) return v.value;
  }
  return 0;
}

/** Whether a metric with this name is registered at all. */
export function hasMetric(telemetry: SelfTelemetry, name: string): boolean {
  return telemetry.registry.getSingleMetric(name) !== undefined;
}
