/**
 * The `otlphttp` exporter's config: otelcol's otlphttpexporter keys (confighttp.ClientConfig
 * squashed, traces/metrics/logs/profiles endpoints, `encoding`, `sending_queue`,
 * `retry_on_failure`) with otelcol's defaults (compression gzip, timeout 30s, encoding proto,
 * write_buffer_size 512 KiB, max_idle_conns 100, idle_conn_timeout 90s) and validation messages.
 * Keys accepted but not acted on are listed in README.md.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';
import {
  authSchema,
  headersSchema,
  middlewaresSchema,
  refuseNotYet,
  tlsClientSchema,
  zCompression,
} from '../exporterhelper/client-config.ts';
import { queueConfigSchema, retryConfigSchema, zTimeout } from '../exporterhelper/config.ts';

export const NO_TRACES_ENDPOINT = 'either endpoint or traces_endpoint must be specified';

const BOOL_MESSAGE = 'expected true or false';
const INT_MESSAGE = 'expected a whole number >= 0';
const nonNegativeInt = () => z.number({ error: INT_MESSAGE }).int({ error: INT_MESSAGE }).nonnegative({ error: INT_MESSAGE });

const ENCODING_MESSAGE = 'invalid encoding type: expected "proto" or "json"';

/** confighttp's newer `keepalive` section; the top-level keys it replaces are still accepted. */
const keepaliveSchema = zStrictObject({
  enabled: z.boolean({ error: BOOL_MESSAGE }).default(true),
  idle_conn_timeout: zDuration().optional(),
  max_idle_conns: nonNegativeInt().optional(),
  max_idle_conns_per_host: nonNegativeInt().optional(),
});

const compressionParams = zStrictObject({
  // gzip levels as Go's compress/gzip takes them: -1 default, 0 none, 1 (speed) .. 9 (size).
  level: z
    .number({ error: 'expected a compression level' })
    .int({ error: 'expected a compression level' })
    .min(-1, { error: 'unsupported compression level: gzip takes -1 to 9' })
    .max(9, { error: 'unsupported compression level: gzip takes -1 to 9' })
    .optional(),
});

const url = z.string({ error: 'expected a URL like "http://collector:4318"' });

export const otlpHttpExporterConfigSchema = zStrictObject({
  endpoint: url.default(''),
  traces_endpoint: url.default(''),
  // This collector carries traces only: the other signals' endpoints are accepted and unused.
  metrics_endpoint: url.default(''),
  logs_endpoint: url.default(''),
  profiles_endpoint: url.default(''),
  encoding: z.enum(['proto', 'json'], { error: ENCODING_MESSAGE }).default('proto'),
  compression: zCompression('gzip'),
  compression_params: compressionParams.optional(),
  headers: headersSchema,
  timeout: zTimeout('30s'),
  tls: tlsClientSchema,
  proxy_url: z.string({ error: 'expected a URL' }).default(''),
  read_buffer_size: nonNegativeInt().default(0),
  write_buffer_size: nonNegativeInt().default(512 * 1024),
  max_idle_conns: nonNegativeInt().default(100),
  max_idle_conns_per_host: nonNegativeInt().default(0),
  max_conns_per_host: nonNegativeInt().default(0),
  idle_conn_timeout: zDuration('90s'),
  disable_keep_alives: z.boolean({ error: BOOL_MESSAGE }).default(false),
  keepalive: keepaliveSchema.optional(),
  http2_read_idle_timeout: zDuration().optional(),
  http2_ping_timeout: zDuration().optional(),
  force_attempt_http2: z.boolean({ error: BOOL_MESSAGE }).optional(),
  cookies: z.unknown().optional(),
  auth: authSchema,
  middlewares: middlewaresSchema,
  sending_queue: queueConfigSchema,
  retry_on_failure: retryConfigSchema,
}).superRefine((cfg, ctx) => {
  refuseNotYet(cfg, ['middlewares'], ctx);
  if (cfg.proxy_url !== '') ctx.addIssue({ code: 'custom', path: ['proxy_url'], message: 'proxy_url is not supported yet' });
  if (cfg.endpoint === '' && cfg.traces_endpoint === '' && cfg.metrics_endpoint === '' && cfg.logs_endpoint === '' && cfg.profiles_endpoint === '') {
    ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'at least one endpoint must be specified' });
    return;
  }
  // Only the traces URL matters here; with neither key set, creating a traces exporter fails.
  if (cfg.endpoint === '' && cfg.traces_endpoint === '') return;
  const target = tracesUrl(cfg);
  const key = cfg.traces_endpoint !== '' ? 'traces_endpoint' : 'endpoint';
  if (typeof target === 'string') ctx.addIssue({ code: 'custom', path: [key], message: target });
});

export type OtlpHttpExporterConfig = z.output<typeof otlpHttpExporterConfigSchema>;

/**
 * Where traces go: traces_endpoint as written, else `<endpoint>/v1/traces` (otelcol's
 * composeSignalURL). Returns the error message when it is not an http(s) URL.
 */
export function tracesUrl(cfg: Pick<OtlpHttpExporterConfig, 'endpoint' | 'traces_endpoint'>): URL | string {
  if (cfg.endpoint === '' && cfg.traces_endpoint === '') return NO_TRACES_ENDPOINT;
  const raw = cfg.traces_endpoint !== ''
    ? cfg.traces_endpoint
    : cfg.endpoint.endsWith('/') ? `${cfg.endpoint}v1/traces` : `${cfg.endpoint}/v1/traces`;
  const key = cfg.traces_endpoint !== '' ? 'traces_endpoint' : 'endpoint';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `${key} must be a valid URL with an http:// or https:// scheme, got "${cfg[key]}"`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return `${key} must be a valid URL with an http:// or https:// scheme, got "${cfg[key]}"`;
  }
  return u;
}
