/**
 * The one registry of error codes (like fastify's lib/errors): each code has a message and the
 * gRPC / HTTP status a receiver answers with when the error reaches it. `retryable` tells a
 * sender whether trying again can succeed; otelcol calls the others "permanent".
 * docs/ERRORS.md documents every code; a test checks that it does.
 */

/** gRPC status codes used here (numbers from grpc's status.proto). */
export const Grpc = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export interface ErrorCodeSpec {
  readonly message: string;
  readonly grpc: number;
  readonly http: number;
  readonly retryable: boolean;
}

export const errorCodes = {
  TP_BAD_REQUEST: { message: 'request could not be decoded', grpc: Grpc.INVALID_ARGUMENT, http: 400, retryable: false },
  TP_INVALID_ID: { message: 'trace or span id has an invalid length', grpc: Grpc.INVALID_ARGUMENT, http: 400, retryable: false },
  TP_UNSUPPORTED_MEDIA_TYPE: { message: 'unsupported content type', grpc: Grpc.UNIMPLEMENTED, http: 415, retryable: false },
  TP_UNSUPPORTED_ENCODING: { message: 'unsupported content encoding', grpc: Grpc.UNIMPLEMENTED, http: 400, retryable: false },
  TP_METHOD_NOT_ALLOWED: { message: 'method not allowed', grpc: Grpc.UNIMPLEMENTED, http: 405, retryable: false },
  TP_NOT_FOUND: { message: 'no such path', grpc: Grpc.UNIMPLEMENTED, http: 404, retryable: false },
  TP_BODY_TOO_LARGE: { message: 'request body exceeds the configured limit', grpc: Grpc.RESOURCE_EXHAUSTED, http: 413, retryable: false },
  TP_PIPELINE_REFUSED: { message: 'the pipeline refused the data', grpc: Grpc.UNAVAILABLE, http: 503, retryable: true },
  TP_MEMORY_LIMITED: { message: 'data refused due to high memory usage', grpc: Grpc.UNAVAILABLE, http: 503, retryable: true },
  TP_METADATA_CARDINALITY_LIMIT: { message: 'too many batcher metadata-value combinations', grpc: Grpc.INVALID_ARGUMENT, http: 400, retryable: false },
  TP_QUEUE_FULL: { message: 'sending queue is full', grpc: Grpc.UNAVAILABLE, http: 503, retryable: true },
  TP_THROTTLED: { message: 'too many requests', grpc: Grpc.RESOURCE_EXHAUSTED, http: 429, retryable: true },
  TP_SHUTTING_DOWN: { message: 'the collector is shutting down', grpc: Grpc.UNAVAILABLE, http: 503, retryable: true },
  TP_EXPORT_RETRYABLE: { message: 'export failed, retryable', grpc: Grpc.UNAVAILABLE, http: 503, retryable: true },
  TP_EXPORT_PERMANENT: { message: 'export failed permanently', grpc: Grpc.INTERNAL, http: 500, retryable: false },
  TP_EXPORT_TIMEOUT: { message: 'export timed out', grpc: Grpc.DEADLINE_EXCEEDED, http: 504, retryable: true },
  TP_INTERNAL: { message: 'internal error', grpc: Grpc.INTERNAL, http: 500, retryable: false },
  TP_UNAUTHENTICATED: { message: 'request not authenticated', grpc: Grpc.UNAUTHENTICATED, http: 401, retryable: false },
  TP_CONFIG_INVALID: { message: 'invalid configuration', grpc: Grpc.INVALID_ARGUMENT, http: 400, retryable: false },
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof errorCodes;

export class CollectorError extends Error {
  readonly code: ErrorCode;
  readonly grpcStatus: number;
  readonly httpStatus: number;
  readonly retryable: boolean;
  /** A throttle hint from downstream (RetryInfo / Retry-After), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    const spec: ErrorCodeSpec = errorCodes[code];
    super(detail ? `${spec.message}: ${detail}` : spec.message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'CollectorError';
    this.code = code;
    this.grpcStatus = spec.grpc;
    this.httpStatus = spec.http;
    this.retryable = spec.retryable;
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export function isCollectorError(err: unknown): err is CollectorError {
  return err instanceof CollectorError;
}

/** Any thrown value as a CollectorError (unknown errors become TP_INTERNAL). */
export function toCollectorError(err: unknown): CollectorError {
  if (err instanceof CollectorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CollectorError('TP_INTERNAL', message, { cause: err });
}
