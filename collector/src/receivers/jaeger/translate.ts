/**
 * Jaeger -> OTLP, as the OpenTelemetry specification's Jaeger mapping and otelcol's
 * pkg/translator/jaeger do it (ProtoToTraces / ThriftToTraces):
 *
 * - resource: `service.name` from the process, then the process tags (a tag may overwrite it);
 *   `hostname` -> `host.name`, `jaeger.version` -> `opencensus.exporterversion` = "Jaeger-<v>".
 * - scope: the `otel.scope.name` / `otel.scope.version` tags, else `otel.library.name` /
 *   `otel.library.version` (removed from the attributes); spans are grouped per scope. otelcol
 *   does this for api_v2 only; we do it for Thrift too, so both transports give the same result.
 * - span: tags -> attributes (duplicate keys: the last value wins, in the first one's place, as
 *   pdata's Put does); `span.kind` -> kind; status from `error=true` / `otel.status_code` /
 *   `otel.status_description`, falling back to `http.status_code` (+ `http.status_message`);
 *   those tags are removed as otelcol removes them (an `error` tag that is not `true` stays).
 *   `w3c.tracestate` -> trace_state.
 * - parent: Thrift's parentSpanId, else the first same-trace CHILD_OF reference, else the first
 *   same-trace FOLLOWS_FROM; every other reference becomes a link with `opentracing.ref_type`.
 * - logs -> events (the `event` field is the name), times us -> ns, end = start + duration.
 * - flags: Jaeger's sampled bit (1) becomes the W3C sampled flag; debug (2) has no OTLP twin.
 */
import type {
  AnyValue,
  ExportRequestModel,
  KeyValue,
  ResourceModel,
  ResourceSpansModel,
  ScopeSpansModel,
  SpanEvent,
  SpanLink,
  SpanModel,
} from '../../pdata/model.ts';
import { SpanKind, StatusCode } from '../../pdata/model.ts';
import { REF_CHILD_OF, REF_FOLLOWS_FROM, type JaegerBatch, type JaegerRef, type JaegerSpan } from './jaeger-model.ts';

/** otelcol's marker for "this resource has no service name" (tracetranslator.ResourceNoServiceName). */
export const RESOURCE_NO_SERVICE_NAME = 'OTLPResourceNoServiceName';

const EMPTY = Buffer.alloc(0);
// Shared empty lists (frozen: a push would throw rather than leak into other spans).
const NO_LINKS = Object.freeze([]) as unknown as SpanLink[];
const NO_EVENTS = Object.freeze([]) as unknown as SpanEvent[];
const REF_TYPE_CHILD_OF: AnyValue = { stringValue: 'child_of' };
const REF_TYPE_FOLLOWS_FROM: AnyValue = { stringValue: 'follows_from' };

export function jaegerToOtlp(batches: readonly JaegerBatch[]): ExportRequestModel {
  const resourceSpans: ResourceSpansModel[] = [];
  // Scratch space for the per-span work, made once per request (no module-level state).
  const scratch = new Scratch();
  for (const b of batches) {
    if (b.process === null && b.spans.length === 0) continue;
    resourceSpans.push(batchToResourceSpans(b, scratch));
  }
  return { resourceSpans };
}

/** Spans in a set of batches (for counting before translation). */
export function countSpans(batches: readonly JaegerBatch[]): number {
  let n = 0;
  for (const b of batches) n += b.spans.length;
  return n;
}

function batchToResourceSpans(b: JaegerBatch, scratch: Scratch): ResourceSpansModel {
  const scopeSpans: ScopeSpansModel[] = [];
  // Most batches have one scope: remember the last one instead of building a key per span.
  let lastName: string | null = null;
  let lastVersion = '';
  let last: ScopeSpansModel | null = null;
  let byKey: Map<string, ScopeSpansModel> | null = null;
  const scope = scratch.scope;
  for (const js of b.spans) {
    const span = toSpan(js, scratch);
    if (scope.name === lastName && scope.version === lastVersion) {
      last!.spans.push(span);
      continue;
    }
    const key = `${scope.name}\n${scope.version}`;
    if (byKey === null) {
      byKey = new Map();
      if (last !== null) byKey.set(`${lastName}\n${lastVersion}`, last);
    }
    let ss = byKey.get(key);
    if (ss === undefined) {
      ss = {
        scope: { name: scope.name, version: scope.version, attributes: [], droppedAttributesCount: 0 },
        spans: [],
        schemaUrl: '',
      };
      byKey.set(key, ss);
      scopeSpans.push(ss);
    }
    ss.spans.push(span);
    last = ss;
    lastName = scope.name;
    lastVersion = scope.version;
  }
  return { resource: toResource(b), scopeSpans, schemaUrl: '' };
}

