import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorError, Grpc } from '../../errors/codes.ts';
import { encodeRpcStatus } from '../../pdata/rpc.ts';
import {
  byName,
  decodeReceivedSpans,
  encodePartialSuccess,
  ExporterPool,
  exporterCounts,
  testBatch,
  testHost,
  testSettings,
  testSpans,
  WARN,
  type TestSpan,
} from '../exporterhelper/test-support.ts';
import { otlpHttpExporterConfigSchema } from './config.ts';
import { otlphttpExporterFactory } from './factory.ts';
import { HttpTestServer } from './test-server.ts';

const pool = new ExporterPool();
const servers: HttpTestServer[] = [];

afterEach(async () => {
  await pool.shutdownAll();
  await Promise.allSettled(servers.splice(0).map((s) => s.stop()));
});

async function httpServer(): Promise<HttpTestServer> {
  const s = await HttpTestServer.start();
  servers.push(s);
  return s;
}

async function startExporter(raw: Record<string, unknown>, id = 'otlphttp/test') {
  const t = testSettings(id);
  // Queue and retry off: these tests look at one attempt and its outcome (exporterhelper tests the rest).
  const config = otlpHttpExporterConfigSchema.parse({ sending_queue: { enabled: false }, retry_on_failure: { enabled: false }, ...raw });
  const exporter = pool.add(otlphttpExporterFactory.createTracesExporter(t.settings, config));
  await exporter.start(testHost);
  return { exporter, ...t };
}

async function rejection(p: Promise<unknown>): Promise<CollectorError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CollectorError);
  return err as CollectorError;
}

/** Spans of an OTLP/JSON body, read straight from the JSON (hex ids), not through our converter. */
function spansFromJson(body: Buffer): TestSpan[] {
  const doc = JSON.parse(body.toString('utf8')) as {
    resourceSpans: {
      resource: { attributes: { key: string; value: { stringValue: string } }[] };
      scopeSpans: { spans: { traceId: string; spanId: string; name: string }[] }[];
    }[];
  };
  return doc.resourceSpans.flatMap((rs) => {
    const service = rs.resource.attributes.find((a) => a.key === 'service.name')!.value.stringValue;
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ traceId: s.traceId, spanId: s.spanId, name: s.name, service })));
  });
}

describe('otlphttp exporter: what reaches the destination', () => {
  it('POSTs gzipped protobuf to <endpoint>/v1/traces by default', async () => {
    const server = await httpServer();
    const { exporter, telemetry } = await startExporter({ endpoint: server.url });
    const spans = testSpans(7);
    await exporter.consume(testBatch(spans));
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/traces');
    expect(req.headers['content-type']).toBe('application/x-protobuf');
    expect(req.headers['content-encoding']).toBe('gzip');
    expect(req.wire.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(req.headers['user-agent']).toContain('tailpipe-collector');
    expect(byName(decodeReceivedSpans(req.body))).toEqual(byName(spans));
    expect(await exporterCounts(telemetry, 'otlphttp/test')).toEqual({ sent: 7, failed: 0, enqueueFailed: 0 });
  });

  it('sends uncompressed with compression: none', async () => {
    const server = await httpServer();
    const { exporter } = await startExporter({ endpoint: server.url, compression: 'none' });
    const spans = testSpans(2);
    await exporter.consume(testBatch(spans));
    const req = server.requests[0]!;
    expect(req.headers['content-encoding']).toBeUndefined();
    expect(byName(decodeReceivedSpans(req.wire))).toEqual(byName(spans));
  });

  it('sends OTLP/JSON with encoding: json', async () => {
    const server = await httpServer();
    const { exporter } = await startExporter({ endpoint: server.url, encoding: 'json' });
    const spans = testSpans(3);
    await exporter.consume(testBatch(spans));
    const req = server.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['content-encoding']).toBe('gzip');
    expect(byName(spansFromJson(req.body))).toEqual(byName(spans));
  });

  it('builds the URL as otelcol does: base path kept, trailing slash, traces_endpoint as written', async () => {
    const server = await httpServer();
    const a = await startExporter({ endpoint: `${server.url}/otlp/` }, 'otlphttp/a');
    await a.exporter.consume(testBatch(testSpans(1)));
    const b = await startExporter({ endpoint: `${server.url}/otlp` }, 'otlphttp/b');
    await b.exporter.consume(testBatch(testSpans(1)));
    const c = await startExporter({ endpoint: 'http://ignored.invalid:1', traces_endpoint: `${server.url}/custom/path?tenant=a` }, 'otlphttp/c');
    await c.exporter.consume(testBatch(testSpans(1)));
    expect(server.requests.map((r) => r.path)).toEqual(['/otlp/v1/traces', '/otlp/v1/traces', '/custom/path?tenant=a']);
  });

  it('forwards the configured headers, which win over the exporter’s own', async () => {
    const server = await httpServer();
    const { exporter } = await startExporter({
      endpoint: server.url,
      headers: { 'X-Scope-OrgID': 'tenant-1', 'User-Agent': 'custom-agent', 'x-num': 7 },
    });
    await exporter.consume(testBatch(testSpans(1)));
    expect(server.requests[0]!.headers).toMatchObject({ 'x-scope-orgid': 'tenant-1', 'user-agent': 'custom-agent', 'x-num': '7' });
  });

  it('reuses the connection between requests (keep-alive agent)', async () => {
    const server = await httpServer();
    const { exporter } = await startExporter({ endpoint: server.url });
    await exporter.consume(testBatch(testSpans(1)));
    await exporter.consume(testBatch(testSpans(1)));
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.remotePort).toBe(server.requests[0]!.remotePort);
  });
});

