/**
 * End to end in one process: the official OTel JS SDK (BatchSpanProcessor + OTLP/gRPC exporter)
 * -> otlp receiver on loopback -> tail_sampling (status_code ERROR + latency 250 ms, built by the
 * factory from YAML-shaped config) -> a collecting sink. 1,000 traces with a known mix: every
 * error and every slow trace must arrive complete, no normal trace may arrive.
 *
 * No timing is asserted: decision_wait is long, so nothing is decided while the SDK sends; the
 * processor's shutdown then decides every trace at once (as a collector's drain does).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ROOT_CONTEXT, SpanStatusCode, trace as traceApi, type HrTime } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { parseComponentId, type CreateSettings } from '../../component/types.ts';
import { otlpReceiverConfigSchema } from '../../receivers/otlp/config.ts';
import { OtlpReceiver } from '../../receivers/otlp/receiver.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { tailSamplingFactory } from './factory.ts';
import type { Processor } from '../../component/types.ts';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { CollectingSink } from './testdata/spans.ts';

const host = { getExtension: () => undefined, status: 'running' as const };

function settings(id: string, kind: 'receiver' | 'processor', telemetry: SelfTelemetry): CreateSettings {
  return { id: parseComponentId(id), kind, logger: pino({ level: 'silent' }), telemetry, pipelines: ['traces'] };
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

type Kind = 'error' | 'slow' | 'normal';
const kindOf = (t: number): Kind => (t % 10 === 3 ? 'error' : t % 10 === 7 ? 'slow' : 'normal');
const hr = (ms: number): HrTime => [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];

describe('tail_sampling end to end (SDK -> otlp receiver -> tail_sampling -> sink)', () => {
  it('keeps every error and slow trace complete and no normal trace', async () => {
    const telemetry = new SelfTelemetry();
    const sink = new CollectingSink();
    const config = tailSamplingFactory.configSchema.parse({
      decision_wait: '120s',
      num_traces: 5000,
      policies: [
        { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        { name: 'slow', type: 'latency', latency: { threshold_ms: 250 } },
      ],
    });
    processor = tailSamplingFactory.createTracesProcessor(settings('tail_sampling', 'processor', telemetry), config, sink);
    await processor.start(host);
    receiver = new OtlpReceiver(
      settings('otlp', 'receiver', telemetry),
      otlpReceiverConfigSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } }),
      processor,
    );
    await receiver.start(host);

    provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'checkout' }),
      // Small export batches: most traces are split over several requests.
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${receiver.boundAddresses().grpc}`, concurrencyLimit: 100 }), { maxExportBatchSize: 64, maxQueueSize: 10_000, scheduledDelayMillis: 20 })],
    });
    const tracer = provider.getTracer('e2e', '1.0.0');
    const expected = new Map<string, { kind: Kind; spans: string[] }>();
    const base = Date.now() - 60_000;
    for (let t = 0; t < 1000; t++) {
      const kind = kindOf(t);
      const start = base + t;
      const rootEnd = start + (kind === 'slow' ? 300 : 20);
      const root = tracer.startSpan(`GET /op/${t % 7}`, { startTime: hr(start) });
      const ctx = traceApi.setSpan(ROOT_CONTEXT, root);
      const spans: string[] = [root.spanContext().spanId];
      for (let c = 0; c < 2; c++) {
        const child = tracer.startSpan(`child-${c}`, { startTime: hr(start + 1 + c) }, ctx);
        if (kind === 'error' && c === 1) child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
        child.end(hr(start + 5 + c));
        spans.push(child.spanContext().spanId);
      }
      root.end(hr(rootEnd));
      expected.set(root.spanContext().traceId, { kind, spans });
      // Flush as we go: the exporter refuses more than concurrencyLimit exports in flight.
      if (t % 100 === 99) await provider.forceFlush();
    }
    await provider.forceFlush();

    expect((processor as unknown as { pendingTraces: number }).pendingTraces).toBe(1000);
    expect(sink.calls).toBe(0);
    await receiver.shutdown();
    await processor.shutdown();

    const got = new Map<string, string[]>();
    for (const req of sink.requests) {
      for (const rs of decodeExportRequest(req).resourceSpans) {
        expect(rs.resource?.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'checkout' } });
        for (const ss of rs.scopeSpans) {
          expect(ss.scope?.name).toBe('e2e');
          for (const s of ss.spans) {
            const id = s.traceId.toString('hex');
            got.set(id, [...(got.get(id) ?? []), s.spanId.toString('hex')]);
          }
        }
      }
    }
    let kept = 0;
    for (const [traceId, { kind, spans }] of expected) {
      if (kind === 'normal') {
        expect(got.has(traceId)).toBe(false);
      } else {
        kept++;
        expect(got.get(traceId)?.sort()).toEqual([...spans].sort());
      }
    }
    expect(kept).toBe(200);
    expect(got.size).toBe(200);
    const sampled = await telemetry.registry.getSingleMetric('otelcol_processor_tail_sampling_global_count_traces_sampled')!.get();
    const count = (d: string) => sampled.values.find((v) => v.labels['decision'] === d)?.value;
    expect(count('sampled')).toBe(200);
    expect(count('not_sampled')).toBe(800);
  });
});
