/**
 * The `otlp` receiver's config: otelcol's otlpreceiver keys (configgrpc.ServerConfig and
 * confighttp.ServerConfig plus the URL paths) with otelcol's defaults, so a production YAML
 * parses unchanged. Keys we accept but do not act on are listed in README.md.
 */
import { z } from 'zod';
import { zDuration, zEndpoint, zStrictObject } from '../../config/schema-helpers.ts';
import { authConfigSchema } from '../../extensions/authenticator.ts';
import { serverTlsConfigSchema } from '../../tls/config.ts';

export const DEFAULT_GRPC_ENDPOINT = 'localhost:4317';
export const DEFAULT_HTTP_ENDPOINT = 'localhost:4318';
export const DEFAULT_TRACES_URL_PATH = '/v1/traces';
/** grpc-go's default receive limit, used when max_recv_msg_size_mib is 0 or absent. */
export const DEFAULT_MAX_RECV_MSG_SIZE_MIB = 4;
/** confighttp's default: 20 MiB; 0 means this default too. */
export const DEFAULT_MAX_REQUEST_BODY_SIZE = 20 * 1024 * 1024;
/** confighttp's compression_algorithms default. */
export const DEFAULT_COMPRESSION_ALGORITHMS = ['', 'gzip', 'zstd', 'zlib', 'snappy', 'deflate', 'lz4'];
const KNOWN_COMPRESSION_ALGORITHMS = new Set([...DEFAULT_COMPRESSION_ALGORITHMS, 'x-snappy-framed']);

export const NOT_SUPPORTED_YET = (key: string) => `${key} is not supported yet`;

const nonNegativeInt = (what: string) =>
  z.number({ error: `expected ${what} (a whole number >= 0)` }).int({ error: `expected ${what} (a whole number >= 0)` }).nonnegative({
    error: `expected ${what} (a whole number >= 0)`,
  });

/**
 * A key otelcol has and we do not implement yet: accepted by the schema (so the error is not a
 * misleading "unknown key") and refused with a clear message when set to anything but null.
 */
const notYet = z.unknown().optional();

function refuseNotYet(value: Record<string, unknown>, keys: readonly string[], ctx: z.RefinementCtx): void {
  for (const k of keys) {
    if (value[k] !== undefined && value[k] !== null) ctx.addIssue({ code: 'custom', message: NOT_SUPPORTED_YET(k), path: [k] });
  }
}

const optionalDuration = zDuration().optional();

const keepaliveSchema = zStrictObject({
  server_parameters: zStrictObject({
    max_connection_idle: optionalDuration,
    max_connection_age: optionalDuration,
    max_connection_age_grace: optionalDuration,
    time: optionalDuration,
    timeout: optionalDuration,
  }).optional(),
  // grpc-js servers have no ping enforcement: accepted for compatibility, not enforced.
  enforcement_policy: zStrictObject({
    min_time: optionalDuration,
    permit_without_stream: z.boolean({ error: 'expected true or false' }).optional(),
  }).optional(),
});

const TRANSPORT_MESSAGE = 'expected transport "tcp", "tcp4" or "tcp6" (unix sockets are not supported yet)';

export const grpcConfigSchema = zStrictObject({
  endpoint: zEndpoint(DEFAULT_GRPC_ENDPOINT),
  transport: z.enum(['tcp', 'tcp4', 'tcp6'], { error: TRANSPORT_MESSAGE }).default('tcp'),
  // Absent or null: plaintext. See collector/src/tls/README.md.
  tls: serverTlsConfigSchema.nullish(),
  auth: authConfigSchema.nullish(),
  middlewares: notYet,
  max_recv_msg_size_mib: nonNegativeInt('a size in MiB').default(DEFAULT_MAX_RECV_MSG_SIZE_MIB),
  max_concurrent_streams: nonNegativeInt('a number of streams').default(0),
  // Go socket buffer sizes; Node sizes its own buffers. Accepted, not used.
  read_buffer_size: nonNegativeInt('a size in bytes').default(524288),
  write_buffer_size: nonNegativeInt('a size in bytes').default(0),
  keepalive: keepaliveSchema.optional(),
  include_metadata: z.boolean({ error: 'expected true or false' }).default(false),
}).superRefine((v, ctx) => refuseNotYet(v, ['middlewares'], ctx));

