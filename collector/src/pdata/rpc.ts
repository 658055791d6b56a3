/**
 * Small RPC messages the OTLP receivers and exporters exchange besides the request itself, in
 * protobuf and JSON forms:
 *
 * - opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse
 *     { partial_success (1): ExportTracePartialSuccess { rejected_spans (1) int64, error_message (2) string } }
 *   An empty response (partialSuccess null) is zero bytes / `{}`.
 * - google.rpc.Status { code (1) int32, message (2) string, details (3) repeated google.protobuf.Any }
 *     google.protobuf.Any { type_url (1) string, value (2) bytes }
 *   the OTLP/HTTP error body, and the grpc-status-details-bin trailer of a gRPC error.
 * - google.rpc.RetryInfo { retry_delay (1) google.protobuf.Duration { seconds (1) int64, nanos (2) int32 } }
 *   the throttling hint in Status.details (type URL type.googleapis.com/google.rpc.RetryInfo).
 *
 * Decoders throw WireError on malformed bytes, JSON readers OtlpJsonError; except
 * retryDelayMsFromStatusDetails, which answers undefined for anything it cannot use (it reads a
 * peer's trailer: a bad one must not fail the export).
 */
import { WIRE_LEN, WIRE_VARINT, WireError, WireReader, expectWire, readTag } from './wire-reader.ts';
import { int32Size, lenFieldSize, utf8Length, varint64Size, varintSize, WireWriter } from './wire-writer.ts';
import { OtlpJsonError, type JsonObject } from './otlp-json.ts';

export interface ExportPartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

export interface ExportTraceServiceResponseModel {
  /** null when every span was accepted (the field is then absent). */
  partialSuccess: ExportPartialSuccess | null;
}

/** google.protobuf.Any */
export interface ProtoAny {
  typeUrl: string;
  value: Buffer;
}

/** google.rpc.Status */
export interface RpcStatus {
  code: number;
  message: string;
  details: ProtoAny[];
}

export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

// ---- small wire helpers ----

function readString(r: WireReader, end: number): string {
  const stop = r.lenEnd(end);
  const s = r.buf.toString('utf8', r.pos, stop);
  r.pos = stop;
  return s;
}

function readInt32(r: WireReader, end: number): number {
  return Number(BigInt.asIntN(32, r.varint64(end)));
}

function strFieldSize(byteLen: number): number {
  return byteLen === 0 ? 0 : lenFieldSize(byteLen);
}

function writeStr(w: WireWriter, tag: number, s: string, byteLen: number): void {
  if (byteLen === 0) return;
  w.byte(tag);
  w.varint(byteLen);
  w.utf8(s, byteLen);
}

// ---- ExportTraceServiceResponse ----

export function encodeExportTraceServiceResponse(m: ExportTraceServiceResponseModel): Buffer {
  const ps = m.partialSuccess;
  if (ps === null) return Buffer.alloc(0);
  const rejected = BigInt(Math.trunc(ps.rejectedSpans));
  const msgLen = utf8Length(ps.errorMessage);
  const inner = (rejected !== 0n ? 1 + varint64Size(rejected) : 0) + strFieldSize(msgLen);
  const w = new WireWriter(lenFieldSize(inner));
  w.byte(0x0a);
  w.varint(inner);
  if (rejected !== 0n) {
    w.byte(0x08);
    w.varint64(rejected);
  }
  writeStr(w, 0x12, ps.errorMessage, msgLen);
  return w.finish();
}

