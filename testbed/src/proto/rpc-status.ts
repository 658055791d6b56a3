/**
 * google.rpc.Status with a google.rpc.RetryInfo detail, as a server puts it in the
 * `grpc-status-details-bin` trailer when it throttles (RESOURCE_EXHAUSTED). otelcol's OTLP exporter
 * reads the RetryInfo delay from there; so does the testbed's generator.
 *
 * Status { 1 code int32, 2 message string, 3 details repeated Any }
 * Any { 1 type_url string, 2 value bytes }
 * RetryInfo { 1 retry_delay Duration }   Duration { 1 seconds int64, 2 nanos int32 }
 */
import { ProtoWriter, WireType } from './wire-writer.ts';
import { WireReader } from './wire-reader.ts';

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';
export const STATUS_DETAILS_METADATA_KEY = 'grpc-status-details-bin';

export function encodeRetryInfoStatus(code: number, message: string, retryDelayMs: number): Uint8Array {
  const duration = new ProtoWriter(16);
  const seconds = Math.floor(retryDelayMs / 1000);
  const nanos = Math.round((retryDelayMs - seconds * 1000) * 1e6);
  if (seconds > 0) duration.int64Field(1, seconds);
  if (nanos > 0) duration.varintField(2, nanos);
  const retryInfo = new ProtoWriter(16);
  retryInfo.messageField(1, duration.finish());
  const any = new ProtoWriter(64);
  any.stringField(1, RETRY_INFO_TYPE_URL);
  any.bytesField(2, retryInfo.finish());
  const status = new ProtoWriter(128);
  if (code !== 0) status.varintField(1, code);
  if (message) status.stringField(2, message);
  status.messageField(3, any.finish());
  return status.finish();
}

export interface DecodedRpcStatus {
  code: number;
  message: string;
  /** Delay from a RetryInfo detail, or undefined when there is none. */
  retryDelayMs: number | undefined;
}

const textDecoder = new TextDecoder();

export function decodeRpcStatus(buf: Uint8Array): DecodedRpcStatus {
  const out: DecodedRpcStatus = { code: 0, message: '', retryDelayMs: undefined };
  const r = new WireReader(buf);
  while (!r.atEnd()) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === WireType.VARINT) out.code = r.varint();
    else if (field === 2 && (tag & 7) === WireType.LEN) {
      const end = r.lengthDelimitedEnd();
      out.message = textDecoder.decode(buf.subarray(r.pos, end));
      r.pos = end;
    } else if (field === 3 && (tag & 7) === WireType.LEN) {
      const end = r.lengthDelimitedEnd();
      const delay = decodeAnyRetryInfo(buf, r.pos, end);
      if (delay !== undefined) out.retryDelayMs = delay;
      r.pos = end;
    } else r.skip(tag & 7);
  }
  return out;
}

function decodeAnyRetryInfo(buf: Uint8Array, start: number, end: number): number | undefined {
  const r = new WireReader(buf, start, end);
  let typeUrl = '';
  let valueStart = -1;
  let valueEnd = -1;
  while (!r.atEnd()) {
    const tag = r.varint();
    if ((tag & 7) === WireType.LEN && (tag >>> 3 === 1 || tag >>> 3 === 2)) {
      const fieldEnd = r.lengthDelimitedEnd();
      if (tag >>> 3 === 1) typeUrl = textDecoder.decode(buf.subarray(r.pos, fieldEnd));
      else {
        valueStart = r.pos;
        valueEnd = fieldEnd;
      }
      r.pos = fieldEnd;
    } else r.skip(tag & 7);
  }
  if (typeUrl !== RETRY_INFO_TYPE_URL || valueStart < 0) return undefined;
  const info = new WireReader(buf, valueStart, valueEnd);
  let delayMs = 0;
  while (!info.atEnd()) {
    const tag = info.varint();
    if (tag >>> 3 === 1 && (tag & 7) === WireType.LEN) {
      const durEnd = info.lengthDelimitedEnd();
      const d = new WireReader(buf, info.pos, durEnd);
      while (!d.atEnd()) {
        const dtag = d.varint();
        if (dtag >>> 3 === 1 && (dtag & 7) === WireType.VARINT) delayMs += d.varint() * 1000;
        else if (dtag >>> 3 === 2 && (dtag & 7) === WireType.VARINT) delayMs += d.varint() / 1e6;
        else d.skip(dtag & 7);
      }
      info.pos = durEnd;
    } else info.skip(tag & 7);
  }
  return delayMs;
}
