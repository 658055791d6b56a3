/**
 * Test-only: SpanBatches built the way a receiver builds them (model -> encode-model bytes ->
 * indexExportRequest), with trace and span ids derived from small numbers, and a sink that keeps
 * what the processor forwards (decoded with decode-model, so tests read plain objects).
 */
import type { Consumer } from '../../../component/types.ts';
import { decodeExportRequest } from '../../../pdata/decode-model.ts';
import { encodeExportRequestModel } from '../../../pdata/encode-model.ts';
import { encodeExportRequest } from '../../../pdata/encode-request.ts';
import { indexExportRequest } from '../../../pdata/index-request.ts';
import { newSpan, type ExportRequestModel, type KeyValue, type ScopeSpansModel } from '../../../pdata/model.ts';
import type { SpanBatch } from '../../../pdata/span-batch.ts';

export interface SpanSpec {
  trace: number;
  span: number;
  /** Parent span number; absent = root span. */
  parent?: number;
  /** 0 unset, 1 ok, 2 error. */
  status?: number;
  /** Start and duration in ms (start relative to 1.7e12 ms). */
  startMs?: number;
  durationMs?: number;
  service?: string;
  scope?: string;
  name?: string;
  attributes?: KeyValue[];
}

export function traceIdOf(n: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x7a;
  b.writeUInt32BE(n >>> 0, 12);
  b.writeUInt32BE(Math.floor(n / 0x100000000), 8);
  return b;
}

export function spanIdOf(n: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x5c;
  b.writeUInt32BE(n >>> 0, 4);
  return b;
}

const BASE_NS = 1_700_000_000_000n * 1_000_000n;

/** One request holding the given spans, grouped by service (resource) and scope in first-seen order. */
export function requestModel(specs: readonly SpanSpec[]): ExportRequestModel {
  const model: ExportRequestModel = { resourceSpans: [] };
  const resources = new Map<string, { scopes: Map<string, ScopeSpansModel> }>();
  for (const spec of specs) {
    const service = spec.service ?? 'svc';
    const scopeName = spec.scope ?? 'lib';
    let res = resources.get(service);
    if (res === undefined) {
      res = { scopes: new Map() };
      resources.set(service, res);
      model.resourceSpans.push({
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }], droppedAttributesCount: 0 },
        scopeSpans: [],
        schemaUrl: service === 'schema-svc' ? 'https://opentelemetry.io/schemas/1.21.0' : '',
      });
    }
    let scope = res.scopes.get(scopeName);
    if (scope === undefined) {
      scope = { scope: { name: scopeName, version: '1.0', attributes: [], droppedAttributesCount: 0 }, spans: [], schemaUrl: scopeName === 'schema-lib' ? 'https://example.com/s' : '' };
      res.scopes.set(scopeName, scope);
      const rs = model.resourceSpans.find((r) => r.resource!.attributes[0]!.value.stringValue === service)!;
      rs.scopeSpans.push(scope);
    }
    const start = BASE_NS + BigInt(Math.round((spec.startMs ?? 0) * 1_000_000));
    scope.spans.push(
      newSpan({
        traceId: traceIdOf(spec.trace),
        spanId: spanIdOf(spec.span),
        parentSpanId: spec.parent === undefined ? Buffer.alloc(0) : spanIdOf(spec.parent),
        name: spec.name ?? `op-${spec.span}`,
        kind: 2,
        startTimeUnixNano: start,
        endTimeUnixNano: start + BigInt(Math.round((spec.durationMs ?? 10) * 1_000_000)),
        attributes: spec.attributes ?? [{ key: 'seq', value: { intValue: BigInt(spec.span) } }],
        status: { code: spec.status ?? 0, message: spec.status === 2 ? 'boom' : '' },
      }),
    );
  }
  return model;
}

export function makeSpanBatch(specs: readonly SpanSpec[]): SpanBatch {
  return indexExportRequest(encodeExportRequestModel(requestModel(specs)));
}

/** A trace of `spans` spans: one root (span number trace*1000) and children. */
export function traceSpecs(trace: number, spans: number, extra: Partial<SpanSpec> = {}): SpanSpec[] {
  const out: SpanSpec[] = [];
  for (let k = 0; k < spans; k++) {
    out.push({ trace, span: trace * 1000 + k, ...(k === 0 ? {} : { parent: trace * 1000 }), ...extra });
  }
  return out;
}

export interface ForwardedSpan {
  trace: number;
  span: number;
  service: string;
  scope: string;
  status: number;
  attributes: KeyValue[];
}

/** Spans of ExportTraceServiceRequest bytes, in order, with their resource and scope. */
export function spansOfRequest(buf: Buffer): ForwardedSpan[] {
  const out: ForwardedSpan[] = [];
  for (const rs of decodeExportRequest(buf).resourceSpans) {
    const service = String(rs.resource?.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '');
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        out.push({
          trace: s.traceId.readUInt32BE(12),
          span: s.spanId.readUInt32BE(4),
          service,
          scope: ss.scope?.name ?? '',
          status: s.status.code,
          attributes: s.attributes,
        });
      }
    }
  }
  return out;
}

/** Collects forwarded batches (as request bytes: the batch is not ours after consume). */
export class CollectingSink implements Consumer {
  readonly requests: Buffer[] = [];
  calls = 0;
  /** Return an error to refuse call number `call` (1-based). */
  refuse: ((call: number) => Error | undefined) | undefined;

  async consume(batch: SpanBatch): Promise<void> {
    const call = ++this.calls;
    const err = this.refuse?.(call);
    if (err !== undefined) throw err;
    this.requests.push(Buffer.from(encodeExportRequest(batch)));
  }

  spans(): ForwardedSpan[] {
    return this.requests.flatMap(spansOfRequest);
  }

  /** Trace numbers seen, sorted, each once. */
  traces(): number[] {
    return [...new Set(this.spans().map((s) => s.trace))].sort((a, b) => a - b);
  }

  spanNumbersOf(trace: number): number[] {
    return this.spans()
      .filter((s) => s.trace === trace)
      .map((s) => s.span)
      .sort((a, b) => a - b);
  }
}