export function decodeExportTraceServiceResponse(buf: Buffer): ExportTraceServiceResponseModel {
  const r = new WireReader(buf, 0);
  const end = buf.length;
  let partialSuccess: ExportPartialSuccess | null = null;
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    if (tag >>> 3 === 1) {
      expectWire(tag, WIRE_LEN, 'ExportTraceServiceResponse.partial_success', at);
      const stop = r.lenEnd(end);
      partialSuccess ??= { rejectedSpans: 0, errorMessage: '' };
      while (r.pos < stop) {
        const at2 = r.pos;
        const t2 = readTag(r, stop);
        const field = t2 >>> 3;
        if (field === 1) {
          expectWire(t2, WIRE_VARINT, 'ExportTracePartialSuccess.rejected_spans', at2);
          partialSuccess.rejectedSpans = Number(r.varint64(stop));
        } else if (field === 2) {
          expectWire(t2, WIRE_LEN, 'ExportTracePartialSuccess.error_message', at2);
          partialSuccess.errorMessage = readString(r, stop);
        } else r.skip(t2 & 7, stop, field);
      }
    } else r.skip(tag & 7, end, tag >>> 3);
  }
  return { partialSuccess };
}

export function exportTraceServiceResponseToJson(m: ExportTraceServiceResponseModel): JsonObject {
  const ps = m.partialSuccess;
  if (ps === null) return {};
  const o: JsonObject = {};
  if (ps.rejectedSpans !== 0) o.rejectedSpans = String(Math.trunc(ps.rejectedSpans));
  if (ps.errorMessage !== '') o.errorMessage = ps.errorMessage;
  return { partialSuccess: o };
}

export function exportTraceServiceResponseFromJson(value: unknown): ExportTraceServiceResponseModel {
  const o = jsonObj(value, '');
  let partialSuccess: ExportPartialSuccess | null = null;
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null || (key !== 'partialSuccess' && key !== 'partial_success')) continue;
    const p = jsonObj(v, key);
    partialSuccess = { rejectedSpans: 0, errorMessage: '' };
    for (const k2 of Object.keys(p)) {
      const v2 = p[k2];
      if (v2 == null) continue;
      if (k2 === 'rejectedSpans' || k2 === 'rejected_spans') partialSuccess.rejectedSpans = jsonInt(v2, `${key}.${k2}`);
      else if (k2 === 'errorMessage' || k2 === 'error_message') partialSuccess.errorMessage = jsonStr(v2, `${key}.${k2}`);
    }
  }
  return { partialSuccess };
}

// ---- google.rpc.Status ----

export function encodeRpcStatus(s: RpcStatus): Buffer {
  const code = s.code | 0;
  const msgLen = utf8Length(s.message);
  const details = s.details.map((d) => {
    const urlLen = utf8Length(d.typeUrl);
    return { urlLen, size: strFieldSize(urlLen) + (d.value.length === 0 ? 0 : lenFieldSize(d.value.length)) };
  });
  let size = (code !== 0 ? 1 + int32Size(code) : 0) + strFieldSize(msgLen);
  for (const d of details) size += lenFieldSize(d.size);
  const w = new WireWriter(size);
  if (code !== 0) {
    w.byte(0x08);
    w.int32(code);
  }
  writeStr(w, 0x12, s.message, msgLen);
  for (let i = 0; i < details.length; i++) {
    const d = s.details[i]!;
    const { urlLen, size: dsize } = details[i]!;
    w.byte(0x1a);
    w.varint(dsize);
    writeStr(w, 0x0a, d.typeUrl, urlLen);
    if (d.value.length !== 0) {
      w.byte(0x12);
      w.varint(d.value.length);
      w.bytes(d.value);
    }
  }
  return w.finish();
}