describe('otlphttp exporter: error classification (otelcol otlphttpexporter)', () => {
  const table: [status: number, expected: CollectorError['code']][] = [
    [301, 'TP_EXPORT_PERMANENT'],
    [400, 'TP_EXPORT_PERMANENT'],
    [401, 'TP_EXPORT_PERMANENT'],
    [403, 'TP_EXPORT_PERMANENT'],
    [404, 'TP_EXPORT_PERMANENT'],
    [405, 'TP_EXPORT_PERMANENT'],
    [408, 'TP_EXPORT_PERMANENT'],
    [413, 'TP_EXPORT_PERMANENT'],
    [415, 'TP_EXPORT_PERMANENT'],
    [429, 'TP_EXPORT_RETRYABLE'],
    [500, 'TP_EXPORT_PERMANENT'],
    [501, 'TP_EXPORT_PERMANENT'],
    [502, 'TP_EXPORT_RETRYABLE'],
    [503, 'TP_EXPORT_RETRYABLE'],
    [504, 'TP_EXPORT_RETRYABLE'],
  ];

  it('maps every status as otelcol does, counting and logging each failure', async () => {
    const server = await httpServer();
    server.answer = (n) => ({ status: table[n - 1]![0] });
    const { exporter, telemetry, logs } = await startExporter({ endpoint: server.url });
    const got: [number, string, boolean][] = [];
    for (const [status] of table) {
      const err = await rejection(exporter.consume(testBatch(testSpans(3))));
      expect(err.message).toContain(`HTTP Status Code ${status}`);
      got.push([status, err.code, err.retryable]);
    }
    expect(got).toEqual(table.map(([status, code]) => [status, code, code === 'TP_EXPORT_RETRYABLE']));
    expect(await exporterCounts(telemetry, 'otlphttp/test')).toEqual({ sent: 0, failed: 3 * table.length, enqueueFailed: 0 });
    const failures = logs.filter((l) => l.msg === 'Exporting failed');
    expect(failures).toHaveLength(table.length);
    expect(failures.every((l) => l.level === WARN && l['spans'] === 3)).toBe(true);
  });

  it('honours Retry-After on 429 and 503 (seconds and HTTP-date), not on 502/504', async () => {
    const server = await httpServer();
    const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
    const answers = [
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 503, headers: { 'retry-after': inTwoMinutes } },
      { status: 502, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': 'soon' } },
      { status: 429 },
    ];
    server.answer = (n) => answers[n - 1]!;
    const { exporter } = await startExporter({ endpoint: server.url });
    const got = [];
    for (let i = 0; i < answers.length; i++) got.push((await rejection(exporter.consume(testBatch(testSpans(1))))).retryAfterMs);
    expect(got[0]).toBe(7000);
    // HTTP-dates have 1 s resolution: anything in (115 s, 120 s] is the date read right.
    expect(got[1]).toBeGreaterThan(115_000);
    expect(got[1]).toBeLessThanOrEqual(120_000);
    expect(got.slice(2)).toEqual([undefined, undefined, undefined]);
  });

  it('puts the message of a google.rpc.Status error body in the error (protobuf, JSON, text)', async () => {
    const server = await httpServer();
    const answers = [
      {
        status: 400,
        headers: { 'content-type': 'application/x-protobuf' },
        body: encodeRpcStatus({ code: Grpc.INVALID_ARGUMENT, message: 'span 3 has no trace id', details: [] }),
      },
      { status: 503, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 14, message: 'ingester overloaded' }) },
      { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'database is on fire\n' },
      { status: 500, headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0xff, 0xff]) },
    ];
    server.answer = (n) => answers[n - 1]!;
    const { exporter } = await startExporter({ endpoint: server.url });
    const messages = [];
    for (let i = 0; i < answers.length; i++) messages.push((await rejection(exporter.consume(testBatch(testSpans(1))))).message);
    expect(messages[0]).toContain('Message=span 3 has no trace id');
    expect(messages[1]).toContain('Message=ingester overloaded');
    expect(messages[2]).toContain('Message=database is on fire');
    expect(messages[3]).not.toContain('Message=');
    expect(messages[3]).toContain('HTTP Status Code 500');
  });

  it('times out against a server that never answers (TP_EXPORT_TIMEOUT)', async () => {
    const server = await httpServer();
    server.answer = () => 'never';
    const { exporter, telemetry } = await startExporter({ endpoint: server.url, timeout: '200ms' });
    const err = await rejection(exporter.consume(testBatch(testSpans(2))));
    expect(err.code).toBe('TP_EXPORT_TIMEOUT');
    expect(server.requests).toHaveLength(1);
    expect(await exporterCounts(telemetry, 'otlphttp/test')).toMatchObject({ sent: 0, failed: 2 });
  });

  it('treats connection refused as retryable', async () => {
    const s = createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const { exporter } = await startExporter({ endpoint: `http://127.0.0.1:${port}` });
    const err = await rejection(exporter.consume(testBatch(testSpans(1))));
    expect(err.code).toBe('TP_EXPORT_RETRYABLE');
    expect(err.message).toContain('ECONNREFUSED');
  });
});