function toResource(b: JaegerBatch): ResourceModel {
  const p = b.process;
  if (p === null || p.serviceName === RESOURCE_NO_SERVICE_NAME) return { attributes: [], droppedAttributesCount: 0 };
  const attrs: KeyValue[] = [];
  if (p.serviceName !== '') attrs.push({ key: 'service.name', value: { stringValue: p.serviceName } });
  for (const t of p.tags) attrs.push(t);
  dedupeAttributes(attrs);
  let hostname = -1;
  let hostName = -1;
  let jaegerVersion = -1;
  let exporterVersion = -1;
  for (let i = 0; i < attrs.length; i++) {
    switch (attrs[i]!.key) {
      case 'hostname':
        hostname = i;
        break;
      case 'host.name':
        hostName = i;
        break;
      case 'jaeger.version':
        jaegerVersion = i;
        break;
      case 'opencensus.exporterversion':
        exporterVersion = i;
        break;
    }
  }
  const moveHost = hostname !== -1 && hostName === -1;
  const moveVersion = jaegerVersion !== -1 && exporterVersion === -1;
  if (moveHost) attrs.push({ key: 'host.name', value: attrs[hostname]!.value });
  if (moveVersion) attrs.push({ key: 'opencensus.exporterversion', value: { stringValue: `Jaeger-${str(attrs[jaegerVersion]!.value)}` } });
  if (moveHost || moveVersion) removeIndices(attrs, moveHost ? hostname : -1, moveVersion ? jaegerVersion : -1);
  return { attributes: attrs, droppedAttributesCount: 0 };
}

/** The scope found on the span being translated (an out-parameter: no object per span). */
class ScopeRef {
  name = '';
  version = '';
}

class Scratch {
  readonly scope = new ScopeRef();
  readonly special = new SpecialTags();
  /** Attribute indices to drop from the span being translated. */
  readonly drop: number[] = [];
}

// Indices of the tags translation looks at, found in one pass over the attributes.
class SpecialTags {
  kind = -1;
  error = -1;
  statusCode = -1;
  statusDescription = -1;
  httpStatusCode = -1;
  httpStatusMessage = -1;
  traceState = -1;
  scopeName = -1;
  scopeVersion = -1;
  libraryName = -1;
  libraryVersion = -1;

  scan(attrs: readonly KeyValue[]): void {
    this.kind = this.error = this.statusCode = this.statusDescription = -1;
    this.httpStatusCode = this.httpStatusMessage = this.traceState = -1;
    this.scopeName = this.scopeVersion = this.libraryName = this.libraryVersion = -1;
    for (let i = 0; i < attrs.length; i++) {
      switch (attrs[i]!.key) {
        case 'span.kind':
          this.kind = i;
          break;
        case 'error':
          this.error = i;
          break;
        case 'otel.status_code':
          this.statusCode = i;
          break;
        case 'otel.status_description':
          this.statusDescription = i;
          break;
        case 'http.status_code':
          this.httpStatusCode = i;
          break;
        case 'http.status_message':
          this.httpStatusMessage = i;
          break;
        case 'w3c.tracestate':
          this.traceState = i;
          break;
        case 'otel.scope.name':
          this.scopeName = i;
          break;
        case 'otel.scope.version':
          this.scopeVersion = i;
          break;
        case 'otel.library.name':
          this.libraryName = i;
          break;
        case 'otel.library.version':
          this.libraryVersion = i;
          break;
      }
    }
  }
}