export function decodeRpcStatus(buf: Buffer): RpcStatus {
  const r = new WireReader(buf, 0);
  const end = buf.length;
  const s: RpcStatus = { code: 0, message: '', details: [] };
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_VARINT, 'google.rpc.Status.code', at);
        s.code = readInt32(r, end);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'google.rpc.Status.message', at);
        s.message = readString(r, end);
        break;
      case 3: {
        expectWire(tag, WIRE_LEN, 'google.rpc.Status.details', at);
        const stop = r.lenEnd(end);
        const d: ProtoAny = { typeUrl: '', value: Buffer.alloc(0) };
        while (r.pos < stop) {
          const at2 = r.pos;
          const t2 = readTag(r, stop);
          const field = t2 >>> 3;
          if (field === 1) {
            expectWire(t2, WIRE_LEN, 'google.protobuf.Any.type_url', at2);
            d.typeUrl = readString(r, stop);
          } else if (field === 2) {
            expectWire(t2, WIRE_LEN, 'google.protobuf.Any.value', at2);
            const vEnd = r.lenEnd(stop);
            d.value = Buffer.from(buf.subarray(r.pos, vEnd));
            r.pos = vEnd;
          } else r.skip(t2 & 7, stop, field);
        }
        s.details.push(d);
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return s;
}

/**
 * google.rpc.Status as protobuf JSON. A RetryInfo detail takes its well-known form
 * (`{"@type": ".../google.rpc.RetryInfo", "retryDelay": "1.500s"}`); any other detail, whose
 * schema we do not know, is written as `{"@type": url, "value": base64}`.
 */
export function rpcStatusToJson(s: RpcStatus): JsonObject {
  const o: JsonObject = {};
  if (s.code !== 0) o.code = s.code;
  if (s.message !== '') o.message = s.message;
  if (s.details.length !== 0) {
    o.details = s.details.map((d): JsonObject => {
      if (isRetryInfoUrl(d.typeUrl)) {
        const ms = tryDecodeRetryInfo(d.value);
        if (ms !== undefined) return { '@type': d.typeUrl, retryDelay: durationToJson(ms) };
      }
      return { '@type': d.typeUrl, value: d.value.toString('base64') };
    });
  }
  return o;
}

export function rpcStatusFromJson(value: unknown): RpcStatus {
  const o = jsonObj(value, '');
  const s: RpcStatus = { code: 0, message: '', details: [] };
  for (const key of Object.keys(o)) {
    const v = o[key];
    if (v == null) continue;
    if (key === 'code') s.code = jsonInt(v, key);
    else if (key === 'message') s.message = jsonStr(v, key);
    else if (key === 'details') {
      if (!Array.isArray(v)) throw new OtlpJsonError('expected an array', key);
      v.forEach((el, i) => {
        const path = `details[${i}]`;
        const d = jsonObj(el, path);
        const typeUrl = d['@type'] == null ? '' : jsonStr(d['@type'], `${path}.@type`);
        let bytes: Buffer = Buffer.alloc(0);
        if (isRetryInfoUrl(typeUrl) && d.retryDelay != null) {
          bytes = encodeRetryInfo(durationFromJson(d.retryDelay, `${path}.retryDelay`));
        } else if (d.value != null) {
          const b64 = jsonStr(d.value, `${path}.value`);
          if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new OtlpJsonError('expected a base64 string', `${path}.value`);
          bytes = Buffer.from(b64, 'base64');
        }
        s.details.push({ typeUrl, value: bytes });
      });
    }
  }
  return s;
}

// ---- google.rpc.RetryInfo ----

function isRetryInfoUrl(url: string): boolean {
  return url === RETRY_INFO_TYPE_URL || url.endsWith('/google.rpc.RetryInfo');
}

