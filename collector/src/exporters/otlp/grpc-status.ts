/**
 * gRPC error -> CollectorError, as otelcol's otlpexporter processError/shouldRetry decide:
 * CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS are retryable;
 * RESOURCE_EXHAUSTED only when the status carries a google.rpc.RetryInfo detail (the server says
 * it can recover); every other code is permanent. A RetryInfo delay on a retryable error is the
 * throttle hint (retryAfterMs), as exporterhelper.NewThrottleRetry takes it.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CollectorError, Grpc } from '../../errors/codes.ts';
import { decodeRetryInfo, decodeRpcStatus, RETRY_INFO_TYPE_URL, type RpcStatus } from '../../pdata/rpc.ts';
import { WireError } from '../../pdata/wire-reader.ts';

const RETRYABLE = new Set<number>([Grpc.CANCELLED, Grpc.DEADLINE_EXCEEDED, Grpc.ABORTED, Grpc.OUT_OF_RANGE, Grpc.UNAVAILABLE, Grpc.DATA_LOSS]);

/** grpc-go prints codes as "Unavailable"; grpc-js's enum name ("UNAVAILABLE") reads as well. */
function codeName(code: number): string {
  return (GrpcStatus as unknown as Record<number, string | undefined>)[code] ?? `Code(${code})`;
}

/**
 * The RetryInfo of a grpc-status-details-bin trailer: undefined when there is none (or the
 * trailer is malformed: a bad hint from a peer must not change the outcome), else its delay in
 * ms (0 when the RetryInfo has no retry_delay: still "RetryInfo present" for RESOURCE_EXHAUSTED).
 */
export function retryInfoDelayMs(statusDetailsBin: Buffer | undefined): number | undefined {
  if (statusDetailsBin === undefined || statusDetailsBin.length === 0) return undefined;
  let status: RpcStatus;
  try {
    status = decodeRpcStatus(statusDetailsBin);
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
  for (const d of status.details) {
    if (d.typeUrl !== RETRY_INFO_TYPE_URL && !d.typeUrl.endsWith('/google.rpc.RetryInfo')) continue;
    try {
      return decodeRetryInfo(d.value) ?? 0;
    } catch (err) {
      if (err instanceof WireError) return undefined;
      throw err;
    }
  }
  return undefined;
}

export function isRetryableGrpcCode(code: number, hasRetryInfo: boolean): boolean {
  if (RETRYABLE.has(code)) return true;
  return code === Grpc.RESOURCE_EXHAUSTED && hasRetryInfo;
}

/** Classifies a failed call by its status code, details text and grpc-status-details-bin trailer. */
export function classifyGrpcError(code: number, details: string, statusDetailsBin: Buffer | undefined): CollectorError {
  const delayMs = retryInfoDelayMs(statusDetailsBin);
  const detail = `rpc error: code = ${codeName(code)} desc = ${details}`;
  if (!isRetryableGrpcCode(code, delayMs !== undefined)) return new CollectorError('TP_EXPORT_PERMANENT', detail);
  // otelcol throttles only on a non-zero delay; 0 leaves the backoff policy in charge.
  const options = delayMs !== undefined && delayMs > 0 ? { retryAfterMs: delayMs } : undefined;
  return new CollectorError(code === Grpc.DEADLINE_EXCEEDED ? 'TP_EXPORT_TIMEOUT' : 'TP_EXPORT_RETRYABLE', detail, options);
}
