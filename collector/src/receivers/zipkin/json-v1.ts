/**
 * Zipkin v1 JSON (POST /api/v1/spans: annotations + binaryAnnotations) converted to the v2 model,
 * as zipkin's own V1SpanConverter and otelcol's zipkinv1 translator read it:
 *
 * - kind from the first core annotation (cs/cr CLIENT, sr/ss SERVER, ms PRODUCER, mr CONSUMER);
 *   core annotations are not events, the other annotations are;
 * - the local service from the first core annotation's endpoint, else a binary annotation's
 *   endpoint, else the `lc` (local component) value; `lc` becomes the `component` tag;
 * - the address annotations `ca` / `sa` / `ma` become the remote endpoint (otelcol keeps them as
 *   plain attributes; the v2 model has a field for them);
 * - start and duration from the span's timestamp / duration, else from the earliest and latest
 *   annotation.
 *
 * Then the spans go through the v2 translation (resource, status, attributes), so v1 and v2
 * senders get the same mapping.
 */
import { endpointFromJson, micros, optionalString, parseJsonArray, tagText } from './json-v2.ts';
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

export function parseZipkinV1Json(body: Buffer): ZipkinSpan[] {
  const list = parseJsonArray(body, 'zipkin v1');
  const spans: ZipkinSpan[] = [];
  for (let i = 0; i < list.length; i++) spans.push(v1SpanFromJson(list[i], `spans[${i}]`));
  return spans;
}

function v1SpanFromJson(v: unknown, at: string): ZipkinSpan {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ZipkinDecodeError(`${at}: expected a span object, got ${describe(v)}`);
  const o = v as Json;
  if (o['traceId'] === undefined) throw new ZipkinDecodeError(`${at}.traceId: valid traceId required`);
  if (o['id'] === undefined) throw new ZipkinDecodeError(`${at}.id: valid span id required`);
  const traceId = hexId(o['traceId'], 16, `${at}.traceId`);
  if (isZero(traceId)) throw new ZipkinDecodeError(`${at}.traceId: traceId is zero`);
  const id = hexId(o['id'], 8, `${at}.id`);
  if (isZero(id)) throw new ZipkinDecodeError(`${at}.id: ID is zero`);
  const span = new ZipkinSpan(traceId, id);
  const parentId = o['parentId'];
  if (parentId !== undefined && parentId !== null && parentId !== '') {
    const p = hexId(parentId, 8, `${at}.parentId`);
    if (!isZero(p)) span.parentId = p;
  }
  span.name = optionalString(o['name'], `${at}.name`);
  span.timestampUs = micros(o['timestamp'], `${at}.timestamp`);
  span.durationUs = micros(o['duration'], `${at}.duration`);
  const debug = o['debug'];
  if (debug !== undefined && debug !== null && typeof debug !== 'boolean') throw new ZipkinDecodeError(`${at}.debug: expected true or false, got ${describe(debug)}`);
  span.debug = debug === true;

  // Annotations: kind, local endpoint, events, and the time range when the span has none.
  let earliest = Number.MAX_SAFE_INTEGER;
  let latest = -1;
  let local: ZipkinEndpoint | null = null;
  const annotations = o['annotations'];
  if (annotations !== undefined && annotations !== null) {
    if (!Array.isArray(annotations)) throw new ZipkinDecodeError(`${at}.annotations: expected an array, got ${describe(annotations)}`);
    for (let i = 0; i < annotations.length; i++) {
      const a = annotations[i] as unknown;
      const aat = `${at}.annotations[${i}]`;
      if (typeof a !== 'object' || a === null || Array.isArray(a)) throw new ZipkinDecodeError(`${aat}: expected an annotation object, got ${describe(a)}`);
      const ao = a as Json;
      const value = optionalString(ao['value'], `${aat}.value`);
      if (value === '') continue;
      const ts = micros(ao['timestamp'], `${aat}.timestamp`);
      const endpoint = endpointFromJson(ao['endpoint'], `${aat}.endpoint`);
      if (ts < earliest) earliest = ts;
      if (ts > latest) latest = ts;
      const kind = coreKind(value);
      if (kind !== -1) {
        if (span.kind === KIND_NONE) span.kind = kind;
        if (local === null && endpoint !== null && endpoint.serviceName !== '') local = endpoint;
        continue;
      }
      span.annotations.push(new ZipkinAnnotation(ts, value));
    }
  }

  // Binary annotations: tags, the remote endpoint, fallbacks for the local service.
  let fallbackService = '';
  let localComponent = '';
  const binary = o['binaryAnnotations'];
  if (binary !== undefined && binary !== null) {
    if (!Array.isArray(binary)) throw new ZipkinDecodeError(`${at}.binaryAnnotations: expected an array, got ${describe(binary)}`);
    for (let i = 0; i < binary.length; i++) {
      const b = binary[i] as unknown;
      const bat = `${at}.binaryAnnotations[${i}]`;
      if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new ZipkinDecodeError(`${bat}: expected an object, got ${describe(b)}`);
      const bo = b as Json;
      const key = bo['key'];
      if (typeof key !== 'string') throw new ZipkinDecodeError(`${bat}.key: expected a string, got ${describe(key)}`);
      const endpoint = endpointFromJson(bo['endpoint'], `${bat}.endpoint`);
      if (key === 'ca' || key === 'sa' || key === 'ma') {
        // Address annotations: who is on the other side.
        if (endpoint !== null) span.remoteEndpoint = endpoint;
        continue;
      }
      if (endpoint !== null && endpoint.serviceName !== '') fallbackService = endpoint.serviceName;
      const value = tagText(bo['value'], `${bat}.value["${clip(key)}"]`);
      if (value === null) continue;
      if (key === 'lc') {
        localComponent = value;
        span.tags.set('component', value);
        continue;
      }
      span.tags.set(key, value);
    }
  }

  if (local === null) {
    const service = fallbackService !== '' ? fallbackService : localComponent;
    if (service !== '') local = new ZipkinEndpoint(service, '', '', 0);
  }
  span.localEndpoint = local;
  if (span.timestampUs === 0 && latest >= 0) {
    span.timestampUs = earliest;
    span.durationUs = latest - earliest;
  }
  return span;
}

/** The kind a v1 core annotation implies, or -1 when the annotation is not a core one. */
function coreKind(value: string): number {
  switch (value) {
    case 'cs':
    case 'cr':
      return KIND_CLIENT;
    case 'ss':
    case 'sr':
      return KIND_SERVER;
    case 'ms':
      return KIND_PRODUCER;
    case 'mr':
      return KIND_CONSUMER;
    default:
      return -1;
  }
}