function toSpan(js: JaegerSpan, scratch: Scratch): SpanModel {
  const attrs = js.tags;
  dedupeAttributes(attrs);
  const t = scratch.special;
  t.scan(attrs);
  const drop = scratch.drop;
  drop.length = 0;
  const scope = scratch.scope;

  let kind: number = SpanKind.UNSPECIFIED;
  if (t.kind !== -1) {
    kind = spanKindOf(str(attrs[t.kind]!.value));
    drop.push(t.kind);
  }

  // Status, as otelcol's setInternalSpanStatus.
  let code: number = StatusCode.UNSET;
  let message = '';
  let statusSet = false;
  let descriptionTaken = false;
  if (t.error !== -1) {
    const v = attrs[t.error]!.value;
    if (v.boolValue === true) {
      code = StatusCode.ERROR;
      statusSet = true;
      drop.push(t.error);
      if (t.statusDescription !== -1) {
        message = str(attrs[t.statusDescription]!.value);
        drop.push(t.statusDescription);
        descriptionTaken = true;
      } else if (t.httpStatusMessage !== -1) message = str(attrs[t.httpStatusMessage]!.value);
    }
  }
  if (t.statusCode !== -1) {
    if (!statusSet) {
      // The error tag is the ultimate truth; otel.status_code counts only without error=true.
      statusSet = true;
      const c = str(attrs[t.statusCode]!.value).toUpperCase();
      if (c === 'OK') code = StatusCode.OK;
      else if (c === 'ERROR') code = StatusCode.ERROR;
      if (t.statusDescription !== -1 && !descriptionTaken) {
        message = str(attrs[t.statusDescription]!.value);
        drop.push(t.statusDescription);
      }
    }
    drop.push(t.statusCode);
  } else if (t.httpStatusCode !== -1 && !statusSet) {
    const http = httpCodeOf(attrs[t.httpStatusCode]!.value);
    if (http !== null) {
      const c = statusFromHttp(http, kind);
      if (c !== StatusCode.UNSET) {
        statusSet = true;
        code = c;
      }
      if (t.httpStatusMessage !== -1) message = str(attrs[t.httpStatusMessage]!.value);
    }
  }
  if (!statusSet) message = '';

  let traceState = '';
  if (t.traceState !== -1) {
    traceState = str(attrs[t.traceState]!.value);
    drop.push(t.traceState);
  }

  scope.name = '';
  scope.version = '';
  if (t.scopeName !== -1) {
    scope.name = str(attrs[t.scopeName]!.value);
    drop.push(t.scopeName);
    if (t.scopeVersion !== -1) {
      scope.version = str(attrs[t.scopeVersion]!.value);
      drop.push(t.scopeVersion);
    }
  } else if (t.libraryName !== -1) {
    scope.name = str(attrs[t.libraryName]!.value);
    drop.push(t.libraryName);
    if (t.libraryVersion !== -1) {
      scope.version = str(attrs[t.libraryVersion]!.value);
      drop.push(t.libraryVersion);
    }
  }
  if (drop.length > 0) removeIndexList(attrs, drop);

  const parent = parentOf(js);
  return {
    traceId: js.traceId,
    spanId: js.spanId,
    traceState,
    parentSpanId: parent === null || isZero(parent) ? EMPTY : parent,
    flags: js.flags & 1,
    name: js.operationName,
    kind,
    startTimeUnixNano: js.startNs,
    endTimeUnixNano: js.startNs + js.durationNs,
    attributes: attrs,
    droppedAttributesCount: 0,
    events: js.logs.length === 0 ? NO_EVENTS : toEvents(js),
    droppedEventsCount: 0,
    links: js.references.length === 0 ? NO_LINKS : toLinks(js.references, parent),
    droppedLinksCount: 0,
    status: { message, code },
  };
}

/** Jaeger's Span.ParentSpanID(): the explicit parent, else a same-trace CHILD_OF, else FOLLOWS_FROM. */
function parentOf(js: JaegerSpan): Buffer | null {
  if (js.parentSpanId !== null) return js.parentSpanId;
  let followsFrom: JaegerRef | null = null;
  for (const ref of js.references) {
    if (!ref.traceId.equals(js.traceId)) continue;
    if (ref.refType === REF_CHILD_OF) return ref.spanId;
    if (followsFrom === null && ref.refType === REF_FOLLOWS_FROM) followsFrom = ref;
  }
  return followsFrom === null ? null : followsFrom.spanId;
}

function toLinks(refs: readonly JaegerRef[], parent: Buffer | null): SpanLink[] {
  const links: SpanLink[] = [];
  for (const ref of refs) {
    // The CHILD_OF reference that became the parent is not repeated as a link (otelcol skips
    // every CHILD_OF reference to the parent's span id, whatever its trace).
    if (ref.refType === REF_CHILD_OF && (parent === null ? isZero(ref.spanId) : ref.spanId.equals(parent))) continue;
    links.push({
      traceId: ref.traceId,
      spanId: ref.spanId,
      traceState: '',
      attributes: [{ key: 'opentracing.ref_type', value: ref.refType === REF_CHILD_OF ? REF_TYPE_CHILD_OF : REF_TYPE_FOLLOWS_FROM }],
      droppedAttributesCount: 0,
      flags: 0,
    });
  }
  return links;
}

