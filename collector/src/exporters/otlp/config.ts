/**
 * The `otlp` (gRPC) exporter's config: otelcol's otlpexporter keys (configgrpc.ClientConfig
 * squashed, `timeout`, `sending_queue`, `retry_on_failure`) with otelcol's defaults
 * (compression gzip, write_buffer_size 512 KiB, balancer round_robin, no keepalive, timeout 5s)
 * and validation messages. Keys accepted but not acted on are listed in README.md.
 */
import { z } from 'zod';
import { splitEndpoint, zDuration, zStrictObject } from '../../config/schema-helpers.ts';
import {
  authSchema,
  headersSchema,
  middlewaresSchema,
  refuseNotYet,
  tlsClientSchema,
  tlsHasCertificates,
  zCompression,
} from '../exporterhelper/client-config.ts';
import { queueConfigSchema, retryConfigSchema, zTimeout } from '../exporterhelper/config.ts';

const BOOL_MESSAGE = 'expected true or false';
const SIZE_MESSAGE = 'expected a size in bytes (a whole number >= 0)';
const size = (defaultValue: number) =>
  z.number({ error: SIZE_MESSAGE }).int({ error: SIZE_MESSAGE }).nonnegative({ error: SIZE_MESSAGE }).default(defaultValue);

/** Balancers grpc-js implements under the names grpc-go registers them. */
export const BALANCERS = ['pick_first', 'round_robin'] as const;

const keepaliveSchema = zStrictObject({
  time: zDuration('10s'),
  timeout: zDuration('10s'),
  permit_without_stream: z.boolean({ error: BOOL_MESSAGE }).default(false),
});

export const otlpExporterConfigSchema = zStrictObject({
  endpoint: z.string({ error: 'expected an endpoint like "collector:4317"' }).default(''),
  compression: zCompression('gzip'),
  headers: headersSchema,
  tls: tlsClientSchema,
  // otelcol's default since v0.12x is no keepalive; `keepalive:` with nothing after it means 10s/10s.
  keepalive: keepaliveSchema.optional(),
  read_buffer_size: size(0),
  write_buffer_size: size(512 * 1024),
  wait_for_ready: z.boolean({ error: BOOL_MESSAGE }).default(false),
  balancer_name: z.string({ error: 'expected a balancer name' }).default('round_robin'),
  authority: z.string({ error: 'expected an authority (host name)' }).default(''),
  auth: authSchema,
  middlewares: middlewaresSchema,
  timeout: zTimeout('5s'),
  sending_queue: queueConfigSchema,
  retry_on_failure: retryConfigSchema,
  // Deprecated in otelcol v0.123 (batching moved under sending_queue.batch); accepted, ignored.
  batcher: z.unknown().optional(),
}).superRefine((cfg, ctx) => {
  refuseNotYet(cfg, ['middlewares'], ctx);
  const target = parseGrpcEndpoint(cfg.endpoint);
  if (typeof target === 'string') ctx.addIssue({ code: 'custom', path: ['endpoint'], message: target });
  for (const [name, value] of cfg.headers) {
    const problem = metadataProblem(name, value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['headers'], message: problem });
  }
  if (cfg.balancer_name !== '' && !(BALANCERS as readonly string[]).includes(cfg.balancer_name)) {
    ctx.addIssue({ code: 'custom', path: ['balancer_name'], message: `invalid balancer_name: ${cfg.balancer_name}` });
  }
});

/** gRPC metadata rules (grpc-js refuses the call otherwise): keys [0-9a-z_.-] after lower-casing, printable ASCII values. */
function metadataProblem(name: string, value: string): string | undefined {
  if (!/^[0-9a-z_.-]+$/.test(name.toLowerCase())) return `header "${name}" is not a valid gRPC metadata key (allowed: 0-9 a-z _ . -)`;
  if (!name.toLowerCase().endsWith('-bin') && !/^[ -~]*$/.test(value)) return `header "${name}" has a value that is not printable ASCII`;
  return undefined;
}

export type OtlpExporterConfig = z.output<typeof otlpExporterConfigSchema>;

export interface GrpcTarget {
  /** How the endpoint was written: `http://` and `https://` pick plaintext / TLS, as in configgrpc. */
  readonly scheme: 'http' | 'https' | 'dns' | 'unix' | 'none';
  /** What grpc-js dials: "host:port", "[::1]:4317" or "unix:///path". */
  readonly target: string;
}

/**
 * configgrpc's sanitizedEndpoint + Validate: strips http:// / https:// / dns:///, requires a
 * host:port with a numeric port (unix:// paths excepted). Returns the error message when invalid.
 */
export function parseGrpcEndpoint(endpoint: string): GrpcTarget | string {
  if (endpoint === '') return 'requires a non-empty "endpoint"';
  if (endpoint.startsWith('unix://')) {
    if (endpoint.length === 'unix://'.length) return 'unix socket path cannot be empty';
    return { scheme: 'unix', target: endpoint };
  }
  let scheme: GrpcTarget['scheme'] = 'none';
  let rest = endpoint;
  if (endpoint.startsWith('http://')) {
    scheme = 'http';
    rest = endpoint.slice('http://'.length);
  } else if (endpoint.startsWith('https://')) {
    scheme = 'https';
    rest = endpoint.slice('https://'.length);
  } else if (endpoint.startsWith('dns://')) {
    scheme = 'dns';
    rest = endpoint.replace(/^dns:\/\/\/?/, '');
  }
  if (splitEndpoint(rest) === undefined) {
    return `invalid endpoint "${endpoint}": expected host:port (for example "collector:4317" or "http://collector:4317")`;
  }
  return { scheme, target: rest };
}

/** Whether this exporter dials with TLS (see needsTls). */
export function usesTls(config: OtlpExporterConfig): boolean {
  const target = parseGrpcEndpoint(config.endpoint);
  if (typeof target === 'string') return false;
  return needsTls(target.scheme, config.tls.insecure, tlsHasCertificates(config.tls));
}

/**
 * Would otelcol use TLS here? https:// always; http:// never (this collector's rule: the scheme
 * says plaintext); otherwise unless tls.insecure is set, or when certificate files are named.
 */
export function needsTls(scheme: GrpcTarget['scheme'], insecure: boolean, hasCertificates: boolean): boolean {
  if (scheme === 'https') return true;
  if (scheme === 'http') return false;
  return !insecure || hasCertificates;
}