function msToDuration(ms: number): { seconds: bigint; nanos: number } {
  if (!(ms > 0)) return { seconds: 0n, nanos: 0 };
  let seconds = Math.floor(ms / 1000);
  let nanos = Math.round((ms - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return { seconds: BigInt(seconds), nanos };
}

/** A RetryInfo message: retry_delay as a Duration (negative or NaN delays become 0). */
export function encodeRetryInfo(retryDelayMs: number): Buffer {
  const { seconds, nanos } = msToDuration(retryDelayMs);
  const dur = (seconds !== 0n ? 1 + varint64Size(seconds) : 0) + (nanos !== 0 ? 1 + varintSize(nanos) : 0);
  const w = new WireWriter(lenFieldSize(dur));
  w.byte(0x0a);
  w.varint(dur);
  if (seconds !== 0n) {
    w.byte(0x08);
    w.varint64(seconds);
  }
  if (nanos !== 0) {
    w.byte(0x10);
    w.varint(nanos);
  }
  return w.finish();
}

/** RetryInfo bytes -> retry delay in milliseconds (undefined when retry_delay is absent; negatives clamp to 0). */
export function decodeRetryInfo(buf: Buffer): number | undefined {
  const r = new WireReader(buf, 0);
  const end = buf.length;
  let ms: number | undefined;
  while (r.pos < end) {
    const at = r.pos;
    const tag = readTag(r, end);
    if (tag >>> 3 === 1) {
      expectWire(tag, WIRE_LEN, 'google.rpc.RetryInfo.retry_delay', at);
      const stop = r.lenEnd(end);
      let seconds = 0n;
      let nanos = 0;
      while (r.pos < stop) {
        const at2 = r.pos;
        const t2 = readTag(r, stop);
        const field = t2 >>> 3;
        if (field === 1) {
          expectWire(t2, WIRE_VARINT, 'google.protobuf.Duration.seconds', at2);
          seconds = r.varint64(stop);
        } else if (field === 2) {
          expectWire(t2, WIRE_VARINT, 'google.protobuf.Duration.nanos', at2);
          nanos = readInt32(r, stop);
        } else r.skip(t2 & 7, stop, field);
      }
      ms = Math.max(0, Number(seconds) * 1000 + nanos / 1e6);
    } else r.skip(tag & 7, end, tag >>> 3);
  }
  return ms;
}

function tryDecodeRetryInfo(buf: Buffer): number | undefined {
  try {
    return decodeRetryInfo(buf);
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
}

/** A serialized google.rpc.Status carrying one RetryInfo detail (for grpc-status-details-bin). */
export function encodeRetryInfoStatus(code: number, message: string, retryDelayMs: number): Buffer {
  return encodeRpcStatus({
    code,
    message,
    details: [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(retryDelayMs) }],
  });
}

/**
 * The retry delay (ms) of the first RetryInfo detail in a serialized google.rpc.Status (the
 * grpc-status-details-bin trailer); undefined when there is none or the bytes are malformed.
 */
export function retryDelayMsFromStatusDetails(statusBin: Buffer): number | undefined {
  let status: RpcStatus;
  try {
    status = decodeRpcStatus(statusBin);
  } catch (err) {
    if (err instanceof WireError) return undefined;
    throw err;
  }
  for (const d of status.details) {
    if (!isRetryInfoUrl(d.typeUrl)) continue;
    const ms = tryDecodeRetryInfo(d.value);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

// ---- JSON helpers ----

/** Duration JSON: seconds with 0, 3, 6 or 9 fractional digits and an 's' suffix ("1.500s"). */
function durationToJson(ms: number): string {
  const { seconds, nanos } = msToDuration(ms);
  if (nanos === 0) return `${seconds}s`;
  let frac = String(nanos).padStart(9, '0');
  if (frac.endsWith('000000')) frac = frac.slice(0, 3);
  else if (frac.endsWith('000')) frac = frac.slice(0, 6);
  return `${seconds}.${frac}s`;
}

function durationFromJson(v: unknown, path: string): number {
  const s = jsonStr(v, path);
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(s);
  if (m === null) throw new OtlpJsonError(`expected a duration like "1.5s", got ${JSON.stringify(s)}`, path);
  const ms = Number(m[2]) * 1000 + Number((m[3] ?? '').padEnd(9, '0')) / 1e6;
  return m[1] === '-' ? -ms : ms;
}

function jsonObj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OtlpJsonError('expected an object', path);
  return v as Record<string, unknown>;
}

function jsonStr(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new OtlpJsonError('expected a string', path);
  return v;
}

function jsonInt(v: unknown, path: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw new OtlpJsonError('expected an integer', path);
}
