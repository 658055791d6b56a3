/**
 * OTLP/gRPC for traces on @grpc/grpc-js: the TraceService/Export method registered with
 * identity (de)serializers, so the request reaches us as the Buffer that came off the wire and
 * is indexed in place (no protobuf objects, ../../../../shared/DESIGN.md "Spans travel as bytes").
 * Status codes as otelcol's otlpreceiver: INVALID_ARGUMENT for undecodable requests, the
 * refusal's own status otherwise (UNAVAILABLE when retryable, RESOURCE_EXHAUSTED + RetryInfo
 * when throttled). With `tls` the server speaks TLS (mTLS with client_ca_file) and follows
 * certificate renewals without a restart; with `auth` every call is authenticated before its
 * request is indexed (UNAUTHENTICATED otherwise).
 */
import { widenFlowControlWindows } from './grpc-flow-control.ts';
import {
  Metadata,
  Server,
  ServerCredentials,
  type ChannelOptions,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { CollectorError, toCollectorError } from '../../errors/codes.ts';
import { GrpcMetadataHeaders, type ServerAuthenticator } from '../../extensions/authenticator.ts';
import { attachGrpcServerTls, createServerCredentials } from '../../tls/grpc-server-credentials.ts';
import type { SecureContextProvider } from '../../tls/server-tls.ts';
import { splitEndpoint } from '../../config/schema-helpers.ts';
import type { ClientMetadata, SpanBatch } from '../../pdata/span-batch.ts';
import { DEFAULT_MAX_RECV_MSG_SIZE_MIB, type GrpcConfig } from './config.ts';
import { grpcStatusDetails } from './responses.ts';
import type { TraceExport } from './trace-export.ts';

export const TRACE_SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';
export const EXPORT_PATH = `/${TRACE_SERVICE}/Export`;

const identity = (b: Buffer): Buffer => b;
// An empty ExportTraceServiceResponse (no partial_success) encodes to zero bytes.
const EMPTY_RESPONSE = Buffer.alloc(0);

const traceServiceDefinition: ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Node's http2 maxSessionMemory for each gRPC connection, in MB. */
export const MAX_SESSION_MEMORY_MB = 64;

/** grpc-js channel options from the otelcol keys grpc-js has an equivalent for. */
export function grpcServerOptions(config: GrpcConfig): ChannelOptions {
  const mib = config.max_recv_msg_size_mib > 0 ? config.max_recv_msg_size_mib : DEFAULT_MAX_RECV_MSG_SIZE_MIB;
  const options: ChannelOptions = { 'grpc.max_receive_message_length': mib * 1024 * 1024 };
  if (config.max_concurrent_streams > 0) options['grpc.max_concurrent_streams'] = config.max_concurrent_streams;
  // grpc-js lifts Node's per-session memory cap (10 MB) to unlimited by default; a bound keeps a
  // flood of streams, headers or control frames on one connection from growing memory without
  // end (new streams are refused while over it). Far above what Export traffic needs.
  options['grpc-node.max_session_memory'] = MAX_SESSION_MEMORY_MB;
  const sp = config.keepalive?.server_parameters;
  if (sp !== undefined) {
    if (sp.max_connection_idle !== undefined && sp.max_connection_idle > 0) options['grpc.max_connection_idle_ms'] = sp.max_connection_idle;
    if (sp.max_connection_age !== undefined && sp.max_connection_age > 0) options['grpc.max_connection_age_ms'] = sp.max_connection_age;
    if (sp.max_connection_age_grace !== undefined && sp.max_connection_age_grace > 0) {
      options['grpc.max_connection_age_grace_ms'] = sp.max_connection_age_grace;
    }
    if (sp.time !== undefined && sp.time > 0) options['grpc.keepalive_time_ms'] = sp.time;
    if (sp.timeout !== undefined && sp.timeout > 0) options['grpc.keepalive_timeout_ms'] = sp.timeout;
  }
  return options;
}

/** gRPC metadata (lower-case keys) as client metadata; binary (-bin) values as base64. */
function metadataOf(md: Metadata): ClientMetadata {
  const out = new Map<string, readonly string[]>();
  const all = md.toJSON();
  for (const key in all) {
    const values = all[key]!;
    out.set(
      key,
      values.map((v) => (typeof v === 'string' ? v : v.toString('base64'))),
    );
  }
  return out;
}

function grpcError(err: CollectorError): { code: number; details: string; metadata?: Metadata } {
  const details = grpcStatusDetails(err);
  if (details === undefined) return { code: err.grpcStatus, details: err.message };
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', details);
  return { code: err.grpcStatus, details: err.message, metadata };
}

/** What the receiver resolved at start for this server: TLS material and the authenticator. */
export interface ServerSecurity {
  readonly tls?: SecureContextProvider | undefined;
  readonly auth?: ServerAuthenticator | undefined;
}

export class OtlpGrpcServer {
  private readonly config: GrpcConfig;
  private readonly core: TraceExport;
  private readonly logger: Logger;
  private readonly server: Server;
  private readonly tls: SecureContextProvider | undefined;
  private readonly auth: ServerAuthenticator | undefined;
  private readonly credentials: ServerCredentials;
  private address: string | undefined;
  private closed: Promise<void> | undefined;

  /** Takes ownership of `security.tls` (closed with the server). */
  constructor(config: GrpcConfig, core: TraceExport, logger: Logger, security: ServerSecurity = {}) {
    this.config = config;
    this.core = core;
    this.logger = logger;
    this.tls = security.tls;
    this.auth = security.auth;
    this.credentials = this.tls === undefined ? ServerCredentials.createInsecure() : createServerCredentials(this.tls);
    this.server = new Server(grpcServerOptions(config));
    this.server.addService(traceServiceDefinition, { Export: this.handleExport });
    if (config.keepalive?.enforcement_policy !== undefined) {
      logger.info('keepalive.enforcement_policy is accepted but not enforced (grpc-js servers have no ping policy)');
    }
  }

  /** Binds the endpoint; resolves with the bound "host:port". */
  async listen(): Promise<string> {
    const endpoint = this.config.endpoint;
    const { host, port } = splitEndpoint(endpoint)!;
    let bound: { host: string; port: number };
    if (host === '') {
      // Every interface, as Go's ":4317": dual-stack "::" where IPv6 exists, else 0.0.0.0.
      try {
        bound = { host: '[::]', port: await this.bind(`[::]:${port}`) };
      } catch {
        bound = { host: '0.0.0.0', port: await this.bindOrExplain(`0.0.0.0:${port}`, endpoint) };
      }
    } else {
      const target = host.includes(':') ? `[${host}]` : host;
      bound = { host: target, port: await this.bindOrExplain(`${target}:${port}`, endpoint) };
    }
    this.address = `${bound.host}:${bound.port}`;
    this.logger.info({ endpoint: this.address, tls: this.tls !== undefined, mtls: this.tls?.requireClientCert ?? false }, 'Starting GRPC server');
    return this.address;
  }

  boundAddress(): string | undefined {
    return this.closed === undefined ? this.address : undefined;
  }

  /**
   * Stops accepting calls and lets in-flight ones finish; after `graceMs` the remaining
   * connections are cut. Idempotent; fine when never bound.
   */
  close(graceMs: number): Promise<void> {
    if (this.closed !== undefined) return this.closed;
    this.tls?.close();
    this.closed = new Promise<void>((resolve) => {
      const force = setTimeout(() => this.server.forceShutdown(), graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return this.closed;
  }

  private async bindOrExplain(target: string, endpoint: string): Promise<number> {
    try {
      return await this.bind(target);
    } catch (err) {
      throw new Error(`otlp receiver: cannot listen for gRPC on "${endpoint}": ${(err as Error).message}`, { cause: err });
    }
  }

  private async bind(target: string): Promise<number> {
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(target, this.credentials, (err, port) => (err ? reject(err) : resolve(port)));
    });
    this.tunedServers = widenFlowControlWindows(this.server);
    if (this.tls !== undefined) attachGrpcServerTls(this.server, this.tls);
    return port;
  }

  /** HTTP/2 servers whose flow-control windows were widened (see grpc-flow-control.ts). */
  tunedServers = 0;

  private readonly handleExport = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
    if (this.auth !== undefined) {
      try {
        this.auth.authenticate(new GrpcMetadataHeaders(call.metadata));
      } catch (err) {
        const refusal = toCollectorError(err);
        this.core.onInvalid(refusal);
        callback(grpcError(refusal));
        return;
      }
    }
    let batch: SpanBatch;
    try {
      batch = this.core.decode(call.request);
    } catch (err) {
      const refusal = err instanceof CollectorError ? err : new CollectorError('TP_BAD_REQUEST', (err as Error).message, { cause: err });
      this.core.onInvalid(refusal);
      callback(grpcError(refusal));
      return;
    }
    // Nothing to export: success without bothering the pipeline (as otelcol).
    if (batch.spanCount === 0) {
      callback(null, EMPTY_RESPONSE);
      return;
    }
    if (this.config.include_metadata) batch.metadata = metadataOf(call.metadata);
    this.core.consume(batch).then(
      () => callback(null, EMPTY_RESPONSE),
      (err: CollectorError) => callback(grpcError(err)),
    );
  };
}
