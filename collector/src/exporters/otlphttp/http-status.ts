/**
 * OTLP/HTTP response -> outcome, as otelcol's otlphttpexporter decides it:
 *
 * - 2xx: success; the body may carry a partial success (protobuf or JSON by Content-Type; other
 *   types are ignored). A body that does not parse is an error that is not permanent, so it
 *   counts as retryable, as in otelcol.
 * - 429, 502, 503, 504: retryable. On 429 and 503 (the throttling statuses of the OTLP spec) a
 *   Retry-After header is the throttle hint: delay-seconds as otelcol reads it, and the HTTP-date
 *   form as well (RFC 9110 allows both; otelcol ignores dates).
 * - any other status: permanent.
 * - The error body of a 4xx/5xx may be a google.rpc.Status; its message goes into the error.
 */
import { CollectorError } from '../../errors/codes.ts';
import { decodeRpcStatus, exportTraceServiceResponseFromJson, decodeExportTraceServiceResponse, rpcStatusFromJson } from '../../pdata/rpc.ts';
import type { ExportPartialSuccess } from '../../pdata/rpc.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/x-protobuf';
export const JSON_CONTENT_TYPE = 'application/json';

const RETRYABLE = new Set([429, 502, 503, 504]);
const THROTTLE = new Set([429, 503]);

export function isRetryableHttpStatus(status: number): boolean {
  return RETRYABLE.has(status);
}

const DELAY_SECONDS = /^\d+$/;
const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Retry-After -> milliseconds from `nowMs`: delay-seconds or an HTTP-date (IMF-fixdate, RFC 850
 * or asctime, all GMT). A date in the past is 0. undefined when absent or not in those forms
 * (Date.parse alone would read "5.5" as a date in 2001).
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (DELAY_SECONDS.test(v)) return Number(v) * 1000;
  let t = Number.NaN;
  if (IMF_FIXDATE.test(v) || RFC850_DATE.test(v)) t = Date.parse(v);
  else if (ASCTIME_DATE.test(v)) t = Date.parse(`${v} GMT`);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - nowMs);
}

/** The media type of a Content-Type, lower-cased, without parameters. */
function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** How much of a text/* error body goes into the error message. */
const TEXT_MESSAGE_LIMIT = 512;

/**
 * The message of an error body: a google.rpc.Status (JSON when the Content-Type says so,
 * otherwise protobuf, as otelcol always tries), or the start of a text/* body. undefined when
 * there is nothing readable.
 */
export function errorBodyMessage(body: Buffer, contentType: string | undefined): string | undefined {
  if (body.length === 0) return undefined;
  const type = mediaType(contentType);
  try {
    if (type === JSON_CONTENT_TYPE) return rpcStatusFromJson(JSON.parse(body.toString('utf8'))).message;
    if (type.startsWith('text/')) return body.toString('utf8', 0, Math.min(body.length, TEXT_MESSAGE_LIMIT)).trim();
    return decodeRpcStatus(body).message;
  } catch {
    // Not a Status: the status code alone describes the failure, as in otelcol.
    return undefined;
  }
}

/** A non-2xx response as the error consume() rejects with. */
export function classifyHttpError(
  url: string,
  status: number,
  retryAfter: string | undefined,
  message: string | undefined,
  nowMs: number,
): CollectorError {
  const detail =
    message !== undefined && message !== ''
      ? `error exporting items, request to ${url} responded with HTTP Status Code ${status}, Message=${message}`
      : `error exporting items, request to ${url} responded with HTTP Status Code ${status}`;
  if (!RETRYABLE.has(status)) return new CollectorError('TP_EXPORT_PERMANENT', detail);
  const delayMs = THROTTLE.has(status) ? parseRetryAfter(retryAfter, nowMs) : undefined;
  return new CollectorError('TP_EXPORT_RETRYABLE', detail, delayMs !== undefined && delayMs > 0 ? { retryAfterMs: delayMs } : undefined);
}

/**
 * The partial success of a 2xx body, or null when there is none. Content-Type must be exactly
 * one of the two OTLP types (otelcol compares the header as a whole); others are not read.
 * Throws a retryable CollectorError when the body does not parse.
 */
export function partialSuccessOf(body: Buffer, contentType: string | undefined): ExportPartialSuccess | null {
  if (body.length === 0) return null;
  const type = contentType?.trim().toLowerCase();
  try {
    if (type === PROTOBUF_CONTENT_TYPE) return decodeExportTraceServiceResponse(body).partialSuccess;
    if (type === JSON_CONTENT_TYPE) return exportTraceServiceResponseFromJson(JSON.parse(body.toString('utf8'))).partialSuccess;
  } catch (err) {
    const what = type === PROTOBUF_CONTENT_TYPE ? 'protobuf' : 'json';
    throw new CollectorError('TP_EXPORT_RETRYABLE', `error parsing ${what} response: ${(err as Error).message}`, { cause: err });
  }
  return null;
}
