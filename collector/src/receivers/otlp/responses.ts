/**
 * Response bodies shared by the transports: the empty ExportTraceServiceResponse (both encodings)
 * and the google.rpc.Status error bodies, with a RetryInfo detail when downstream gave a retry
 * delay (OTLP: RESOURCE_EXHAUSTED / UNAVAILABLE may carry RetryInfo; HTTP uses Retry-After).
 */
import type { CollectorError } from '../../errors/codes.ts';
import {
  encodeExportTraceServiceResponse,
  encodeRetryInfo,
  encodeRpcStatus,
  exportTraceServiceResponseToJson,
  RETRY_INFO_TYPE_URL,
  rpcStatusToJson,
  type RpcStatus,
} from '../../pdata/rpc.ts';

export type WireFormat = 'protobuf' | 'json';

// All-accepted responses never change: encode them once. (Partial success is never sent: a
// batch is accepted or refused as a whole.)
const SUCCESS_PROTOBUF = encodeExportTraceServiceResponse({ partialSuccess: null });
const SUCCESS_JSON = Buffer.from(JSON.stringify(exportTraceServiceResponseToJson({ partialSuccess: null })));

export function exportSuccessBody(format: WireFormat): Buffer {
  return format === 'json' ? SUCCESS_JSON : SUCCESS_PROTOBUF;
}

/** The retry delay to pass on, if the refusal is retryable and downstream named one. */
function retryDelayMs(err: CollectorError): number | undefined {
  return err.retryable && err.retryAfterMs !== undefined && err.retryAfterMs >= 0 ? err.retryAfterMs : undefined;
}

function rpcStatusOf(err: CollectorError): RpcStatus {
  const delay = retryDelayMs(err);
  return {
    code: err.grpcStatus,
    message: err.message,
    details: delay === undefined ? [] : [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(delay) }],
  };
}

/** OTLP/HTTP error body: google.rpc.Status in the request's encoding. */
export function statusBody(err: CollectorError, format: WireFormat): Buffer {
  const status = rpcStatusOf(err);
  return format === 'json' ? Buffer.from(JSON.stringify(rpcStatusToJson(status))) : encodeRpcStatus(status);
}

/** grpc-status-details-bin for a gRPC error, when there is a RetryInfo to send. */
export function grpcStatusDetails(err: CollectorError): Buffer | undefined {
  return retryDelayMs(err) === undefined ? undefined : encodeRpcStatus(rpcStatusOf(err));
}

/** Retry-After in whole seconds (rounded up), when the refusal is retryable with a known delay. */
export function retryAfterSeconds(err: CollectorError): string | undefined {
  const delay = retryDelayMs(err);
  return delay === undefined ? undefined : String(Math.ceil(delay / 1000));
}
