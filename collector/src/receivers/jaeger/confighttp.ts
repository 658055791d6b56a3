/**
 * otelcol's confighttp.ServerConfig keys, for the receivers that serve plain HTTP besides OTLP
 * (jaeger's thrift_http, zipkin). Defaults are confighttp's; keys we accept but do not act on are
 * listed in the receivers' READMEs. tls / auth / middlewares / cors are accepted as keys and
 * refused with "<key> is not supported yet" when set.
 */
import { z } from 'zod';
import { zDuration, zEndpoint } from '../../config/schema-helpers.ts';
import { DEFAULT_COMPRESSION_ALGORITHMS, DEFAULT_MAX_REQUEST_BODY_SIZE, NOT_SUPPORTED_YET } from '../otlp/config.ts';

export { DEFAULT_MAX_REQUEST_BODY_SIZE, NOT_SUPPORTED_YET };

const KNOWN_COMPRESSION_ALGORITHMS = new Set([...DEFAULT_COMPRESSION_ALGORITHMS, 'x-snappy-framed']);

export const nonNegativeInt = (what: string) =>
  z.number({ error: `expected ${what} (a whole number >= 0)` }).int({ error: `expected ${what} (a whole number >= 0)` }).nonnegative({
    error: `expected ${what} (a whole number >= 0)`,
  });

export const positiveInt = (what: string) =>
  z.number({ error: `expected ${what} (a whole number >= 1)` }).int({ error: `expected ${what} (a whole number >= 1)` }).positive({
    error: `expected ${what} (a whole number >= 1)`,
  });

/** A key otelcol has and we do not implement yet: accepted by the schema, refused when set. */
const notYet = z.unknown().optional();

export const HTTP_NOT_YET_KEYS = ['tls', 'auth', 'middlewares', 'cors'] as const;

export function refuseNotYet(value: Record<string, unknown>, keys: readonly string[], ctx: z.RefinementCtx): void {
  for (const k of keys) {
    if (value[k] !== undefined && value[k] !== null) ctx.addIssue({ code: 'custom', message: NOT_SUPPORTED_YET(k), path: [k] });
  }
}

/** The confighttp.ServerConfig shape with `defaultEndpoint`; spread it into a zStrictObject. */
export function httpServerShape(defaultEndpoint: string) {
  return {
    endpoint: zEndpoint(defaultEndpoint),
    tls: notYet,
    auth: notYet,
    middlewares: notYet,
    cors: notYet,
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
  };
}

/** The parsed keys an HTTP server of ours acts on. */
export interface HttpServerConfig {
  endpoint: string;
  max_request_body_size: number;
  include_metadata: boolean;
  response_headers: Record<string, string>;
  compression_algorithms: string[];
  read_timeout: number;
  read_header_timeout: number;
  write_timeout: number;
  idle_timeout: number;
  keep_alives_enabled: boolean;
}
