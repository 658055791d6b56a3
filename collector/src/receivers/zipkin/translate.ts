/**
 * Zipkin -> OTLP, as the OpenTelemetry Zipkin mapping and otelcol's zipkinv2 ToTranslator do it:
 *
 * - resource: `service.name` from localEndpoint.serviceName (or the key named by the
 *   `otlp.service.name.source` tag), then the tags that are resource semantic conventions
 *   (service.*, host.*, k8s.*, ... and a few OpenCensus keys), taken from the first span of each
 *   service; spans are grouped by service, then by scope, in first-seen order (otelcol sorts).
 * - scope: `otel.scope.name` / `otel.scope.version`, else `otel.library.name` / `.version`.
 * - kind: CLIENT / SERVER / PRODUCER / CONSUMER; absent kind + `span.kind=internal` -> INTERNAL.
 * - status: `otel.status_code` (+ `otel.status_description`), then an `error` tag -> ERROR.
 *   Deviation: the `error` tag's value becomes the status message (when no description came) and
 *   the tag is removed; otelcol removes it only when it is "true" and sets no message. We also
 *   accept "OK" / "ERROR" (what the OTel SDK Zipkin exporters send), which otelcol reads as UNSET.
 * - tags -> string attributes (parse_string_tags: "12" / "1.5" / "true" become int / double /
 *   bool, as Go's ParseInt / ParseFloat / ParseBool accept them); endpoints -> net.host.ip /
 *   net.host.port / peer.service / net.peer.ip / net.peer.port (otelcol's semconv 1.6 names).
 * - annotations -> events; otelcol's own `name|{json attributes}|dropped` encoding is read back.
 * - ids: 64-bit trace ids arrive left-padded to 128 bits; parentId equal to id is no parent;
 *   `shared` spans keep the shared span id (OTLP has no such flag; as otelcol).
 * - times us -> ns; a span without timestamp starts at 0 and gets
 *   `otel.zipkin.absentField.startTime=true`, as otelcol marks it.
 */
import type { AnyValue, ExportRequestModel, KeyValue, ResourceSpansModel, ScopeSpansModel, SpanEvent, SpanLink, SpanModel } from '../../pdata/model.ts';
import { SpanKind, StatusCode } from '../../pdata/model.ts';
import {
  KIND_CLIENT,
  KIND_CONSUMER,
  KIND_PRODUCER,
  KIND_SERVER,
  type ZipkinEndpoint,
  type ZipkinSpan,
} from './zipkin-model.ts';

export const RESOURCE_NO_SERVICE_NAME = 'OTLPResourceNoServiceName';
export const TAG_SERVICE_NAME_SOURCE = 'otlp.service.name.source';
export const START_TIME_ABSENT = 'otel.zipkin.absentField.startTime';

/**
 * Tags that describe the resource, not the span (otelcol's nonSpanAttributes: the resource
 * semantic conventions it was generated from, plus OpenCensus' keys). Moved to the resource.
 */
export const RESOURCE_TAG_KEYS: readonly string[] = [
  'service.name', 'service.namespace', 'service.instance.id', 'service.version',
  'telemetry.sdk.name', 'telemetry.sdk.language', 'telemetry.sdk.version', 'telemetry.auto.version',
  'telemetry.distro.name', 'telemetry.distro.version',
  'cloud.provider', 'cloud.account.id', 'cloud.region', 'cloud.availability_zone', 'cloud.platform', 'cloud.resource_id',
  'aws.ecs.container.arn', 'aws.ecs.cluster.arn', 'aws.ecs.launchtype', 'aws.ecs.task.arn', 'aws.ecs.task.family',
  'aws.ecs.task.revision', 'aws.eks.cluster.arn', 'aws.log.group.names', 'aws.log.group.arns', 'aws.log.stream.names',
  'aws.log.stream.arns',
  'container.name', 'container.id', 'container.runtime', 'container.image.name', 'container.image.tag',
  'container.command', 'container.command_line', 'container.command_args',
  'deployment.environment', 'device.id', 'device.model.identifier', 'device.model.name', 'device.manufacturer',
  'faas.name', 'faas.id', 'faas.version', 'faas.instance', 'faas.max_memory',
  'host.id', 'host.name', 'host.type', 'host.arch', 'host.image.name', 'host.image.id', 'host.image.version',
  'k8s.cluster.name', 'k8s.node.name', 'k8s.node.uid', 'k8s.namespace.name', 'k8s.pod.uid', 'k8s.pod.name',
  'k8s.container.name', 'k8s.container.restart_count', 'k8s.replicaset.uid', 'k8s.replicaset.name',
  'k8s.deployment.uid', 'k8s.deployment.name', 'k8s.statefulset.uid', 'k8s.statefulset.name', 'k8s.daemonset.uid',
  'k8s.daemonset.name', 'k8s.job.uid', 'k8s.job.name', 'k8s.cronjob.uid', 'k8s.cronjob.name',
  'os.type', 'os.description', 'os.name', 'os.version',
  'process.pid', 'process.executable.name', 'process.executable.path', 'process.command', 'process.command_line',
  'process.command_args', 'process.owner', 'process.runtime.name', 'process.runtime.version', 'process.runtime.description',
  'webengine.name', 'webengine.version', 'webengine.description',
  'opencensus.starttime', 'opencensus.exporterversion', 'opencensus.resourcetype',
];

