/**
 * OTLP/gRPC with @grpc/grpc-js, raw bytes in and out: the (de)serializers pass buffers through,
 * so no protobuf objects are built on either side of the call.
 */
import * as grpc from '@grpc/grpc-js';
import { OTLP_TRACE_EXPORT_PATH } from '../../proto/otlp-fields.ts';
import { STATUS_DETAILS_METADATA_KEY, decodeRpcStatus } from '../../proto/rpc-status.ts';
import { rejectedSpansOf } from './partial-success.ts';
import { RETRYABLE_GRPC_CODES, result, type ExportResult, type SpanTransport, type TransportOptions } from './span-transport.ts';

const passThrough = (b: Buffer): Buffer => b;
/** grpc-js compression algorithm ids (compression-algorithms.ts). */
const GZIP = 2;

export class GrpcTransport implements SpanTransport {
  private readonly client: grpc.Client;
  private readonly metadataByTenant: grpc.Metadata[];

  constructor(o: TransportOptions) {
    const target = o.endpoint.replace(/^(grpc|http):\/\//, '');
    this.client = new grpc.Client(target, grpc.credentials.createInsecure(), {
      'grpc.default_compression_algorithm': o.compression === 'gzip' ? GZIP : 0,
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      // Each worker has its own connection, as separate services would.
      'grpc.use_local_subchannel_pool': 1,
    });
    const tenants = o.tenants.length ? o.tenants : [undefined];
    this.metadataByTenant = tenants.map((tenant) => {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(o.headers)) md.set(k, v);
      if (tenant !== undefined) md.set(o.tenantHeader, tenant);
      return md;
    });
  }

  send(body: Buffer, tenant: number, timeoutMs: number): Promise<ExportResult> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest<Buffer, Buffer>(
        OTLP_TRACE_EXPORT_PATH,
        passThrough,
        passThrough,
        body,
        // grpc-js adds to the metadata of a call; each call gets its own copy.
        this.metadataByTenant[tenant]!.clone(),
        { deadline: Date.now() + timeoutMs },
        (err, response) => {
          if (!err) return resolve(result('ok', 'grpc:0', undefined, rejectedSpansOf(response)));
          const code = err.code ?? grpc.status.UNKNOWN;
          const retryable = RETRYABLE_GRPC_CODES.has(code);
          resolve(result(retryable ? 'retryable' : 'permanent', `grpc:${code}`, retryable ? retryDelayOf(err) : undefined));
        },
      );
    });
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

function retryDelayOf(err: grpc.ServiceError): number | undefined {
  const details = err.metadata?.get(STATUS_DETAILS_METADATA_KEY)[0];
  if (!(details instanceof Buffer)) return undefined;
  try {
    return decodeRpcStatus(details).retryDelayMs;
  } catch {
    return undefined;
  }
}
