/**
 * Zipkin v2 JSON (POST /api/v2/spans, zipkin2-api.yaml's ListOfSpans) into the shared model.
 * Validation follows zipkin-go's SpanModel.UnmarshalJSON, which otelcol runs: traceId (1-32 hex
 * digits) and id (1-16) are required and non-zero, unknown fields are ignored. We are a little
 * more lenient on tag values (numbers and booleans are taken as their text, where Go's
 * map[string]string refuses the request) and stricter on numbers (timestamps must be whole,
 * non-negative microseconds).
 */
import { isIPv4, isIPv6 } from 'node:net';
import {
  clip,
  describe,
  hexId,
  isZero,
  KIND_CLIENT,
  KIND_CONSUMER,
  KIND_NONE,
  KIND_PRODUCER,
  KIND_SERVER,
  ZipkinAnnotation,
  ZipkinDecodeError,
  ZipkinEndpoint,
  ZipkinSpan,
} from './zipkin-model.ts';

type Json = Record<string, unknown>;

/**
 * Zipkin JSON nests at most 5 levels (list > span > annotations > annotation > endpoint); unknown
 * fields may add a few. Deeper input is refused before JSON.parse, which would otherwise spend
 * seconds building millions of nested arrays from a 20 MiB body of brackets.
 */
export const MAX_JSON_DEPTH = 32;