const RESOURCE_TAGS: ReadonlySet<string> = new Set(RESOURCE_TAG_KEYS);

// Upper-cased otel.status_code values: otelcol's (STATUS_CODE_*, Unset / Ok / Error) and the SDKs' (OK / ERROR).
const STATUS_CODES: ReadonlyMap<string, number> = new Map([
  ['STATUS_CODE_UNSET', StatusCode.UNSET],
  ['STATUS_CODE_OK', StatusCode.OK],
  ['STATUS_CODE_ERROR', StatusCode.ERROR],
  ['UNSET', StatusCode.UNSET],
  ['OK', StatusCode.OK],
  ['ERROR', StatusCode.ERROR],
]);

const EMPTY = Buffer.alloc(0);
// Shared by spans without annotations (frozen: a push would throw rather than leak into other spans).
const NO_EVENTS = Object.freeze([]) as unknown as SpanEvent[];
const MAX_LINK_TAGS = 128;

export interface ZipkinTranslateOptions {
  /** parse_string_tags: turn "12" / "1.5" / "true" tag values into int / double / bool. */
  parseStringTags: boolean;
}

/** Resource group: one ResourceSpans per local service, its scopes by name + version. */
class ServiceGroup {
  readonly rs: ResourceSpansModel;
  readonly scopes = new Map<string, ScopeSpansModel>();
  constructor(rs: ResourceSpansModel) {
    this.rs = rs;
  }
}

export function zipkinToOtlp(spans: readonly ZipkinSpan[], options: ZipkinTranslateOptions): ExportRequestModel {
  const resourceSpans: ResourceSpansModel[] = [];
  const services = new Map<string, ServiceGroup>();
  for (const zs of spans) {
    const service = zs.localEndpoint === null || zs.localEndpoint.serviceName === '' ? RESOURCE_NO_SERVICE_NAME : zs.localEndpoint.serviceName;
    let group = services.get(service);
    if (group === undefined) {
      // The resource comes from the first span of the service (as otelcol).
      group = new ServiceGroup({ resource: { attributes: resourceAttributes(zs.tags, service), droppedAttributesCount: 0 }, scopeSpans: [], schemaUrl: '' });
      services.set(service, group);
      resourceSpans.push(group.rs);
    }
    const tags = zs.tags;
    let scopeName = '';
    let scopeVersion = '';
    const scopeTag = tags.get('otel.scope.name');
    if (scopeTag !== undefined) {
      scopeName = scopeTag;
      scopeVersion = tags.get('otel.scope.version') ?? '';
      tags.delete('otel.scope.name');
      tags.delete('otel.scope.version');
    } else {
      scopeName = tags.get('otel.library.name') ?? '';
      scopeVersion = scopeName === '' ? '' : (tags.get('otel.library.version') ?? '');
    }
    const key = `${scopeName}\n${scopeVersion}`;
    let ss = group.scopes.get(key);
    if (ss === undefined) {
      ss = { scope: { name: scopeName, version: scopeVersion, attributes: [], droppedAttributesCount: 0 }, spans: [], schemaUrl: '' };
      group.scopes.set(key, ss);
      group.rs.scopeSpans.push(ss);
    }
    ss.spans.push(toSpan(zs, options.parseStringTags));
  }
  return { resourceSpans };
}

function resourceAttributes(tags: Map<string, string>, service: string): KeyValue[] {
  const attrs: KeyValue[] = [];
  if (service === RESOURCE_NO_SERVICE_NAME) return attrs;
  const source = tags.get(TAG_SERVICE_NAME_SOURCE);
  tags.delete(TAG_SERVICE_NAME_SOURCE);
  put(attrs, source === undefined || source === '' ? 'service.name' : source, { stringValue: service });
  for (const key of RESOURCE_TAG_KEYS) {
    const v = tags.get(key);
    if (v === undefined) continue;
    put(attrs, key, { stringValue: v });
    tags.delete(key);
  }
  return attrs;
}

