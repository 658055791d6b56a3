/**
 * health_check extension config, with otelcol-contrib's keys and defaults
 * (extension/healthcheckextension). `check_collector_pipeline` is accepted so existing configs
 * load; it is deprecated upstream ("not working as expected") and is not implemented here.
 */
import { z } from 'zod';
import { zDuration, zEndpoint, zStrictObject } from '../../config/schema-helpers.ts';

export const DEFAULT_ENDPOINT = 'localhost:13133';

export const healthCheckConfigSchema = zStrictObject({
  endpoint: zEndpoint(DEFAULT_ENDPOINT),
  path: z
    .string()
    .default('/')
    .refine((p) => p.startsWith('/'), { error: 'path must start with /' }),
  /** When present, static bodies replace the default JSON (as otelcol: even empty strings). */
  response_body: zStrictObject({
    healthy: z.string().default(''),
    unhealthy: z.string().default(''),
  }).optional(),
  /** confighttp's response_headers: added to every response. */
  response_headers: z.record(z.string(), z.string()).nullish(),
  check_collector_pipeline: zStrictObject({
    enabled: z.boolean().default(false),
    interval: zDuration('5m'),
    exporter_failure_threshold: z.number().int().positive({ error: 'exporter_failure_threshold expects a positive number' }).default(5),
  }),
});

export type HealthCheckConfig = z.infer<typeof healthCheckConfigSchema>;
