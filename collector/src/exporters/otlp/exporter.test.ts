import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectorError, Grpc } from '../../errors/codes.ts';
import { encodeRetryInfoStatus, encodeRpcStatus } from '../../pdata/rpc.ts';
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
} from '../exporterhelper/test-support.ts';
import type { Exporter } from '../../component/types.ts';
import { otlpExporterConfigSchema } from './config.ts';
import { otlpExporterFactory } from './factory.ts';
import { GrpcTestServer, RawGrpcServer } from './test-server.ts';

const pool = new ExporterPool();
const servers: { stop(): Promise<void> }[] = [];

afterEach(async () => {
  await pool.shutdownAll();
  await Promise.allSettled(servers.splice(0).map((s) => s.stop()));
});

async function grpcServer(): Promise<GrpcTestServer> {
  const s = await GrpcTestServer.start();
  servers.push(s);
  return s;
}

async function rawServer(): Promise<RawGrpcServer> {
  const s = await RawGrpcServer.start();
  servers.push(s);
  return s;
}

async function startExporter(raw: Record<string, unknown>, id = 'otlp/test') {
  const t = testSettings(id);
  // Queue and retry off: these tests look at one attempt and its outcome (exporterhelper tests the rest).
  const config = otlpExporterConfigSchema.parse({ tls: { insecure: true }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false }, ...raw });
  const exporter = pool.add(otlpExporterFactory.createTracesExporter(t.settings, config));
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

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('otlp exporter: what reaches the destination', () => {
  it('sends the spans of the batch, byte-exact for the reference decoder', async () => {
    const server = await grpcServer();
    const { exporter, telemetry } = await startExporter({ endpoint: server.address });
    const spans = testSpans(5);
    await exporter.consume(testBatch(spans));
    expect(server.calls).toHaveLength(1);
    expect(byName(decodeReceivedSpans(server.calls[0]!.body))).toEqual(byName(spans));
    expect(await exporterCounts(telemetry, 'otlp/test')).toEqual({ sent: 5, failed: 0, enqueueFailed: 0 });
  });

  it('sends a selected (re-framed) batch as exactly the selected spans', async () => {
    const server = await grpcServer();
    const { exporter } = await startExporter({ endpoint: `http://${server.address}` });
    const spans = testSpans(6);
    const batch = testBatch(spans);
    // Batch positions follow the request's grouping by service, so look the picked spans up by name.
    const picked = [0, 3, 5].map((i) => spans.find((s) => s.name === batch.name(i))!);
    await exporter.consume(batch.select([0, 3, 5]));
    expect(byName(decodeReceivedSpans(server.calls[0]!.body))).toEqual(byName(picked));
  });

  it('forwards the configured headers as call metadata (map and list forms)', async () => {
    const server = await grpcServer();
    const map = await startExporter({ endpoint: server.address, headers: { 'X-Tenant': 'acme', 'x-num': 234 } }, 'otlp/map');
    await map.exporter.consume(testBatch(testSpans(1)));
    expect(server.calls[0]!.metadata).toMatchObject({ 'x-tenant': 'acme', 'x-num': '234' });

    const list = await startExporter({ endpoint: server.address, headers: [{ name: 'authorization', value: 'Bearer t0k' }] }, 'otlp/list');
    await list.exporter.consume(testBatch(testSpans(1)));
    expect(server.calls[1]!.metadata).toMatchObject({ authorization: 'Bearer t0k' });
  });

  it('gzips the message by default (grpc-encoding: gzip, compressed flag set) and sends the deadline', async () => {
    const server = await rawServer();
    const { exporter } = await startExporter({ endpoint: server.address });
    const spans = testSpans(20);
    await exporter.consume(testBatch(spans));
    const req = server.requests[0]!;
    expect(req.headers['grpc-encoding']).toBe('gzip');
    expect(req.compressedFlag).toBe(1);
    expect(req.wire.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic
    expect(byName(decodeReceivedSpans(req.message))).toEqual(byName(spans));
    expect(req.headers['grpc-timeout']).toMatch(/^\d+[HMSmun]$/);
    expect(String(req.headers['user-agent'])).toContain('tailpipe-collector');
  });

  it('sends the message uncompressed with compression: none', async () => {
    const server = await rawServer();
    const { exporter } = await startExporter({ endpoint: server.address, compression: 'none' });
    const spans = testSpans(3);
    await exporter.consume(testBatch(spans));
    const req = server.requests[0]!;
    expect(req.compressedFlag).toBe(0);
    expect(req.headers['grpc-encoding'] ?? 'identity').toBe('identity');
    expect(byName(decodeReceivedSpans(req.wire))).toEqual(byName(spans));
  });

  it('sends no grpc-timeout with timeout: 0', async () => {
    const server = await rawServer();
    const { exporter } = await startExporter({ endpoint: server.address, timeout: 0 });
    await exporter.consume(testBatch(testSpans(1)));
    expect(server.requests[0]!.headers['grpc-timeout']).toBeUndefined();
  });
});

describe('otlp exporter: error classification (otelcol otlpexporter shouldRetry)', () => {
  const table: [name: string, code: number, expected: CollectorError['code']][] = [
    ['CANCELLED', Grpc.CANCELLED, 'TP_EXPORT_RETRYABLE'],
    ['UNKNOWN', Grpc.UNKNOWN, 'TP_EXPORT_PERMANENT'],
    ['INVALID_ARGUMENT', Grpc.INVALID_ARGUMENT, 'TP_EXPORT_PERMANENT'],
    ['DEADLINE_EXCEEDED', Grpc.DEADLINE_EXCEEDED, 'TP_EXPORT_TIMEOUT'],
    ['NOT_FOUND', Grpc.NOT_FOUND, 'TP_EXPORT_PERMANENT'],
    ['ALREADY_EXISTS', 6, 'TP_EXPORT_PERMANENT'],
    ['PERMISSION_DENIED', Grpc.PERMISSION_DENIED, 'TP_EXPORT_PERMANENT'],
    ['RESOURCE_EXHAUSTED without RetryInfo', Grpc.RESOURCE_EXHAUSTED, 'TP_EXPORT_PERMANENT'],
    ['FAILED_PRECONDITION', Grpc.FAILED_PRECONDITION, 'TP_EXPORT_PERMANENT'],
    ['ABORTED', Grpc.ABORTED, 'TP_EXPORT_RETRYABLE'],
    ['OUT_OF_RANGE', Grpc.OUT_OF_RANGE, 'TP_EXPORT_RETRYABLE'],
    ['UNIMPLEMENTED', Grpc.UNIMPLEMENTED, 'TP_EXPORT_PERMANENT'],
    ['INTERNAL', Grpc.INTERNAL, 'TP_EXPORT_PERMANENT'],
    ['UNAVAILABLE', Grpc.UNAVAILABLE, 'TP_EXPORT_RETRYABLE'],
    ['DATA_LOSS', Grpc.DATA_LOSS, 'TP_EXPORT_RETRYABLE'],
    ['UNAUTHENTICATED', Grpc.UNAUTHENTICATED, 'TP_EXPORT_PERMANENT'],
  ];

  it('maps every status code as otelcol does', async () => {
    const server = await grpcServer();
    server.answer = (call) => ({ kind: 'error', code: table[call - 1]![1], details: `answer ${call}` });
    const { exporter, telemetry } = await startExporter({ endpoint: server.address });
    const got: [string, string, boolean][] = [];
    for (const [name] of table) {
      const err = await rejection(exporter.consume(testBatch(testSpans(2))));
      got.push([name, err.code, err.retryable]);
    }
    expect(got).toEqual(table.map(([name, , code]) => [name, code, code !== 'TP_EXPORT_PERMANENT']));
    expect(await exporterCounts(telemetry, 'otlp/test')).toEqual({ sent: 0, failed: 2 * table.length, enqueueFailed: 0 });
  });

  it('puts the server status and details in the error and logs every failure with its span count', async () => {
    const server = await grpcServer();
    server.answer = () => ({ kind: 'error', code: Grpc.INVALID_ARGUMENT, details: 'bad trace id' });
    const { exporter, logs } = await startExporter({ endpoint: server.address });
    const err = await rejection(exporter.consume(testBatch(testSpans(3))));
    expect(err.message).toContain('INVALID_ARGUMENT');
    expect(err.message).toContain('bad trace id');
    const line = logs.find((l) => l.msg === 'Exporting failed');
    expect(line).toMatchObject({ level: WARN, spans: 3, code: 'TP_EXPORT_PERMANENT' });
    expect(String(line?.['error'])).toContain('bad trace id');
  });

  it('retries RESOURCE_EXHAUSTED only with RetryInfo, and takes its delay as retryAfterMs', async () => {
    const server = await grpcServer();
    const answers = [
      { code: Grpc.RESOURCE_EXHAUSTED, statusDetails: encodeRetryInfoStatus(Grpc.RESOURCE_EXHAUSTED, 'slow down', 1500) },
      { code: Grpc.UNAVAILABLE, statusDetails: encodeRetryInfoStatus(Grpc.UNAVAILABLE, 'busy', 2000) },
      // RetryInfo without retry_delay: retryable, no throttle hint (the backoff decides).
      {
        code: Grpc.RESOURCE_EXHAUSTED,
        statusDetails: encodeRpcStatus({
          code: Grpc.RESOURCE_EXHAUSTED,
          message: '',
          details: [{ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', value: Buffer.alloc(0) }],
        }),
      },
      // A detail of another type is not RetryInfo.
      {
        code: Grpc.RESOURCE_EXHAUSTED,
        statusDetails: encodeRpcStatus({
          code: Grpc.RESOURCE_EXHAUSTED,
          message: '',
          details: [{ typeUrl: 'type.googleapis.com/google.rpc.QuotaFailure', value: Buffer.from([0x0a, 0x00]) }],
        }),
      },
      // Malformed trailer bytes: ignored, the code decides.
      { code: Grpc.RESOURCE_EXHAUSTED, statusDetails: Buffer.from([0x1a, 0x7f]) },
    ];
    server.answer = (call) => ({ kind: 'error', details: 'x', ...answers[call - 1]! });
    const { exporter } = await startExporter({ endpoint: server.address });
    const got = [];
    for (let i = 0; i < answers.length; i++) {
      const err = await rejection(exporter.consume(testBatch(testSpans(1))));
      got.push({ code: err.code, retryAfterMs: err.retryAfterMs });
    }
    expect(got).toEqual([
      { code: 'TP_EXPORT_RETRYABLE', retryAfterMs: 1500 },
      { code: 'TP_EXPORT_RETRYABLE', retryAfterMs: 2000 },
      { code: 'TP_EXPORT_RETRYABLE', retryAfterMs: undefined },
      { code: 'TP_EXPORT_PERMANENT', retryAfterMs: undefined },
      { code: 'TP_EXPORT_PERMANENT', retryAfterMs: undefined },
    ]);
  });

  it('times out against a server that never answers (TP_EXPORT_TIMEOUT)', async () => {
    const server = await grpcServer();
    server.answer = () => ({ kind: 'never' });
    const { exporter, telemetry } = await startExporter({ endpoint: server.address, timeout: '200ms' });
    const err = await rejection(exporter.consume(testBatch(testSpans(4))));
    expect(err.code).toBe('TP_EXPORT_TIMEOUT');
    expect(err.retryable).toBe(true);
    expect(server.calls).toHaveLength(1);
    expect(await exporterCounts(telemetry, 'otlp/test')).toMatchObject({ sent: 0, failed: 4 });
  });

  it('treats connection refused as retryable (UNAVAILABLE)', async () => {
    const port = await closedPort();
    const { exporter, telemetry } = await startExporter({ endpoint: `127.0.0.1:${port}` });
    const err = await rejection(exporter.consume(testBatch(testSpans(2))));
    expect(err.code).toBe('TP_EXPORT_RETRYABLE');
    expect(err.message).toContain('UNAVAILABLE');
    expect(await exporterCounts(telemetry, 'otlp/test')).toMatchObject({ sent: 0, failed: 2 });
  });
  it('with wait_for_ready, waits for a connection until the deadline instead of failing fast', async () => {
    const port = await closedPort();
    const { exporter } = await startExporter({ endpoint: `127.0.0.1:${port}`, wait_for_ready: true, timeout: '200ms' });
    const err = await rejection(exporter.consume(testBatch(testSpans(1))));
    expect(err.code).toBe('TP_EXPORT_TIMEOUT');
  });
});

describe('otlp exporter: responses', () => {
  it('counts a partial success: rejected spans as failed, the rest as sent, and logs it', async () => {
    const server = await grpcServer();
    server.answer = () => ({ kind: 'ok', response: encodePartialSuccess(2, 'spans too old') });
    const { exporter, telemetry, logs } = await startExporter({ endpoint: server.address });
    await exporter.consume(testBatch(testSpans(5)));
    expect(await exporterCounts(telemetry, 'otlp/test')).toEqual({ sent: 3, failed: 2, enqueueFailed: 0 });
    expect(logs.find((l) => l.msg === 'Partial success response')).toMatchObject({
      level: WARN,
      message: 'spans too old',
      dropped_spans: 2,
    });
  });

  it('fails permanently on an undecodable response (grpc-go: INTERNAL)', async () => {
    const server = await grpcServer();
    server.answer = () => ({ kind: 'ok', response: Buffer.from([0x0a, 0x05, 0x08]) });
    const { exporter } = await startExporter({ endpoint: server.address });
    const err = await rejection(exporter.consume(testBatch(testSpans(1))));
    expect(err.code).toBe('TP_EXPORT_PERMANENT');
  });
});

describe('otlp exporter: lifecycle', () => {
  it('shuts down without start, and twice', async () => {
    const { settings } = testSettings('otlp/idle');
    const exporter: Exporter = otlpExporterFactory.createTracesExporter(
      settings,
      otlpExporterConfigSchema.parse({ endpoint: 'localhost:4317', tls: { insecure: true } }),
    );
    await exporter.shutdown();
    await exporter.shutdown();
  });

  it('refuses data before start (internal error) and after shutdown (shutting down), counting both', async () => {
    const server = await grpcServer();
    const t = testSettings('otlp/life');
    const exporter = pool.add(
      otlpExporterFactory.createTracesExporter(t.settings, otlpExporterConfigSchema.parse({ endpoint: server.address, tls: { insecure: true }, sending_queue: { enabled: false } })),
    );
    expect((await rejection(exporter.consume(testBatch(testSpans(1))))).code).toBe('TP_INTERNAL');
    await exporter.start(testHost);
    await exporter.consume(testBatch(testSpans(1)));
    await exporter.shutdown();
    const err = await rejection(exporter.consume(testBatch(testSpans(2))));
    expect(err.code).toBe('TP_SHUTTING_DOWN');
    expect(await exporterCounts(t.telemetry, 'otlp/life')).toEqual({ sent: 1, failed: 1, enqueueFailed: 2 });
    expect(server.calls).toHaveLength(1);
  });

  it('shutdown waits for an in-flight export', async () => {
    const server = await grpcServer();
    server.answer = () => ({ kind: 'never' });
    const { exporter } = await startExporter({ endpoint: server.address, timeout: '10s' });
    const sending = exporter.consume(testBatch(testSpans(1)));
    while (server.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    let shutDown = false;
    const shutdown = exporter.shutdown().then(() => {
      shutDown = true;
    });
    // Nothing can finish the call but the server, so shutdown must still be waiting.
    await new Promise((r) => setTimeout(r, 20));
    expect(shutDown).toBe(false);
    await server.stop();
    expect((await rejection(sending)).retryable).toBe(true);
    await shutdown;
    expect(shutDown).toBe(true);
  });

  it('queues by default: consume resolves once queued, the batch is sent by a queue consumer', async () => {
    const server = await grpcServer();
    const { exporter, logs } = await startExporter({ endpoint: server.address, sending_queue: {}, retry_on_failure: {} });
    await exporter.consume(testBatch(testSpans(2)));
    while (server.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(logs.find((l) => l.level === WARN && /not implemented yet/.test(l.msg))).toBeUndefined();
  });
});