/** Throws ZipkinDecodeError when brackets nest deeper than `max` (strings skipped, escapes honoured). */
export function checkJsonDepth(body: Buffer, max: number): void {
  let depth = 0;
  const n = body.length;
  for (let i = 0; i < n; i++) {
    const c = body[i]!;
    if (c === 0x22) {
      // Skip a string: to the next unescaped quote.
      for (i++; i < n; i++) {
        const d = body[i]!;
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) throw new ZipkinDecodeError(`invalid JSON: nested deeper than ${max} levels at byte ${i}`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** JSON.parse of a request body; any failure (syntax, nesting) is a ZipkinDecodeError. */
export function parseJsonArray(body: Buffer, what: string): unknown[] {
  checkJsonDepth(body, MAX_JSON_DEPTH);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new ZipkinDecodeError(`invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ZipkinDecodeError(`${what}: expected a JSON array of spans, got ${describe(parsed)}`);
  return parsed;
}

export function parseZipkinV2Json(body: Buffer): ZipkinSpan[] {
  const list = parseJsonArray(body, 'zipkin v2');
  const spans: ZipkinSpan[] = [];
  for (let i = 0; i < list.length; i++) spans.push(spanFromJson(list[i], `spans[${i}]`));
  return spans;
}

function spanFromJson(v: unknown, at: string): ZipkinSpan {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ZipkinDecodeError(`${at}: expected a span object, got ${describe(v)}`);
  const o = v as Json;
  if (o['traceId'] === undefined) throw new ZipkinDecodeError(`${at}.traceId: valid traceId required`);
  if (o['id'] === undefined) throw new ZipkinDecodeError(`${at}.id: valid span id required`);
  const traceId = hexId(o['traceId'], 16, `${at}.traceId`);
  if (isZero(traceId)) throw new ZipkinDecodeError(`${at}.traceId: valid traceId required (got zero)`);
  const id = hexId(o['id'], 8, `${at}.id`);
  if (isZero(id)) throw new ZipkinDecodeError(`${at}.id: valid span id required (got zero)`);
  const span = new ZipkinSpan(traceId, id);
  const parentId = o['parentId'];
  if (parentId !== undefined && parentId !== null && parentId !== '') {
    const p = hexId(parentId, 8, `${at}.parentId`);
    if (!isZero(p)) span.parentId = p;
  }
  span.name = optionalString(o['name'], `${at}.name`);
  span.kind = kindOf(optionalString(o['kind'], `${at}.kind`));
  span.timestampUs = micros(o['timestamp'], `${at}.timestamp`);
  span.durationUs = micros(o['duration'], `${at}.duration`);
  span.localEndpoint = endpointFromJson(o['localEndpoint'], `${at}.localEndpoint`);
  span.remoteEndpoint = endpointFromJson(o['remoteEndpoint'], `${at}.remoteEndpoint`);
  span.debug = optionalBool(o['debug'], `${at}.debug`);
  span.shared = optionalBool(o['shared'], `${at}.shared`);
  const annotations = o['annotations'];
  if (annotations !== undefined && annotations !== null) {
    if (!Array.isArray(annotations)) throw new ZipkinDecodeError(`${at}.annotations: expected an array, got ${describe(annotations)}`);
    for (let i = 0; i < annotations.length; i++) span.annotations.push(annotationFromJson(annotations[i], `${at}.annotations[${i}]`));
  }
  const tags = o['tags'];
  if (tags !== undefined && tags !== null) {
    if (typeof tags !== 'object' || Array.isArray(tags)) throw new ZipkinDecodeError(`${at}.tags: expected an object of strings, got ${describe(tags)}`);
    for (const key of Object.keys(tags)) {
      const value = tagText((tags as Json)[key], `${at}.tags["${clip(key)}"]`);
      if (value !== null) span.tags.set(key, value);
    }
  }
  return span;
}

export function kindOf(kind: string): number {
  switch (kind) {
    case 'CLIENT':
      return KIND_CLIENT;
    case 'SERVER':
      return KIND_SERVER;
    case 'PRODUCER':
      return KIND_PRODUCER;
    case 'CONSUMER':
      return KIND_CONSUMER;
    default:
      return KIND_NONE;
  }
}

function annotationFromJson(v: unknown, at: string): ZipkinAnnotation {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ZipkinDecodeError(`${at}: expected an annotation object, got ${describe(v)}`);
  const o = v as Json;
  return new ZipkinAnnotation(micros(o['timestamp'], `${at}.timestamp`), optionalString(o['value'], `${at}.value`));
}

export function endpointFromJson(v: unknown, at: string): ZipkinEndpoint | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ZipkinDecodeError(`${at}: expected an endpoint object, got ${describe(v)}`);
  const o = v as Json;
  const serviceName = optionalString(o['serviceName'], `${at}.serviceName`);
  // As zipkin-go (net.ParseIP): an unparsable address is dropped, not an error.
  const ipv4Text = optionalString(o['ipv4'], `${at}.ipv4`);
  const ipv6Text = optionalString(o['ipv6'], `${at}.ipv6`);
  const port = o['port'];
  let p = 0;
  if (port !== undefined && port !== null) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ZipkinDecodeError(`${at}.port: expected a port number 0-65535, got ${typeof port === 'number' ? port : describe(port)}`);
    }
    p = port;
  }
  const ep = new ZipkinEndpoint(serviceName, isIPv4(ipv4Text) ? ipv4Text : '', isIPv6(ipv6Text) ? ipv6Text.toLowerCase() : '', p);
  // zipkin-go drops an endpoint with nothing in it.
  return ep.serviceName === '' && ep.ipv4 === '' && ep.ipv6 === '' && ep.port === 0 ? null : ep;
}

export function optionalString(v: unknown, at: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ZipkinDecodeError(`${at}: expected a string, got ${describe(v)}`);
  return v;
}

function optionalBool(v: unknown, at: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new ZipkinDecodeError(`${at}: expected true or false, got ${describe(v)}`);
  return v;
}

/** Epoch or duration microseconds: a whole, non-negative JSON number (0 when absent). */
export function micros(v: unknown, at: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new ZipkinDecodeError(`${at}: expected whole microseconds (an integer >= 0), got ${typeof v === 'number' ? v : describe(v)}`);
  }
  return v;
}

/** A tag value as text; null (skipped) for JSON null. */
export function tagText(v: unknown, at: string): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return null;
  throw new ZipkinDecodeError(`${at}: expected a string, got ${describe(v)}`);
}
