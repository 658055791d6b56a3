/**
 * Shared pieces of the exporter tests: settings with a log capture, counters, requests built and
 * checked with the reference protobufjs codec (otlp-reference, never our own decoder), and
 * bookkeeping so every exporter a test creates is shut down even when the test fails.
 * Only for tests.
 */
import { pino } from 'pino';
import type { CreateSettings, Exporter } from '../../component/types.ts';
import { parseComponentId } from '../../component/types.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ReferenceExportRequest, ReferenceExportResponse, referenceDecodeToObject } from '../../pdata/test-arbitraries.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export const WARN = 40;

export interface TestSettings {
  settings: CreateSettings;
  telemetry: SelfTelemetry;
  logs: LogLine[];
}

/** CreateSettings whose logger writes parsed JSON lines into `logs` (synchronously). */
export function testSettings(id: string): TestSettings {
  const logs: LogLine[] = [];
  const stream = { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) };
  const telemetry = new SelfTelemetry();
  const settings: CreateSettings = {
    id: parseComponentId(id),
    kind: 'exporter',
    logger: pino({ level: 'debug' }, stream),
    telemetry,
    pipelines: ['traces'],
  };
  return { settings, telemetry, logs };
}

export const testHost = { getExtension: () => undefined, status: 'running' as const };

/** Current value of a counter or gauge for the given labels (0 when the series does not exist). */
export async function counterValue(telemetry: SelfTelemetry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const data = await metric.get();
  for (const v of data.values) {
    if (Object.entries(labels).every(([k, want]) => v.labels[k] === want)) return v.value;
  }
  return 0;
}

export async function exporterCounts(telemetry: SelfTelemetry, exporter: string): Promise<{ sent: number; failed: number; enqueueFailed: number }> {
  const labels = { exporter };
  return {
    sent: await counterValue(telemetry, 'otelcol_exporter_sent_spans', labels),
    failed: await counterValue(telemetry, 'otelcol_exporter_send_failed_spans', labels),
    enqueueFailed: await counterValue(telemetry, 'otelcol_exporter_enqueue_failed_spans', labels),
  };
}

/** The exporterhelper's own series for one exporter: queue gauges, in-flight, our tailpipe_ counters. */
export async function queueCounts(
  telemetry: SelfTelemetry,
  exporter: string,
): Promise<{ size: number; capacity: number; inFlight: number; possibleDuplicates: number; corrupt: number }> {
  const labels = { exporter };
  return {
    size: await counterValue(telemetry, 'otelcol_exporter_queue_size', { exporter, data_type: 'traces' }),
    capacity: await counterValue(telemetry, 'otelcol_exporter_queue_capacity', { exporter, data_type: 'traces' }),
    inFlight: await counterValue(telemetry, 'otelcol_exporter_in_flight_requests', labels),
    possibleDuplicates: await counterValue(telemetry, 'tailpipe_exporter_possible_duplicate_spans', labels),
    corrupt: await counterValue(telemetry, 'tailpipe_exporter_persistent_queue_corrupt_records', labels),
  };
}

/** Exporters created by a test, shut down by afterEach whatever happened. */
export class ExporterPool {
  private readonly exporters: Exporter[] = [];

  add<E extends Exporter>(exporter: E): E {
    this.exporters.push(exporter);
    return exporter;
  }

  async shutdownAll(): Promise<void> {
    await Promise.allSettled(this.exporters.splice(0).map((e) => e.shutdown()));
  }
}

/** A span as the test writes it; ids are hex. */
export interface TestSpan {
  traceId: string;
  spanId: string;
  name: string;
  service: string;
}

/**
 * `count` spans spread over two services (two ResourceSpans), encoded with the reference codec.
 * Names are `span-<i>` so the receiving side can check exactly which spans arrived.
 */
export function testSpans(count: number): TestSpan[] {
  const spans: TestSpan[] = [];
  for (let i = 0; i < count; i++) {
    spans.push({
      traceId: (i + 1).toString(16).padStart(32, '0'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      name: `span-${i}`,
      service: i % 2 === 0 ? 'checkout' : 'payments',
    });
  }
  return spans;
}

export function encodeTestRequest(spans: readonly TestSpan[]): Buffer {
  const byService = new Map<string, TestSpan[]>();
  for (const s of spans) {
    const list = byService.get(s.service) ?? [];
    list.push(s);
    byService.set(s.service, list);
  }
  const message = ReferenceExportRequest.fromObject({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: 'test-scope', version: '1.0.0' },
          spans: list.map((s) => ({
            traceId: Buffer.from(s.traceId, 'hex'),
            spanId: Buffer.from(s.spanId, 'hex'),
            name: s.name,
            kind: 2,
            startTimeUnixNano: '1700000000000000000',
            endTimeUnixNano: '1700000000500000000',
            attributes: [{ key: 'http.method', value: { stringValue: 'GET' } }],
          })),
        },
      ],
    })),
  });
  const bytes = ReferenceExportRequest.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** A fresh batch over a fresh request (the exporter may own it once consume is called). */
export function testBatch(spans: readonly TestSpan[]): SpanBatch {
  return indexExportRequest(encodeTestRequest(spans));
}

/** What the destination got, decoded with the reference codec: one entry per span. */
export function decodeReceivedSpans(request: Buffer): TestSpan[] {
  const obj = referenceDecodeToObject(request) as {
    resourceSpans?: {
      resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
      scopeSpans?: { spans?: { traceId: string; spanId: string; name: string }[] }[];
    }[];
  };
  const out: TestSpan[] = [];
  for (const rs of obj.resourceSpans ?? []) {
    const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: Buffer.from(s.traceId, 'base64').toString('hex'),
          spanId: Buffer.from(s.spanId, 'base64').toString('hex'),
          name: s.name,
          service,
        });
      }
    }
  }
  return out;
}

/** An ExportTraceServiceResponse with a partial success, encoded with the reference codec. */
export function encodePartialSuccess(rejectedSpans: number, errorMessage: string): Buffer {
  const bytes = ReferenceExportResponse.encode(
    ReferenceExportResponse.fromObject({ partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }),
  ).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Sorts by name so comparisons do not depend on how the exporter grouped resources. */
export function byName(spans: readonly TestSpan[]): TestSpan[] {
  return [...spans].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