describe('otlphttp exporter: responses', () => {
  it('counts a partial success (protobuf and JSON bodies) and logs it', async () => {
    const server = await httpServer();
    const answers = [
      { status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: encodePartialSuccess(1, 'one bad span') },
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ partialSuccess: { rejectedSpans: '2', errorMessage: 'two bad spans' } }),
      },
      // Other content types are not read (as otelcol).
      { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' },
    ];
    server.answer = (n) => answers[n - 1]!;
    const { exporter, telemetry, logs } = await startExporter({ endpoint: server.url });
    for (let i = 0; i < answers.length; i++) await exporter.consume(testBatch(testSpans(4)));
    expect(await exporterCounts(telemetry, 'otlphttp/test')).toEqual({ sent: 12 - 3, failed: 3, enqueueFailed: 0 });
    const partial = logs.filter((l) => l.msg === 'Partial success response');
    expect(partial.map((l) => [l.level, l['dropped_spans'], l['message']])).toEqual([
      [WARN, 1, 'one bad span'],
      [WARN, 2, 'two bad spans'],
    ]);
  });

  it('fails retryably on a 2xx body that does not parse, as otelcol does', async () => {
    const server = await httpServer();
    server.answer = () => ({ status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0x09]) });
    const { exporter } = await startExporter({ endpoint: server.url });
    const err = await rejection(exporter.consume(testBatch(testSpans(1))));
    expect(err.code).toBe('TP_EXPORT_RETRYABLE');
    expect(err.message).toContain('error parsing protobuf response');
  });

  it('reads at most 64 KiB of a large error body and still completes', async () => {
    const server = await httpServer();
    server.answer = () => ({ status: 400, headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(4 * 1024 * 1024) });
    const { exporter } = await startExporter({ endpoint: server.url });
    const err = await rejection(exporter.consume(testBatch(testSpans(1))));
    expect(err.code).toBe('TP_EXPORT_PERMANENT');
    expect(err.message.length).toBeLessThan(2000);
  });
});

describe('otlphttp exporter: lifecycle', () => {
  it('shuts down without start, and twice', async () => {
    const { settings } = testSettings('otlphttp/idle');
    const exporter = otlphttpExporterFactory.createTracesExporter(settings, otlpHttpExporterConfigSchema.parse({ endpoint: 'http://localhost:4318' }));
    await exporter.shutdown();
    await exporter.shutdown();
  });

  it('refuses data after shutdown', async () => {
    const server = await httpServer();
    const { exporter, telemetry } = await startExporter({ endpoint: server.url });
    await exporter.consume(testBatch(testSpans(1)));
    await exporter.shutdown();
    expect((await rejection(exporter.consume(testBatch(testSpans(3))))).code).toBe('TP_SHUTTING_DOWN');
    expect(await exporterCounts(telemetry, 'otlphttp/test')).toEqual({ sent: 1, failed: 0, enqueueFailed: 3 });
  });

  it('refuses a config without a traces URL when the traces exporter is created', () => {
    const { settings } = testSettings('otlphttp/metrics-only');
    const config = otlpHttpExporterConfigSchema.parse({ metrics_endpoint: 'http://localhost:4318/v1/metrics' });
    expect(() => otlphttpExporterFactory.createTracesExporter(settings, config)).toThrow(/either endpoint or traces_endpoint must be specified/);
  });
});
