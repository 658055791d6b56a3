/**
 * debug exporter config, with otelcol's keys and defaults (exporter/debugexporter).
 * `verbosity` is case-insensitive, as otelcol's configtelemetry.Level.
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';

export const VERBOSITY_MESSAGE = 'expected one of basic, normal, detailed';

const verbosity = z
  .string({ error: VERBOSITY_MESSAGE })
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['basic', 'normal', 'detailed'], { error: VERBOSITY_MESSAGE }));

export const debugConfigSchema = zStrictObject({
  verbosity: verbosity.default('basic'),
  /** Log entries with the same message let through per second before sampling starts (zap). */
  sampling_initial: z.number().int().nonnegative().default(2),
  /** After that, every Nth entry is logged (0: none). */
  sampling_thereafter: z.number().int().nonnegative().default(1),
  /** false: write to stdout without the collector's log fields, as otelcol's custom logger. */
  use_internal_logger: z.boolean().default(true),
});

export type DebugConfig = z.infer<typeof debugConfigSchema>;
export type Verbosity = DebugConfig['verbosity'];