function toSpan(zs: ZipkinSpan, parseStringTags: boolean): SpanModel {
  const tags = zs.tags;
  let traceState = '';
  const ts = tags.get('w3c.tracestate');
  if (ts !== undefined) {
    traceState = ts;
    tags.delete('w3c.tracestate');
  }

  let kind: number;
  switch (zs.kind) {
    case KIND_CLIENT:
      kind = SpanKind.CLIENT;
      break;
    case KIND_SERVER:
      kind = SpanKind.SERVER;
      break;
    case KIND_PRODUCER:
      kind = SpanKind.PRODUCER;
      break;
    case KIND_CONSUMER:
      kind = SpanKind.CONSUMER;
      break;
    default: {
      kind = SpanKind.UNSPECIFIED;
      const k = tags.get('span.kind');
      if (k !== undefined) {
        tags.delete('span.kind');
        if (k === 'internal') kind = SpanKind.INTERNAL;
      }
    }
  }

  // Status (otelcol's populateSpanStatus, see the header for our two deviations).
  let code: number = StatusCode.UNSET;
  let message = '';
  const statusCode = tags.get('otel.status_code');
  if (statusCode !== undefined) {
    code = STATUS_CODES.get(statusCode.toUpperCase()) ?? StatusCode.UNSET;
    tags.delete('otel.status_code');
    const description = tags.get('otel.status_description');
    if (description !== undefined) {
      message = description;
      tags.delete('otel.status_description');
    }
  }
  const error = tags.get('error');
  if (error !== undefined) {
    code = StatusCode.ERROR;
    if (message === '' && error !== 'true' && error !== '') message = error;
    tags.delete('error');
  }

  const links = linksFromTags(tags);

  const attrs: KeyValue[] = [];
  for (const [key, value] of tags) {
    if (RESOURCE_TAGS.has(key) || key === 'otel.library.name' || key === 'otel.library.version' || key === TAG_SERVICE_NAME_SOURCE) continue;
    attrs.push({ key, value: parseStringTags ? typedValue(value) : { stringValue: value } });
  }
  endpointAttributes(attrs, zs.localEndpoint, zs.remoteEndpoint);

  let start: bigint;
  let end: bigint;
  if (zs.timestampUs === 0) {
    start = 0n;
    end = BigInt(zs.durationUs) * 1000n;
    put(attrs, START_TIME_ABSENT, { boolValue: true });
  } else {
    start = BigInt(zs.timestampUs) * 1000n;
    end = BigInt(zs.timestampUs + zs.durationUs) * 1000n;
  }

  return {
    traceId: zs.traceId,
    spanId: zs.id,
    traceState,
    parentSpanId: zs.parentId === null || zs.parentId.equals(zs.id) ? EMPTY : zs.parentId,
    flags: 0,
    name: zs.name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes: attrs,
    droppedAttributesCount: 0,
    events: zs.annotations.length === 0 ? NO_EVENTS : toEvents(zs),
    droppedEventsCount: 0,
    links,
    droppedLinksCount: 0,
    status: { message, code },
  };
}

function endpointAttributes(attrs: KeyValue[], local: ZipkinEndpoint | null, remote: ZipkinEndpoint | null): void {
  if (local !== null) {
    if (local.ipv4 !== '') put(attrs, 'net.host.ip', { stringValue: local.ipv4 });
    if (local.ipv6 !== '') put(attrs, 'net.host.ip', { stringValue: local.ipv6 });
    if (local.port > 0) put(attrs, 'net.host.port', { intValue: BigInt(local.port) });
  }
  if (remote !== null) {
    if (remote.serviceName !== '') put(attrs, 'peer.service', { stringValue: remote.serviceName });
    if (remote.ipv4 !== '') put(attrs, 'net.peer.ip', { stringValue: remote.ipv4 });
    if (remote.ipv6 !== '') put(attrs, 'net.peer.ip', { stringValue: remote.ipv6 });
    if (remote.port > 0) put(attrs, 'net.peer.port', { intValue: BigInt(remote.port) });
  }
}

/** pcommon Map.Put*: replace the value of an existing key, else append. */
function put(attrs: KeyValue[], key: string, value: AnyValue): void {
  for (let i = 0; i < attrs.length; i++) {
    if (attrs[i]!.key === key) {
      attrs[i]!.value = value;
      return;
    }
  }
  attrs.push({ key, value });
}

