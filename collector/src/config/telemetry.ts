/**
 * service.telemetry: the collector's own logs and metrics. Accepts otelcol's keys; the ones we
 * do not implement (log sampling, output paths, metric views, periodic readers, traces) are
 * accepted so otelcol-contrib configs load unchanged, and reported back as warnings.
 */
import { z } from 'zod';
import type { ConfigProblem, TelemetrySettings } from './types.ts';
import { isMap, problem, type PathSegment } from './path.ts';
import { splitEndpoint, zEndpoint, zStrictObject } from './schema-helpers.ts';
import { issuesToProblems, parseWithExpansionFallback } from './zod-issues.ts';

const DEFAULT_METRICS_ADDRESS = 'localhost:8888';

// otelcol lower-cases both levels before matching (configtelemetry.Level, zapcore.Level).
const metricsLevel = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['none', 'basic', 'normal', 'detailed']));
const logLevel = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['debug', 'info', 'warn', 'error']));

const prometheus = zStrictObject({
  host: z.string().default('localhost'),
  port: z.number().int().min(0).max(65535),
  // otelcol exporter options that change metric naming; accepted, not implemented.
  without_scope_info: z.boolean().optional(),
  without_type_suffix: z.boolean().optional(),
  without_units: z.boolean().optional(),
  with_resource_constant_labels: z.unknown().optional(),
  translation_strategy: z.string().optional(),
});

const reader = zStrictObject({
  pull: zStrictObject({ exporter: zStrictObject({ prometheus: prometheus.optional() }) }).optional(),
  periodic: z.record(z.string(), z.unknown()).optional(),
});

const metrics = zStrictObject({
  level: metricsLevel.default('normal'),
  address: zEndpoint(DEFAULT_METRICS_ADDRESS),
  readers: z.array(reader).nullish(),
  views: z.array(z.unknown()).nullish(),
});

const logs = zStrictObject({
  level: logLevel.default('info'),
  encoding: z.enum(['json', 'console']).default('json'),
  development: z.boolean().optional(),
  disable_caller: z.boolean().optional(),
  disable_stacktrace: z.boolean().optional(),
  sampling: z.unknown().optional(),
  output_paths: z.array(z.string()).nullish(),
  error_output_paths: z.array(z.string()).nullish(),
  initial_fields: z.record(z.string(), z.unknown()).nullish(),
  processors: z.array(z.unknown()).nullish(),
});

const telemetry = zStrictObject({
  metrics,
  logs,
  resource: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullish(),
  traces: z.unknown().optional(),
});

/** Keys we accept but do nothing with, per sub-section. */
const IGNORED: Record<string, readonly string[]> = {
  metrics: ['views'],
  logs: ['development', 'disable_caller', 'disable_stacktrace', 'sampling', 'output_paths', 'error_output_paths', 'initial_fields', 'processors'],
  '': ['traces'],
};

export function resolveTelemetry(
  raw: unknown,
  prefix: readonly PathSegment[],
): { settings?: TelemetrySettings; problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const parsed = parseWithExpansionFallback(telemetry, raw ?? undefined);
  if (!parsed.success) return { problems: issuesToProblems(parsed.issues, prefix), warnings: [] };
  const t = parsed.data;
  const warnings: ConfigProblem[] = [];

  for (const [section, keys] of Object.entries(IGNORED)) {
    const obj = section === '' ? raw : isMap(raw) ? raw[section] : undefined;
    if (!isMap(obj)) continue;
    for (const k of keys) {
      if (obj[k] !== undefined) warnings.push(problem([...prefix, ...(section ? [section] : []), k], 'accepted but not implemented; ignored'));
    }
  }

  // The first Prometheus pull reader, if any, says where to serve metrics (newer otelcol configs
  // use readers instead of the deprecated `address`).
  let { host, port } = splitEndpoint(t.metrics.address)!;
  let usedReader = false;
  (t.metrics.readers ?? []).forEach((r, i) => {
    const prom = r.pull?.exporter.prometheus;
    if (prom !== undefined && !usedReader) {
      usedReader = true;
      host = prom.host;
      port = prom.port;
    } else {
      warnings.push(problem([...prefix, 'metrics', 'readers', i], 'only the first Prometheus pull reader is used; ignored'));
    }
  });

  const resource: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(t.resource ?? {})) resource[k] = v === null ? null : String(v);

  return {
    settings: {
      metrics: { level: t.metrics.level, host, port },
      logs: { level: t.logs.level, encoding: t.logs.encoding },
      resource,
    },
    problems: [],
    warnings,
  };
}
