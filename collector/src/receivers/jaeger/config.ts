/**
 * The `jaeger` receiver's config: otelcol-contrib's jaegerreceiver keys and defaults
 * (protocols.grpc / thrift_http / thrift_compact / thrift_binary), so a production YAML parses
 * unchanged. A protocol written with nothing after it is enabled with its defaults.
 */
import { z } from 'zod';
import { zEndpoint, zStrictObject } from '../../config/schema-helpers.ts';
import { grpcConfigSchema } from '../otlp/config.ts';
import { HTTP_NOT_YET_KEYS, httpServerShape, nonNegativeInt, positiveInt, refuseNotYet } from './confighttp.ts';

export const DEFAULT_GRPC_ENDPOINT = 'localhost:14250';
export const DEFAULT_THRIFT_HTTP_ENDPOINT = 'localhost:14268';
export const DEFAULT_THRIFT_COMPACT_ENDPOINT = 'localhost:6831';
export const DEFAULT_THRIFT_BINARY_ENDPOINT = 'localhost:6832';

/** configgrpc keys this receiver accepts but does not implement yet. */
const GRPC_NOT_YET_KEYS = ['tls', 'auth', 'middlewares'];

export const DEFAULT_QUEUE_SIZE = 1000;
export const DEFAULT_MAX_PACKET_SIZE = 65000;
export const DEFAULT_WORKERS = 10;
export const DEFAULT_SOCKET_BUFFER_SIZE = 0;

export const NO_PROTOCOL_MESSAGE = 'must specify at least one protocol when using the Jaeger receiver';
export const REMOTE_SAMPLING_MESSAGE =
  'remote sampling config detected in the Jaeger receiver; use the `jaegerremotesampling` extension instead';

/**
 * configgrpc.ServerConfig, as the otlp receiver reads it, with the Jaeger collector's default
 * endpoint: the default is filled in before the shared schema sees the map. The shared schema
 * accepts tls / auth (the otlp receiver implements them); this receiver does not yet, so they
 * are refused here rather than silently served in plaintext.
 */
const jaegerGrpcSchema = z
  .preprocess((v) => {
    if (v === null || v === undefined) return { endpoint: DEFAULT_GRPC_ENDPOINT };
    if (typeof v === 'object' && !Array.isArray(v) && (v as Record<string, unknown>)['endpoint'] === undefined) {
      return { ...(v as Record<string, unknown>), endpoint: DEFAULT_GRPC_ENDPOINT };
    }
    return v;
  }, grpcConfigSchema)
  .superRefine((v, ctx) => refuseNotYet(v as unknown as Record<string, unknown>, GRPC_NOT_YET_KEYS, ctx));

export const thriftHttpConfigSchema = zStrictObject(httpServerShape(DEFAULT_THRIFT_HTTP_ENDPOINT)).superRefine((v, ctx) =>
  refuseNotYet(v, HTTP_NOT_YET_KEYS, ctx),
);

/** otelcol's ProtocolUDP (endpoint + ServerConfigUDP). */
const udpSchema = (defaultEndpoint: string) =>
  zStrictObject({
    endpoint: zEndpoint(defaultEndpoint),
    queue_size: nonNegativeInt('a number of packets').default(DEFAULT_QUEUE_SIZE),
    max_packet_size: positiveInt('a size in bytes').default(DEFAULT_MAX_PACKET_SIZE),
    workers: positiveInt('a number of workers').default(DEFAULT_WORKERS),
    socket_buffer_size: nonNegativeInt('a size in bytes').default(DEFAULT_SOCKET_BUFFER_SIZE),
  });

export const thriftCompactConfigSchema = udpSchema(DEFAULT_THRIFT_COMPACT_ENDPOINT);
export const thriftBinaryConfigSchema = udpSchema(DEFAULT_THRIFT_BINARY_ENDPOINT);

export const jaegerReceiverConfigSchema = zStrictObject({
  protocols: zStrictObject({
    grpc: jaegerGrpcSchema.optional(),
    thrift_http: thriftHttpConfigSchema.optional(),
    thrift_compact: thriftCompactConfigSchema.optional(),
    thrift_binary: thriftBinaryConfigSchema.optional(),
  }),
  // Removed from the receiver in otelcol (now the jaegerremotesampling extension).
  remote_sampling: z.unknown().optional(),
}).superRefine((v, ctx) => {
  const p = v.protocols;
  if (p.grpc === undefined && p.thrift_http === undefined && p.thrift_compact === undefined && p.thrift_binary === undefined) {
    ctx.addIssue({ code: 'custom', message: NO_PROTOCOL_MESSAGE, path: ['protocols'] });
  }
  if (v.remote_sampling !== undefined && v.remote_sampling !== null) {
    ctx.addIssue({ code: 'custom', message: REMOTE_SAMPLING_MESSAGE, path: ['remote_sampling'] });
  }
});

export type JaegerReceiverConfig = z.output<typeof jaegerReceiverConfigSchema>;
export type JaegerGrpcConfig = NonNullable<JaegerReceiverConfig['protocols']['grpc']>;
export type ThriftHttpConfig = z.output<typeof thriftHttpConfigSchema>;
export type UdpConfig = z.output<typeof thriftCompactConfigSchema>;