function toEvents(zs: ZipkinSpan): SpanEvent[] {
  const events: SpanEvent[] = [];
  for (const a of zs.annotations) {
    const time = BigInt(a.timestampUs) * 1000n;
    const value = a.value;
    const bar = value.indexOf('|');
    if (bar !== -1) {
      const encoded = decodeOtelcolEncoding(value);
      if (encoded !== null) {
        events.push({ timeUnixNano: time, name: encoded.name, attributes: encoded.attributes, droppedAttributesCount: encoded.dropped });
        continue;
      }
    }
    events.push({ timeUnixNano: time, name: value, attributes: [], droppedAttributesCount: 0 });
  }
  return events;
}

/**
 * otelcol's zipkin exporter writes an event as `name|{"attr":...}|droppedCount` (and links as
 * `otlp.link.N` tags, `traceId|spanId|traceState|{json}|dropped`). Read back when well-formed;
 * anything else is an ordinary annotation (otelcol refuses the whole request instead).
 */
function decodeOtelcolEncoding(value: string): { name: string; attributes: KeyValue[]; dropped: number } | null {
  const parts = value.split('|');
  if (parts.length < 3) return null;
  const json = parts.slice(1, -1).join('|');
  const attributes = jsonAttributes(json);
  const dropped = uint32(parts[parts.length - 1]!);
  if (attributes === null || dropped === null) return null;
  return { name: parts[0]!, attributes, dropped };
}

function linksFromTags(tags: Map<string, string>): SpanLink[] {
  let links: SpanLink[] | null = null;
  for (let i = 0; i < MAX_LINK_TAGS; i++) {
    const key = `otlp.link.${i}`;
    const value = tags.get(key);
    if (value === undefined) break;
    tags.delete(key);
    const parts = value.split('|');
    if (parts.length < 5) continue;
    const traceId = hexOrEmpty(parts[0]!, 16);
    const spanId = hexOrEmpty(parts[1]!, 8);
    const attributes = jsonAttributes(parts.slice(3, -1).join('|'));
    const dropped = uint32(parts[parts.length - 1]!);
    if (traceId === null || spanId === null || attributes === null || dropped === null) continue;
    (links ??= []).push({ traceId, spanId, traceState: parts[2]!, attributes, droppedAttributesCount: dropped, flags: 0 });
  }
  return links ?? [];
}

function hexOrEmpty(s: string, bytes: number): Buffer | null {
  const h = s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
  if (h === '') return Buffer.alloc(bytes);
  return h.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(h) ? Buffer.from(h, 'hex') : null;
}

function uint32(s: string): number | null {
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= 0xffffffff ? n : null;
}

/** otelcol's jsonMapToAttributeMap: strings, whole numbers as int, other numbers as double, bools. */
function jsonAttributes(json: string): KeyValue[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const out: KeyValue[] = [];
  for (const [key, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === 'string') out.push({ key, value: { stringValue: v } });
    else if (typeof v === 'number') out.push({ key, value: Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? { intValue: BigInt(v) } : { doubleValue: v } });
    else if (typeof v === 'boolean') out.push({ key, value: { boolValue: v } });
  }
  return out;
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL_FLOAT = /^[+-]?(?:inf|infinity|nan)$/i;
// A Map, not an object literal: "constructor" must not find Object.prototype's.
const BOOLS: ReadonlyMap<string, boolean> = new Map([
  ['1', true], ['t', true], ['T', true], ['TRUE', true], ['true', true], ['True', true],
  ['0', false], ['f', false], ['F', false], ['FALSE', false], ['false', false], ['False', false],
]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * parse_string_tags (zipkin.DetermineValueType): an int64 if Go's ParseInt accepts it, else a
 * double if ParseFloat does (finite, or inf / nan spelled out), else a bool if ParseBool does,
 * else the string.
 */
export function typedValue(s: string): AnyValue {
  if (INT.test(s)) {
    const n = BigInt(s);
    if (n >= INT64_MIN && n <= INT64_MAX) return { intValue: n };
  }
  if (FLOAT.test(s)) {
    const d = Number(s);
    if (Number.isFinite(d)) return { doubleValue: d };
  } else if (SPECIAL_FLOAT.test(s)) {
    const lower = s.toLowerCase();
    return { doubleValue: lower.endsWith('nan') ? Number.NaN : lower.startsWith('-') ? -Infinity : Infinity };
  }
  const b = BOOLS.get(s);
  if (b !== undefined) return { boolValue: b };
  return { stringValue: s };
}