function toEvents(js: JaegerSpan): SpanEvent[] {
  const events: SpanEvent[] = [];
  for (const log of js.logs) {
    const attrs = log.fields;
    dedupeAttributes(attrs);
    let name = '';
    for (let i = 0; i < attrs.length; i++) {
      if (attrs[i]!.key === 'event') {
        name = str(attrs[i]!.value);
        attrs.splice(i, 1);
        break;
      }
    }
    events.push({ timeUnixNano: log.timeNs, name, attributes: attrs, droppedAttributesCount: 0 });
  }
  return events;
}

function spanKindOf(kind: string): number {
  switch (kind) {
    case 'client':
      return SpanKind.CLIENT;
    case 'server':
      return SpanKind.SERVER;
    case 'producer':
      return SpanKind.PRODUCER;
    case 'consumer':
      return SpanKind.CONSUMER;
    case 'internal':
      return SpanKind.INTERNAL;
    default:
      return SpanKind.UNSPECIFIED;
  }
}

/** An http.status_code attribute as a number: an int, or a string of decimal digits (as Go's ParseInt). */
function httpCodeOf(v: AnyValue): number | null {
  if (v.intValue !== undefined) return Number(BigInt.asIntN(64, v.intValue));
  if (v.stringValue !== undefined && /^[+-]?\d{1,18}$/.test(v.stringValue)) return Number(v.stringValue);
  return null;
}

/**
 * otelcol's getStatusCodeFromHTTPStatusAttr: 4xx is an error for clients and unset for servers;
 * otherwise tracetranslator.StatusCodeFromHTTP (100..398 unset, everything else error; the 399
 * edge is otelcol's).
 */
function statusFromHttp(http: number, kind: number): number {
  if (http >= 400 && http < 500) {
    if (kind === SpanKind.CLIENT) return StatusCode.ERROR;
    if (kind === SpanKind.SERVER) return StatusCode.UNSET;
  }
  return http >= 100 && http < 399 ? StatusCode.UNSET : StatusCode.ERROR;
}

/** pcommon Value.Str(): the string of a string value, '' for every other type. */
function str(v: AnyValue): string {
  return v.stringValue ?? '';
}

function isZero(id: Buffer): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/**
 * Upsert semantics in place: a repeated key keeps the first position and takes the last value
 * (pdata's PutStr / PutInt on an existing key). Small lists are checked pairwise (no Map per
 * span); long ones, possibly hostile, with a Map.
 */
export function dedupeAttributes(attrs: KeyValue[]): void {
  const n = attrs.length;
  if (n < 2) return;
  let kept = 0;
  if (n <= 16) {
    outer: for (let i = 0; i < n; i++) {
      const kv = attrs[i]!;
      for (let j = 0; j < kept; j++) {
        if (attrs[j]!.key === kv.key) {
          attrs[j]!.value = kv.value;
          continue outer;
        }
      }
      attrs[kept++] = kv;
    }
  } else {
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const kv = attrs[i]!;
      const j = seen.get(kv.key);
      if (j !== undefined) {
        attrs[j]!.value = kv.value;
        continue;
      }
      seen.set(kv.key, kept);
      attrs[kept++] = kv;
    }
  }
  attrs.length = kept;
}

/** Removes up to two indices (-1 = none) from `attrs`, keeping the order of the rest. */
function removeIndices(attrs: KeyValue[], a: number, b: number): void {
  let w = 0;
  for (let i = 0; i < attrs.length; i++) {
    if (i === a || i === b) continue;
    attrs[w++] = attrs[i]!;
  }
  attrs.length = w;
}

/** Removes the (distinct) indices in `list` from `attrs`, keeping the order of the rest. */
function removeIndexList(attrs: KeyValue[], list: readonly number[]): void {
  let w = 0;
  for (let i = 0; i < attrs.length; i++) {
    if (list.includes(i)) continue;
    attrs[w++] = attrs[i]!;
  }
  attrs.length = w;
}
