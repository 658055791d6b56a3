/**
 * Zipkin v2 protobuf (zipkin.proto's ListOfSpans, POST /api/v2/spans with
 * application/x-protobuf) over the protobuf WireReader, into the shared model. As zipkin-go's
 * proto.ParseSpans: trace_id must be 8 or 16 bytes, id 8, parent_id 8 or absent; addresses of
 * the wrong length are dropped. Known fields with the wrong wire type and truncation are errors;
 * unknown fields are skipped. Only ZipkinDecodeError is thrown.
 */
import { WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError, WireReader, expectWire, nextTag } from '../../pdata/wire-reader.ts';
import { utf8 } from '../jaeger/utf8.ts';
import {
  isZero,
  ipv6Text,
  KIND_CONSUMER,
  KIND_NONE,
  ZipkinAnnotation,
  ZipkinDecodeError,
  ZipkinEndpoint,
  ZipkinSpan,
} from './zipkin-model.ts';

const EMPTY: Buffer = Buffer.alloc(0);

export function decodeZipkinProto(buf: Buffer): ZipkinSpan[] {
  try {
    const r = new WireReader(buf, 0);
    const end = buf.length;
    const spans: ZipkinSpan[] = [];
    while (r.pos < end) {
      const at = r.pos;
      const tag = nextTag(r, end);
      if (tag >>> 3 === 1) {
        expectWire(tag, WIRE_LEN, 'ListOfSpans.spans', at);
        const stop = r.lenEnd(end);
        spans.push(readSpan(r, stop, spans.length, at));
        r.pos = stop;
      } else r.skip(tag & 7, end, tag >>> 3);
    }
    return spans;
  } catch (err) {
    if (err instanceof WireError) throw new ZipkinDecodeError(`invalid zipkin protobuf: ${err.message}`);
    throw err;
  }
}

function bytesField(r: WireReader, end: number): Buffer {
  const stop = r.lenEnd(end);
  const b = r.buf.subarray(r.pos, stop);
  r.pos = stop;
  return b;
}

function stringField(r: WireReader, end: number): string {
  const stop = r.lenEnd(end);
  const s = utf8(r.buf, r.pos, stop);
  r.pos = stop;
  return s;
}

function readSpan(r: WireReader, end: number, index: number, spanAt: number): ZipkinSpan {
  let traceId = EMPTY;
  let id = EMPTY;
  let parentId = EMPTY;
  const span = new ZipkinSpan(EMPTY, EMPTY);
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'Span.trace_id', at);
        traceId = bytesField(r, end);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'Span.parent_id', at);
        parentId = bytesField(r, end);
        break;
      case 3:
        expectWire(tag, WIRE_LEN, 'Span.id', at);
        id = bytesField(r, end);
        break;
      case 4: {
        expectWire(tag, WIRE_VARINT, 'Span.kind', at);
        const k = r.int32(end);
        span.kind = k >= 1 && k <= KIND_CONSUMER ? k : KIND_NONE;
        break;
      }
      case 5:
        expectWire(tag, WIRE_LEN, 'Span.name', at);
        span.name = stringField(r, end);
        break;
      case 6:
        expectWire(tag, WIRE_I64, 'Span.timestamp', at);
        span.timestampUs = r.fixed64AsNumber(end);
        break;
      case 7:
        expectWire(tag, WIRE_VARINT, 'Span.duration', at);
        span.durationUs = r.varint(end);
        break;
      case 8: {
        expectWire(tag, WIRE_LEN, 'Span.local_endpoint', at);
        const stop = r.lenEnd(end);
        span.localEndpoint = readEndpoint(r, stop, span.localEndpoint);
        r.pos = stop;
        break;
      }
      case 9: {
        expectWire(tag, WIRE_LEN, 'Span.remote_endpoint', at);
        const stop = r.lenEnd(end);
        span.remoteEndpoint = readEndpoint(r, stop, span.remoteEndpoint);
        r.pos = stop;
        break;
      }
      case 10: {
        expectWire(tag, WIRE_LEN, 'Span.annotations', at);
        const stop = r.lenEnd(end);
        span.annotations.push(readAnnotation(r, stop));
        r.pos = stop;
        break;
      }
      case 11: {
        expectWire(tag, WIRE_LEN, 'Span.tags', at);
        const stop = r.lenEnd(end);
        readTag(r, stop, span.tags);
        r.pos = stop;
        break;
      }
      case 12:
        expectWire(tag, WIRE_VARINT, 'Span.debug', at);
        span.debug = r.varint(end) !== 0;
        break;
      case 13:
        expectWire(tag, WIRE_VARINT, 'Span.shared', at);
        span.shared = r.varint(end) !== 0;
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  if (traceId.length !== 8 && traceId.length !== 16) {
    throw new WireError(`spans[${index}].trace_id must be 8 or 16 bytes, got ${traceId.length}`, spanAt);
  }
  if (id.length !== 8) throw new WireError(`spans[${index}].id must be 8 bytes, got ${id.length}`, spanAt);
  if (parentId.length !== 0 && parentId.length !== 8) throw new WireError(`spans[${index}].parent_id must be 8 bytes, got ${parentId.length}`, spanAt);
  // Copies: the model outlives the request buffer's decode.
  const t = Buffer.alloc(16);
  traceId.copy(t, 16 - traceId.length);
  span.traceId = t;
  span.id = Buffer.from(id);
  if (parentId.length === 8 && !isZero(parentId)) span.parentId = Buffer.from(parentId);
  return span;
}

function readEndpoint(r: WireReader, end: number, into: ZipkinEndpoint | null): ZipkinEndpoint {
  const ep = into ?? new ZipkinEndpoint('', '', '', 0);
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'Endpoint.service_name', at);
        ep.serviceName = stringField(r, end);
        break;
      case 2: {
        expectWire(tag, WIRE_LEN, 'Endpoint.ipv4', at);
        const b = bytesField(r, end);
        if (b.length === 4) ep.ipv4 = `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
        break;
      }
      case 3: {
        expectWire(tag, WIRE_LEN, 'Endpoint.ipv6', at);
        const b = bytesField(r, end);
        if (b.length === 16) ep.ipv6 = ipv6Text(b);
        break;
      }
      case 4: {
        expectWire(tag, WIRE_VARINT, 'Endpoint.port', at);
        const p = r.int32(end);
        ep.port = p > 0 && p <= 65535 ? p : 0;
        break;
      }
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return ep;
}

function readAnnotation(r: WireReader, end: number): ZipkinAnnotation {
  let ts = 0;
  let value = '';
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_I64, 'Annotation.timestamp', at);
        ts = r.fixed64AsNumber(end);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'Annotation.value', at);
        value = stringField(r, end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  return new ZipkinAnnotation(ts, value);
}

/** One map<string, string> entry; a repeated key replaces the earlier value (map semantics). */
function readTag(r: WireReader, end: number, tags: Map<string, string>): void {
  let key = '';
  let value = '';
  while (r.pos < end) {
    const at = r.pos;
    const tag = nextTag(r, end);
    switch (tag >>> 3) {
      case 1:
        expectWire(tag, WIRE_LEN, 'Span.tags.key', at);
        key = stringField(r, end);
        break;
      case 2:
        expectWire(tag, WIRE_LEN, 'Span.tags.value', at);
        value = stringField(r, end);
        break;
      default:
        r.skip(tag & 7, end, tag >>> 3);
    }
  }
  tags.set(key, value);
}
