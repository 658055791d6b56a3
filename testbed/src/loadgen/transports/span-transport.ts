/**
 * How the generator hands an encoded request to the system under test, and how it classifies the
 * answer the way the OpenTelemetry JS SDK's exporters do.
 */
export type ExportOutcome = 'ok' | 'retryable' | 'permanent';

export interface ExportResult {
  outcome: ExportOutcome;
  /** Server-requested delay (HTTP Retry-After, gRPC RetryInfo). */
  retryAfterMs: number | undefined;
  /** ExportTracePartialSuccess.rejected_spans of an accepted request. */
  rejectedSpans: number;
  /** Short machine-readable status: "grpc:14", "http:503", "error:ECONNREFUSED", "timeout". */
  status: string;
}

export interface SpanTransport {
  /** Sends one request for the given tenant index; never rejects, failures are results. */
  send(body: Buffer, tenant: number, timeoutMs: number): Promise<ExportResult>;
  close(): Promise<void>;
}

export interface TransportOptions {
  endpoint: string;
  compression: 'none' | 'gzip';
  headers: Record<string, string>;
  tenantHeader: string;
  /** Tenant names by index; empty means no tenant header. */
  tenants: readonly string[];
  /** Parallel requests the transport should be ready for (sizes connection pools). */
  concurrency: number;
}

/** gRPC codes the JS SDK retries (exporter-base's isRetryableStatusCode for gRPC). */
export const RETRYABLE_GRPC_CODES: ReadonlySet<number> = new Set([1, 4, 8, 10, 11, 14, 15]);
/** HTTP statuses the JS SDK retries. */
export const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export function result(outcome: ExportOutcome, status: string, retryAfterMs?: number, rejectedSpans = 0): ExportResult {
  return { outcome, status, retryAfterMs, rejectedSpans };
}
