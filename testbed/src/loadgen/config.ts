/**
 * The load generator's knobs, with the SDK's defaults where the SDK has one
 * (BatchSpanProcessor: scheduledDelayMillis 1000, maxExportBatchSize 512; OTLP exporter retry:
 * 5 attempts, 1 s initial backoff, 5 s max, x1.5, +-20 % jitter, 10 s export timeout).
 * max_queue_size defaults to 100 as in otelcol's classic performance tests (the SDK's is 2048).
 *
 * Durations are numbers of milliseconds or strings with a unit ("250ms", "2s", "1m").
 */
import { z } from 'zod';

const durationPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDurationMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = durationPattern.exec(value.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(value)} (use e.g. 500ms, 2s, 1m)`);
  return Number(m[1]) * unitMs[m[2]!]!;
}

const duration = z
  .union([z.number().nonnegative(), z.string()])
  .transform((v, ctx) => {
    try {
      return parseDurationMs(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

export const SHAPE_PRESETS = {
  /** Ten-span traces with twenty string attributes per span. */
  classic: { spans_per_trace: 10, depth: 3, attributes: 20, attribute_value_size: 16, attribute_type: 'string', semantic_attributes: true },
  /** otelcol testbed's PerfTestDataProvider: one span per trace, two int attributes. */
  'otelcol-testbed': { spans_per_trace: 1, depth: 1, attributes: 2, attribute_value_size: 0, attribute_type: 'int', semantic_attributes: false },
} as const;
export type ShapePreset = keyof typeof SHAPE_PRESETS;

const shapeSchema = z
  .object({
    preset: z.enum(['classic', 'otelcol-testbed']).default('classic'),
    spans_per_trace: z.number().int().min(1).max(65_535).optional(),
    /** Levels of the span tree, root included. */
    depth: z.number().int().min(1).optional(),
    /** Filler attributes per span. */
    attributes: z.number().int().min(0).max(1000).optional(),
    /** Bytes per string attribute value. */
    attribute_value_size: z.number().int().min(0).max(1_000_000).optional(),
    attribute_type: z.enum(['string', 'int']).optional(),
    /** Root spans also get http.route and http.response.status_code. */
    semantic_attributes: z.boolean().optional(),
    events_per_span: z.number().int().min(0).max(1000).default(0),
    services: z.number().int().min(1).max(4096).default(5),
    endpoints: z.number().int().min(1).max(65_535).default(20),
    /** Zipf exponent over endpoints: endpoint k gets traffic proportional to 1/(k+1)^s. */
    zipf_exponent: z.number().min(0).default(1.1),
    /** Share of traces with an error (root and last span get status ERROR). */
    error_rate: z.number().min(0).max(1).default(0.01),
    /** Share of traces whose duration exceeds slow_threshold. */
    slow_share: z.number().min(0).max(1).default(0.05),
    slow_threshold: duration.default(250),
    /** Slow traces last between 1.1x and this many times the threshold. */
    slow_max_factor: z.number().min(1.2).default(4),
    /** Fast traces last between these two (fast_max must stay under the threshold). */
    fast_min: duration.default(5),
    fast_max: duration.default(200),
    /** Emit each span when it ends (root last), as an SDK does; false emits a whole trace at its start. */
    emit_at_span_end: z.boolean().default(true),
  })
  .strict();

const retrySchema = z
  .object({
    enabled: z.boolean().default(true),
    max_attempts: z.number().int().min(1).max(255).default(5),
    initial_interval: duration.default(1000),
    max_interval: duration.default(5000),
    multiplier: z.number().min(1).default(1.5),
    /** Jitter: each backoff is multiplied by a random factor in [1 - j, 1 + j]. */
    randomization_factor: z.number().min(0).max(1).default(0.2),
  })
  .strict();

export const loadgenConfigSchema = z
  .object({
    /** grpc: host:port; http/*: base URL (http://host:port), /v1/traces is appended unless a path is given. */
    endpoint: z.string().min(1),
    protocol: z.enum(['grpc', 'http/protobuf', 'http/json']).default('grpc'),
    compression: z.enum(['none', 'gzip']).default('none'),
    /** Spans per second, all workers together. */
    rate: z.number().positive().default(1000),
    /** How long to generate; ignored when `traces` is set. */
    duration: duration.default(10_000),
    /** Exact number of traces to generate (overrides rate x duration). */
    traces: z.number().int().min(1).optional(),
    flush_interval: duration.default(1000),
    max_queue_size: z.number().int().min(1).max(100_000_000).default(100),
    max_export_batch_size: z.number().int().min(1).default(512),
    /** Exports in flight at once per worker; the SDK's BatchSpanProcessor has one. */
    max_concurrent_exports: z.number().int().min(1).default(1),
    /** Budget of one export including its retries (the SDK's timeoutMillis). */
    export_timeout: duration.default(10_000),
    /** How long a worker keeps draining after generation ends before it gives up. */
    shutdown_timeout: duration.default(30_000),
    retry: retrySchema.prefault({}),
    workers: z.number().int().min(1).max(64).default(1),
    headers: z.record(z.string(), z.string()).default({}),
    /** Tenants traces are spread over (uniformly); empty means no tenant header. */
    tenants: z.array(z.string().min(1)).max(255).default([]),
    tenant_header: z.string().min(1).default('x-tenant-id'),
    seed: z.number().int().default(1),
    /** 32-bit tag put in every trace id; a random one per run when absent. */
    run_tag: z.number().int().min(0).max(0xffffffff).optional(),
    shape: shapeSchema.prefault({}),
  })
  .strict();

export type LoadgenConfigInput = z.input<typeof loadgenConfigSchema>;
type Parsed = z.output<typeof loadgenConfigSchema>;

/** The shape with the preset's values filled in. */
export type ResolvedShape = Omit<Parsed['shape'], keyof (typeof SHAPE_PRESETS)['classic']> & {
  spans_per_trace: number;
  depth: number;
  attributes: number;
  attribute_value_size: number;
  attribute_type: 'string' | 'int';
  semantic_attributes: boolean;
};

export type LoadgenConfig = Omit<Parsed, 'shape'> & { shape: ResolvedShape & { preset: ShapePreset } };

/** Validates and fills defaults. Throws an Error listing every problem. */
export function resolveLoadgenConfig(input: LoadgenConfigInput): LoadgenConfig {
  const parsed = loadgenConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid load generator config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const c = parsed.data;
  const preset = SHAPE_PRESETS[c.shape.preset];
  const shape = {
    ...c.shape,
    spans_per_trace: c.shape.spans_per_trace ?? preset.spans_per_trace,
    depth: c.shape.depth ?? preset.depth,
    attributes: c.shape.attributes ?? preset.attributes,
    attribute_value_size: c.shape.attribute_value_size ?? preset.attribute_value_size,
    attribute_type: c.shape.attribute_type ?? preset.attribute_type,
    semantic_attributes: c.shape.semantic_attributes ?? preset.semantic_attributes,
  };
  const problems: string[] = [];
  if (shape.depth > shape.spans_per_trace) problems.push('shape.depth must not exceed shape.spans_per_trace');
  if (shape.fast_max >= shape.slow_threshold) problems.push('shape.fast_max must stay below shape.slow_threshold');
  if (shape.fast_min > shape.fast_max) problems.push('shape.fast_min must not exceed shape.fast_max');
  if (shape.endpoints * shape.spans_per_trace > 200_000) {
    problems.push('shape.endpoints x shape.spans_per_trace must stay under 200000 (one template each)');
  }
  if (c.workers > shape.services) problems.push('workers must not exceed shape.services (each worker plays whole services)');
  if (c.retry.initial_interval > c.retry.max_interval) problems.push('retry.initial_interval must not exceed retry.max_interval');
  if (problems.length) throw new Error(`invalid load generator config: ${problems.join('; ')}`);
  return { ...c, shape };
}

/** Number of traces a run generates. */
export function plannedTraceCount(c: LoadgenConfig): number {
  if (c.traces !== undefined) return c.traces;
  return Math.max(1, Math.round((c.rate * c.duration) / 1000 / c.shape.spans_per_trace));
}
