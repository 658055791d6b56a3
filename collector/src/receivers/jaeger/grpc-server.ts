/**
 * Jaeger's api_v2 `jaeger.api_v2.CollectorService/PostSpans` on @grpc/grpc-js, registered with
 * identity (de)serializers so the request reaches us as bytes (decoded by proto-decode.ts).
 * Answers as otelcol's jaegerreceiver: an empty PostSpansResponse when accepted,
 * INVALID_ARGUMENT for an undecodable request, the refusal's status otherwise (UNAVAILABLE when
 * retryable).
 */
import { Metadata, Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall, type ServiceDefinition } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { splitEndpoint } from '../../config/schema-helpers.ts';
import { CollectorError, toCollectorError } from '../../errors/codes.ts';
import type { ClientMetadata, SpanBatch } from '../../pdata/span-batch.ts';
import { grpcServerOptions } from '../otlp/grpc-server.ts';
import type { JaegerGrpcConfig } from './config.ts';
import type { ReceiverHandoff } from './handoff.ts';
import { JaegerDecodeError } from './jaeger-model.ts';
import { decodePostSpansRequest } from './proto-decode.ts';
import { jaegerToOtlp } from './translate.ts';

export const COLLECTOR_SERVICE = 'jaeger.api_v2.CollectorService';
export const POST_SPANS_PATH = `/${COLLECTOR_SERVICE}/PostSpans`;

const identity = (b: Buffer): Buffer => b;
// An empty PostSpansResponse encodes to zero bytes.
const EMPTY_RESPONSE = Buffer.alloc(0);

const collectorServiceDefinition: ServiceDefinition = {
  PostSpans: {
    path: POST_SPANS_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** gRPC metadata (lower-case keys) as client metadata; binary (-bin) values as base64. */
function metadataOf(md: Metadata): ClientMetadata {
  const out = new Map<string, readonly string[]>();
  const all = md.toJSON();
  for (const key in all) out.set(key, all[key]!.map((v) => (typeof v === 'string' ? v : v.toString('base64'))));
  return out;
}

export class JaegerGrpcServer {
  private readonly config: JaegerGrpcConfig;
  private readonly handoff: ReceiverHandoff;
  private readonly logger: Logger;
  private readonly server: Server;
  private address: string | undefined;
  private closed: Promise<void> | undefined;

  constructor(config: JaegerGrpcConfig, handoff: ReceiverHandoff, logger: Logger) {
    this.config = config;
    this.handoff = handoff;
    this.logger = logger;
    this.server = new Server(grpcServerOptions(config));
    this.server.addService(collectorServiceDefinition, { PostSpans: this.handlePostSpans });
  }

  /** Binds the endpoint; resolves with the bound "host:port". */
  async listen(): Promise<string> {
    const endpoint = this.config.endpoint;
    const { host, port } = splitEndpoint(endpoint)!;
    let bound: string;
    if (host === '') {
      // Every interface, as Go's ":14250": dual-stack "::" where IPv6 exists, else 0.0.0.0.
      try {
        bound = `[::]:${await this.bind(`[::]:${port}`)}`;
      } catch {
        bound = `0.0.0.0:${await this.bindOrExplain(`0.0.0.0:${port}`, endpoint)}`;
      }
    } else {
      const target = host.includes(':') ? `[${host}]` : host;
      bound = `${target}:${await this.bindOrExplain(`${target}:${port}`, endpoint)}`;
    }
    this.address = bound;
    return bound;
  }

  boundAddress(): string | undefined {
    return this.closed === undefined ? this.address : undefined;
  }

  /** Stops accepting calls, lets in-flight ones finish, cuts the rest after `graceMs`. Idempotent. */
  close(graceMs: number): Promise<void> {
    if (this.closed !== undefined) return this.closed;
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
      throw new Error(`jaeger receiver: cannot listen for gRPC on "${endpoint}": ${(err as Error).message}`, { cause: err });
    }
  }

  private bind(target: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(target, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    });
  }

  private readonly handlePostSpans = (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
    let batch: SpanBatch;
    try {
      batch = this.handoff.toBatch(jaegerToOtlp(decodePostSpansRequest(call.request)));
    } catch (err) {
      if (err instanceof JaegerDecodeError) {
        const refusal = new CollectorError('TP_BAD_REQUEST', err.message, { cause: err });
        this.handoff.onInvalid(refusal);
        callback({ code: refusal.grpcStatus, details: refusal.message });
        return;
      }
      const failure = toCollectorError(err);
      this.logger.error({ transport: 'grpc', err }, 'failed to translate a Jaeger PostSpans request');
      callback({ code: failure.grpcStatus, details: failure.message });
      return;
    }
    // Nothing to export: success without bothering the pipeline.
    if (batch.spanCount === 0) {
      callback(null, EMPTY_RESPONSE);
      return;
    }
    if (this.config.include_metadata) batch.metadata = metadataOf(call.metadata);
    this.handoff.consume(batch).then(
      () => callback(null, EMPTY_RESPONSE),
      (err: CollectorError) => callback({ code: err.grpcStatus, details: err.message }),
    );
  };
}
