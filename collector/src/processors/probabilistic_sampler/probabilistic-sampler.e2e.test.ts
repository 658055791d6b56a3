/**
 * End to end: the official OTel JS SDK (OTLP/gRPC exporter, random trace ids) -> otlp receiver
 * on loopback -> probabilistic_sampler (hash_seed 22, 30 %) -> a sink. The expected decision of
 * every span is computed here from otelcol's formula, independently of the processor's code:
 * a collector of either kind must keep exactly the same spans.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { parseComponentId, type Consumer, type CreateSettings, type Processor } from '../../component/types.ts';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import type { SpanModel } from '../../pdata/model.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { otlpReceiverConfigSchema } from '../../receivers/otlp/config.ts';
import { OtlpReceiver } from '../../receivers/otlp/receiver.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { probabilisticSamplerFactory } from './factory.ts';

const host = { getExtension: () => undefined, status: 'running' as const };

function settings(id: string, kind: 'receiver' | 'processor', telemetry: SelfTelemetry): CreateSettings {
  return { id: parseComponentId(id), kind, logger: pino({ level: 'silent' }), telemetry, pipelines: ['traces'] };
}

class Sink implements Consumer {
  readonly spans: SpanModel[] = [];
  async consume(batch: SpanBatch): Promise<void> {
    for (const rs of decodeExportRequest(encodeExportRequest(batch)).resourceSpans) for (const ss of rs.scopeSpans) this.spans.push(...ss.spans);
  }
}

/** otelcol hash_seed decision, written out again: FNV-1a-32(seed LE, id) & 0x3fff < trunc(f32(pct) * f32(163.84)). */
function otelcolKeeps(seed: number, pct: number, traceIdHex: string): boolean {
  let h = 0x811c9dc5;
  const bytes = [seed & 0xff, (seed >>> 8) & 0xff, (seed >>> 16) & 0xff, seed >>> 24, ...Buffer.from(traceIdHex, 'hex')];
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return (h & 0x3fff) < Math.trunc(Math.fround(Math.fround(pct) * Math.fround(163.84)));
}

let receiver: OtlpReceiver | null = null;
let processor: Processor | null = null;
let provider: BasicTracerProvider | null = null;

afterEach(async () => {
  await provider?.shutdown().catch(() => {});
  await receiver?.shutdown();
  await processor?.shutdown();
  provider = null;
  receiver = null;
  processor = null;
});

describe('probabilistic_sampler end to end (SDK -> otlp receiver -> probabilistic_sampler -> sink)', () => {
  it('keeps exactly the spans otelcol keeps, with ot=rv:..;th:.. in their tracestate', async () => {
    const telemetry = new SelfTelemetry();
    const sink = new Sink();
    const config = probabilisticSamplerFactory.configSchema.parse({ hash_seed: 22, sampling_percentage: 30 });
    processor = probabilisticSamplerFactory.createTracesProcessor(settings('probabilistic_sampler', 'processor', telemetry), config, sink);
    await processor.start(host);
    receiver = new OtlpReceiver(settings('otlp', 'receiver', telemetry), otlpReceiverConfigSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } }), processor);
    await receiver.start(host);
    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${receiver.boundAddresses().grpc}` }), { maxExportBatchSize: 128, maxQueueSize: 10_000, scheduledDelayMillis: 20 })],
    });
    const tracer = provider.getTracer('e2e', '1.0.0');
    const sent = new Map<string, string>(); // span id -> trace id
    for (let t = 0; t < 1000; t++) {
      const span = tracer.startSpan(`op-${t}`);
      const ctx = span.spanContext();
      sent.set(ctx.spanId, ctx.traceId);
      span.end();
    }
    await provider.forceFlush();

    const expected = [...sent].filter(([, traceId]) => otelcolKeeps(22, 30, traceId)).map(([spanId]) => spanId);
    expect(expected.length).toBeGreaterThan(200); // ~30 % of 1000
    expect(expected.length).toBeLessThan(400);
    expect(sink.spans.map((s) => s.spanId.toString('hex')).sort()).toEqual(expected.sort());
    // th for 30 %: (0x4000 - 4915) << 42 = 0x2ccd << 42 -> "b334" (Python, from the same formula)
    for (const s of sink.spans) expect(s.traceState).toMatch(/^ot=rv:[0-9a-f]{14};th:b334$/);
  });
});
