/**
 * Test-only: run redaction over a request model the way the pipeline does (encode, index, redact
 * the SpanBatch, re-frame) and read the result back with the model decoder.
 */
import { pino } from 'pino';
import { parseComponentId, type CreateSettings } from '../../../component/types.ts';
import { decodeExportRequest } from '../../../pdata/decode-model.ts';
import { encodeExportRequestModel } from '../../../pdata/encode-model.ts';
import { encodeExportRequest } from '../../../pdata/encode-request.ts';
import { indexExportRequest } from '../../../pdata/index-request.ts';
import { newSpan, type AnyValue, type ExportRequestModel, type KeyValue, type SpanModel } from '../../../pdata/model.ts';
import type { SpanBatch } from '../../../pdata/span-batch.ts';
import { SelfTelemetry } from '../../../telemetry/self-telemetry.ts';
import { redactionConfigSchema } from '../config.ts';
import { BatchRedactor, type RedactionCounts } from '../redact-batch.ts';
import { RedactionRules } from '../rules.ts';

/** The seed rules (testdata/config.yaml redaction/seed), as the tests and the benchmark use them. */
export const SEED_CONFIG = {
  allow_all_keys: false,
  allowed_keys: [
    'http.request.method',
    'http.response.status_code',
    'http.route',
    'url.path',
    'url.query',
    'server.address',
    'client.address',
    'user_agent.original',
    'db.system',
    'db.statement',
    'db.password',
    'app.api_key',
    'app.session_token',
    'payment.note',
    'customer.id',
    'service.name',
    'host.name',
  ],
  blocked_key_patterns: ['(?i)password|secret|token|api_key'],
  blocked_values: ['\\b\\d{4}[- ]?\\d{4}[- ]?\\d{4}[- ]?\\d{4}\\b', '\\b[A-Za-z]{2}\\d{18}\\b'],
  summary: 'debug',
};

export const CARD_PATTERN = SEED_CONFIG.blocked_values[0]!;
export const ID_PATTERN = SEED_CONFIG.blocked_values[1]!;

export interface Redacted {
  input: Buffer;
  batch: SpanBatch;
  counts: RedactionCounts;
  out: ExportRequestModel;
}

export function rulesFor(rawConfig: unknown): RedactionRules {
  return new RedactionRules(redactionConfigSchema.parse(rawConfig));
}

export function redactModel(rawConfig: unknown, m: ExportRequestModel): Redacted {
  const input = encodeExportRequestModel(m);
  const batch = indexExportRequest(input);
  const counts = new BatchRedactor(rulesFor(rawConfig)).redact(batch);
  return { input, batch, counts, out: decodeExportRequest(encodeExportRequest(batch)) };
}

/** Attributes from a plain record: strings, numbers (int when integral), booleans, or AnyValues. */
export function kvs(record: Record<string, string | number | boolean | AnyValue>): KeyValue[] {
  return Object.entries(record).map(([key, v]) => ({ key, value: toAnyValue(v) }));
}

function toAnyValue(v: string | number | boolean | AnyValue): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v };
  return v;
}

let nextSpanId = 1;

export function span(attributes: KeyValue[], init?: Partial<SpanModel>): SpanModel {
  const id = Buffer.alloc(8);
  id.writeUInt32BE(nextSpanId++, 4);
  return newSpan({ traceId: Buffer.alloc(16, 7), spanId: id, name: 'op', kind: 2, startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes, ...init });
}

/** One resource, one scope, the given spans. */
export function request(spans: SpanModel[], resource: KeyValue[] = [], scope: KeyValue[] = []): ExportRequestModel {
  return {
    resourceSpans: [
      {
        resource: { attributes: resource, droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'lib', version: '1', attributes: scope, droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  };
}

/** Attributes as a record of plain values (string, bigint, boolean, number, or the AnyValue). */
export function plain(attrs: readonly KeyValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of attrs) {
    const v = kv.value;
    out[kv.key] =
      v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue ?? (v.arrayValue !== undefined || v.kvlistValue !== undefined || v.bytesValue !== undefined ? v : null);
  }
  return out;
}

export function firstSpan(m: ExportRequestModel): SpanModel {
  return m.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
}

export function processorSettings(id = 'redaction'): CreateSettings & { telemetry: SelfTelemetry } {
  return { id: parseComponentId(id), kind: 'processor', logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['traces'] };
}
