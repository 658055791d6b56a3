/**
 * The redaction processor on SpanBatches: only spans (resources, scopes) with something to change
 * are decoded and re-serialized, the rest leave as the bytes that came in; and the processor in a
 * real pipeline, fed by the official OTel JS SDK exporter through a real otlp receiver.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Consumer } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { NONE, SPAN_STRIDE, S_FIELD_START, type SpanBatch } from '../../pdata/span-batch.ts';
import { ReceiverPool, SinkConsumer } from '../../receivers/otlp/test-support.ts';
import { redactionConfigSchema } from './config.ts';
import { RedactionProcessor } from './processor.ts';
import { BatchRedactor } from './redact-batch.ts';
import { firstSpan, kvs, plain, processorSettings, request, rulesFor, SEED_CONFIG, span } from './testdata/harness.ts';

const MASK_ONLY = { allow_all_keys: true, blocked_values: [SEED_CONFIG.blocked_values[0]!] };

function rewritten(batch: SpanBatch): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < batch.spanCount; i++) out.push(batch.spans[i * SPAN_STRIDE + S_FIELD_START] === NONE);
  return out;
}

describe('only changed spans are re-serialized', () => {
  it('spans without anything to redact keep their received bytes', () => {
    const spans = [0, 1, 2, 3, 4, 5].map((k) => span(kvs({ n: k, note: k === 1 || k === 4 ? 'card 4111-1111-1111-1111' : `plain ${k}` })));
    const input = encodeExportRequestModel(request(spans));
    const batch = indexExportRequest(input);
    const before = Array.from({ length: batch.spanCount }, (_, i) => Buffer.from(batch.spanBytes(i)));

    const counts = new BatchRedactor(rulesFor(MASK_ONLY)).redact(batch);

    expect(counts).toEqual({ spansRewritten: 2, resourcesRewritten: 0, scopesRewritten: 0 });
    expect(rewritten(batch)).toEqual([false, true, false, false, true, false]);
    for (const i of [0, 2, 3, 5]) {
      expect(batch.spanBuffer(i)).toBe(input); // still a slice of the request buffer
      expect(batch.spanBytes(i).equals(before[i]!)).toBe(true);
    }
    const out = decodeExportRequest(encodeExportRequest(batch)).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(out.map((s) => plain(s.attributes).note)).toEqual(['plain 0', 'card ****', 'plain 2', 'plain 3', 'card ****', 'plain 5']);
  });

  it('a batch with nothing to redact is passed on as the request it was (encoding is the same Buffer)', () => {
    const input = encodeExportRequestModel(request([span(kvs({ a: 'x', b: 1 }))], kvs({ 'service.name': 's' })));
    const batch = indexExportRequest(input);
    expect(new BatchRedactor(rulesFor({ ...MASK_ONLY, summary: 'debug' })).redact(batch)).toEqual({
      spansRewritten: 0,
      resourcesRewritten: 0,
      scopesRewritten: 0,
    });
    expect(encodeExportRequest(batch)).toBe(input);
  });

  it('a resource shared by many spans is rewritten once, spans under it keep their bytes', () => {
    const spans = [span(kvs({ a: 'x' })), span(kvs({ a: 'y' }))];
    const batch = indexExportRequest(encodeExportRequestModel(request(spans, kvs({ 'service.name': 's', 'card.on.resource': '4111 1111 1111 1111' }))));
    const counts = new BatchRedactor(rulesFor(MASK_ONLY)).redact(batch);
    expect(counts).toEqual({ spansRewritten: 0, resourcesRewritten: 1, scopesRewritten: 0 });
    expect(rewritten(batch)).toEqual([false, false]);
    const out = decodeExportRequest(encodeExportRequest(batch));
    expect(out.resourceSpans).toHaveLength(1);
    expect(plain(out.resourceSpans[0]!.resource!.attributes)).toEqual({ 'service.name': 's', 'card.on.resource': '****' });
  });

  it('redacting one fan-out copy does not change the other', () => {
    const batch = indexExportRequest(encodeExportRequestModel(request([span(kvs({ note: 'x 4111111111111111' }))], kvs({ r: '4111111111111111' }))));
    const other = batch.clone();
    new BatchRedactor(rulesFor(MASK_ONLY)).redact(batch);
    const untouched = decodeExportRequest(encodeExportRequest(other));
    expect(plain(firstSpan(untouched).attributes)).toEqual({ note: 'x 4111111111111111' });
    expect(plain(untouched.resourceSpans[0]!.resource!.attributes)).toEqual({ r: '4111111111111111' });
    expect(plain(firstSpan(decodeExportRequest(encodeExportRequest(batch))).attributes)).toEqual({ note: 'x ****' });
  });
});

describe('RedactionProcessor', () => {
  class Capture implements Consumer {
    readonly batches: Buffer[] = [];
    async consume(batch: SpanBatch): Promise<void> {
      this.batches.push(Buffer.from(encodeExportRequest(batch)));
    }
  }

  it('hands the redacted batch on and counts items in and out', async () => {
    const settings = processorSettings();
    const next = new Capture();
    const p = new RedactionProcessor(settings, redactionConfigSchema.parse(SEED_CONFIG), next);
    await p.start({ getExtension: () => undefined, status: 'running' });
    await p.consume(indexExportRequest(encodeExportRequestModel(request([span(kvs({ 'user.email': 'a@b.c', 'db.password': 'x' }))]))));
    await p.shutdown();
    await p.shutdown();
    expect(plain(firstSpan(decodeExportRequest(next.batches[0]!)).attributes)).toMatchObject({ 'db.password': '****', 'redaction.redacted.keys': 'user.email' });
    const text = await settings.telemetry.registry.metrics();
    expect(text).toMatch(/otelcol_processor_incoming_items\{processor="redaction",otel_signal="traces"\} 1/);
    expect(text).toMatch(/otelcol_processor_outgoing_items\{processor="redaction",otel_signal="traces"\} 1/);
  });

  it('refuses a batch it cannot redact (TP_INTERNAL, logged) instead of passing it on unredacted', async () => {
    const lines: string[] = [];
    const settings = { ...processorSettings(), logger: pino({ level: 'error' }, { write: (l: string) => void lines.push(l) }) };
    const next = new Capture();
    const p = new RedactionProcessor(settings, redactionConfigSchema.parse(MASK_ONLY), next);
    const batch = indexExportRequest(encodeExportRequestModel(request([span(kvs({ note: 'x' }))])));
    // Simulate a bug upstream: bytes that no longer parse (the indexer would never let these in).
    const o = 0 * SPAN_STRIDE;
    batch.spanBuffer(0).fill(0xff, batch.spans[o + 1]!, batch.spans[o + 2]!);
    const err = await p.consume(batch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorError);
    expect((err as CollectorError).code).toBe('TP_INTERNAL');
    expect(next.batches).toHaveLength(0);
    expect(lines.join('')).toContain('redaction failed');
  });
});

describe('in a pipeline, fed by the OTel JS SDK', () => {
  const pool = new ReceiverPool();
  const exporters: OTLPTraceExporter[] = [];
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
    await pool.stopAll();
  });

  it('otlp receiver -> redaction -> sink: deleted keys never arrive, card numbers arrive masked', async () => {
    const sink = new SinkConsumer();
    const processor = new RedactionProcessor(processorSettings(), redactionConfigSchema.parse(SEED_CONFIG), sink);
    const { http } = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0' } } }, processor);

    // Real SDK spans: a tracer provider records them, the OTLP/HTTP protobuf exporter sends them.
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'node-1', 'k8s.pod.uid': 'u-1' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    const tracer = provider.getTracer('shop');
    const s = tracer.startSpan('POST /pay', {
      attributes: {
        'http.request.method': 'POST',
        'user.email': 'bob@example.com',
        'user.phone': '+1 555 0100',
        'http.request.header.authorization': 'Bearer t',
        'payment.note': 'card 4111 1111 1111 1111',
        'app.api_key': 'k',
      },
    });
    s.addEvent('retry', { 'payment.note': 'again 4111111111111111' });
    s.end();
    await provider.forceFlush();
    const exporter = new OTLPTraceExporter({ url: `http://${http}/v1/traces`, timeoutMillis: 20_000 });
    exporters.push(exporter);
    const result = await new Promise<ExportResult>((resolve) => exporter.export(memory.getFinishedSpans(), resolve));
    await provider.shutdown();

    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sink.spans).toBe(1);
    const got = decodeExportRequest(sink.requests[0]!);
    const attrs = plain(firstSpan(got).attributes);
    expect(attrs).toMatchObject({ 'http.request.method': 'POST', 'payment.note': 'card ****', 'app.api_key': '****' });
    expect(attrs).not.toHaveProperty('user.email');
    expect(attrs).not.toHaveProperty('user.phone');
    expect(attrs).not.toHaveProperty('http.request.header.authorization');
    expect(plain(firstSpan(got).events[0]!.attributes)).toMatchObject({ 'payment.note': 'again ****' });
    const resource = plain(got.resourceSpans[0]!.resource!.attributes);
    expect(resource).toMatchObject({ 'service.name': 'checkout', 'host.name': 'node-1' });
    expect(resource).not.toHaveProperty('k8s.pod.uid');
    // No byte of the raw request that reached the sink spells a card number or the email.
    expect(sink.requests[0]!.includes('4111')).toBe(false);
    expect(sink.requests[0]!.includes('bob@example.com')).toBe(false);
  });
});