export type GrpcConfig = z.output<typeof grpcConfigSchema>;

const corsSchema = zStrictObject({
  allowed_origins: z.array(z.string({ error: 'expected an origin string' }), { error: 'expected a list of origins' }).default([]),
  allowed_headers: z.array(z.string({ error: 'expected a header name' }), { error: 'expected a list of header names' }).default([]),
  max_age: nonNegativeInt('a number of seconds').default(0),
});

export type CorsConfig = z.output<typeof corsSchema>;

/** otelcol's SanitizedURLPath: a relative path gets a leading slash ("traces" -> "/traces"). */
const urlPath = (defaultValue: string) =>
  z
    .string({ error: 'expected a URL path like "/v1/traces"' })
    .transform((s, ctx) => {
      try {
        // Resolving against "/" adds the leading slash and drops any query, as url.Parse + path.IsAbs do.
        return new URL(s, 'http://placeholder/').pathname;
      } catch {
        ctx.addIssue({ code: 'custom', message: `invalid HTTP URL path "${s}"` });
        return z.NEVER;
      }
    })
    .default(defaultValue);

export const httpConfigSchema = zStrictObject({
  endpoint: zEndpoint(DEFAULT_HTTP_ENDPOINT),
  // Absent or null: plaintext. See collector/src/tls/README.md.
  tls: serverTlsConfigSchema.nullish(),
  auth: authConfigSchema.nullish(),
  middlewares: notYet,
  cors: corsSchema.optional(),
  max_request_body_size: nonNegativeInt('a size in bytes').default(DEFAULT_MAX_REQUEST_BODY_SIZE),
  include_metadata: z.boolean({ error: 'expected true or false' }).default(false),
  response_headers: z
    .record(z.string(), z.string({ error: 'expected a header value string' }), { error: 'expected a map of header names to values' })
    .default({}),
  compression_algorithms: z
    .array(
      z.string({ error: 'expected a compression algorithm name' }).refine((s) => KNOWN_COMPRESSION_ALGORITHMS.has(s), {
        error: `expected one of "", gzip, zstd, zlib, snappy, deflate, lz4, x-snappy-framed`,
      }),
      { error: 'expected a list of compression algorithm names' },
    )
    .default(DEFAULT_COMPRESSION_ALGORITHMS),
  read_timeout: zDuration(0),
  read_header_timeout: zDuration('1m'),
  write_timeout: zDuration('30s'),
  idle_timeout: zDuration('1m'),
  keep_alives_enabled: z.boolean({ error: 'expected true or false' }).default(true),
  traces_url_path: urlPath(DEFAULT_TRACES_URL_PATH),
  // This collector carries traces only: the other signals' paths are accepted and not served.
  metrics_url_path: urlPath('/v1/metrics'),
  logs_url_path: urlPath('/v1/logs'),
}).superRefine((v, ctx) => refuseNotYet(v, ['middlewares'], ctx));

export type HttpConfig = z.output<typeof httpConfigSchema>;

export const NO_PROTOCOL_MESSAGE = 'must specify at least one protocol when using the OTLP receiver';

export const otlpReceiverConfigSchema = zStrictObject({
  // `grpc:` with nothing after it enables gRPC with defaults; an absent key leaves it off.
  protocols: zStrictObject({
    grpc: grpcConfigSchema.optional(),
    http: httpConfigSchema.optional(),
  }),
}).superRefine((v, ctx) => {
  if (v.protocols.grpc === undefined && v.protocols.http === undefined) {
    ctx.addIssue({ code: 'custom', message: NO_PROTOCOL_MESSAGE, path: ['protocols'] });
  }
});

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
