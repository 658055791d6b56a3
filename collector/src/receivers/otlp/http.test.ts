/**
 * OTLP/HTTP: the official OpenTelemetry JS http/protobuf and http/json exporters and a raw
 * node:http client against a real receiver on loopback.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { request as httpRequest, Agent, type IncomingHttpHeaders } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CollectorError, Grpc } from '../../errors/codes.ts';
import { decodeRpcStatus } from '../../pdata/rpc.ts';
import { INVALID_REQUESTS_METRIC } from './trace-export.ts';
import {
  counterValue,
  expectedPlainSpans,
  fullSpans,
  ReceiverPool,
  referencePlainSpans,
  SinkConsumer,
  smallRequest,
  type Started,
} from './test-support.ts';

const pool = new ReceiverPool();
const exporters: { shutdown(): Promise<void> }[] = [];
// No keep-alive between tests' requests: each test's receiver is stopped right after it.
const agent = new Agent({ keepAlive: false });

afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  await pool.stopAll();
});
afterAll(() => {
  agent.destroy();
  return pool.stopAll();
});

const HTTP_ONLY = { protocols: { http: { endpoint: '127.0.0.1:0' } } };
const PB = 'application/x-protobuf';
const JSON_CT = 'application/json';

function exportSpans(exporter: ProtoExporter | JsonExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

function protoExporter(address: string, compression?: 'gzip'): ProtoExporter {
  const e = new ProtoExporter({ url: `http://${address}/v1/traces`, timeoutMillis: 20_000, ...(compression ? { compression: compression as never } : {}) });
  exporters.push(e);
  return e;
}

function jsonExporter(address: string): JsonExporter {
  const e = new JsonExporter({ url: `http://${address}/v1/traces`, timeoutMillis: 20_000 });
  exporters.push(e);
  return e;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function send(address: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string }): Promise<Reply> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, agent, method: opts.method ?? 'POST', path: opts.path ?? '/v1/traces', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const labels = (r: Started) => ({ receiver: r.settings.id.id, transport: 'http' });
const invalidCount = (r: Started) => counterValue(r.settings.telemetry, INVALID_REQUESTS_METRIC, labels(r));

describe('otlp receiver, HTTP, official SDK exporters', () => {
  it('http/protobuf delivers every span with every field intact', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const spans = fullSpans();
    const result = await exportSpans(protoExporter(r.http), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    const received = referencePlainSpans(sink.requests);
    expect(received).toEqual(expectedPlainSpans(spans));
    expect(received.find((s) => s.name === 'GET /checkout')!.attributes['array.mixed']).toEqual({
      a: [{ s: 'x' }, { i: '1' }, { d: 2.5 }, { b: true }],
    });
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_accepted_spans', labels(r))).toBe(3);
  });

  it('http/protobuf with gzip compression', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const spans = fullSpans();
    const result = await exportSpans(protoExporter(r.http, 'gzip'), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(referencePlainSpans(sink.requests)).toEqual(expectedPlainSpans(spans));
  });

  it('http/json delivers every span with every field intact', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const spans = fullSpans();
    const result = await exportSpans(jsonExporter(r.http), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(referencePlainSpans(sink.requests)).toEqual(expectedPlainSpans(spans));
  });

  it('a retryable refusal is 503: the SDK retries and succeeds', async () => {
    const sink = new SinkConsumer();
    sink.refuse = (call) => (call === 1 ? new CollectorError('TP_MEMORY_LIMITED', undefined, { retryAfterMs: 100 }) : undefined);
    const r = await pool.start(HTTP_ONLY, sink);
    const spans = fullSpans();
    const result = await exportSpans(protoExporter(r.http), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(sink.calls).toBe(2);
    expect(referencePlainSpans(sink.requests)).toEqual(expectedPlainSpans(spans));
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_refused_spans', labels(r))).toBe(3);
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_accepted_spans', labels(r))).toBe(3);
  });

  it('a permanent refusal fails the export without retries', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new CollectorError('TP_EXPORT_PERMANENT', 'backend said no');
    const r = await pool.start(HTTP_ONLY, sink);
    const result = await exportSpans(jsonExporter(r.http), fullSpans());
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(sink.calls).toBe(1);
  });
});

describe('otlp receiver, HTTP, responses', () => {
  it('200 with an empty protobuf ExportTraceServiceResponse; bytes passed on unchanged', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const body = smallRequest(3);
    const reply = await send(r.http, { headers: { 'content-type': PB }, body });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(PB);
    expect(reply.body.length).toBe(0);
    expect(sink.requests).toEqual([body]);
  });

  it('200 with `{}` for JSON, content type parameters allowed', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const json = {
      resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'x', startTimeUnixNano: '1', endTimeUnixNano: '2' }] }] }],
    };
    const reply = await send(r.http, { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(json) });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(JSON_CT);
    expect(reply.body.toString()).toBe('{}');
    expect(referencePlainSpans(sink.requests).map((s) => [s.traceId, s.spanId, s.name])).toEqual([
      ['5b8efff798038103d269b633813fc60c', 'eee19b7ec3c1b174', 'x'],
    ]);
  });

  it('an empty request is 200 and consumes nothing (protobuf and JSON)', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    expect((await send(r.http, { headers: { 'content-type': PB }, body: Buffer.alloc(0) })).status).toBe(200);
    expect((await send(r.http, { headers: { 'content-type': JSON_CT }, body: '{}' })).status).toBe(200);
    expect((await send(r.http, { headers: { 'content-type': JSON_CT }, body: '{"resourceSpans":[]}' })).status).toBe(200);
    expect(sink.calls).toBe(0);
  });

  it('404 for another path, 405 with Allow for another method, 415 for another content type', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const notFound = await send(r.http, { path: '/v1/metrics', headers: { 'content-type': PB }, body: smallRequest(1) });
    expect(notFound.status).toBe(404);
    const wrongMethod = await send(r.http, { method: 'GET' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('POST');
    const put = await send(r.http, { method: 'PUT', headers: { 'content-type': PB }, body: smallRequest(1) });
    expect(put.status).toBe(405);
    const wrongType = await send(r.http, { headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.toString()).toMatch(/application\/json, application\/x-protobuf/);
    const noType = await send(r.http, { body: smallRequest(1) });
    expect(noType.status).toBe(415);
    expect(sink.calls).toBe(0);
    expect(await invalidCount(r)).toBe(5);
  });

  it('serves a custom traces_url_path (made absolute as otelcol does)', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0', traces_url_path: 'ingest/traces' } } }, sink);
    expect((await send(r.http, { path: '/ingest/traces', headers: { 'content-type': PB }, body: smallRequest(1) })).status).toBe(200);
    expect((await send(r.http, { path: '/v1/traces', headers: { 'content-type': PB }, body: smallRequest(1) })).status).toBe(404);
  });

  it('adds response_headers', async () => {
    const r = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0', response_headers: { 'X-Served-By': 'tailpipe' } } } }, new SinkConsumer());
    const reply = await send(r.http, { headers: { 'content-type': PB }, body: smallRequest(1) });
    expect(reply.headers['x-served-by']).toBe('tailpipe');
  });
});

describe('otlp receiver, HTTP, bad input', () => {
  const cases: [string, string, Buffer | string, RegExp][] = [
    ['garbage protobuf', PB, Buffer.from('\xff\xff\xff\xff garbage', 'latin1'), /request could not be decoded/],
    ['truncated protobuf', PB, smallRequest(2).subarray(0, 50), /request could not be decoded/],
    ['a protobuf field of the wrong wire type', PB, Buffer.from([0x08, 0x01]), /request could not be decoded/],
    ['a 7-byte span id (protobuf)', PB, smallRequest(1, { spanIdHex: '00112233445566' }), /span_id has 7 bytes/],
    ['invalid JSON', JSON_CT, '{"resourceSpans": [', /request could not be decoded/],
    ['a JSON field of the wrong type', JSON_CT, '{"resourceSpans": "nope"}', /resourceSpans/],
    ['a 30-hex-digit trace id (JSON)', JSON_CT, JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc6', spanId: 'eee19b7ec3c1b174' }] }] }] }), /traceId/],
  ];
  for (const [what, type, body, message] of cases) {
    it(`400 for ${what}, with a google.rpc.Status in the request's encoding`, async () => {
      const sink = new SinkConsumer();
      const r = await pool.start(HTTP_ONLY, sink);
      const reply = await send(r.http, { headers: { 'content-type': type }, body });
      expect(reply.status).toBe(400);
      expect(reply.headers['content-type']).toBe(type);
      const status = type === PB ? decodeRpcStatus(reply.body) : (JSON.parse(reply.body.toString()) as { code: number; message: string });
      expect(status.code).toBe(Grpc.INVALID_ARGUMENT);
      expect(status.message).toMatch(message);
      expect(sink.calls).toBe(0);
      expect(await invalidCount(r)).toBe(1);
      expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_refused_spans', labels(r))).toBe(0);
    });
  }

  it('400 for an unsupported content encoding and for a corrupt gzip body', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const zstd = await send(r.http, { headers: { 'content-type': PB, 'content-encoding': 'zstd' }, body: smallRequest(1) });
    expect(zstd.status).toBe(400);
    expect(decodeRpcStatus(zstd.body).message).toMatch(/unsupported content encoding: zstd/);
    const corrupt = await send(r.http, { headers: { 'content-type': PB, 'content-encoding': 'gzip' }, body: Buffer.from('not gzip at all') });
    expect(corrupt.status).toBe(400);
    expect(decodeRpcStatus(corrupt.body).message).toMatch(/invalid gzip body/);
    expect(sink.calls).toBe(0);
  });

  it('accepts deflate (zlib) bodies, and refuses gzip when compression_algorithms leaves it out', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink);
    const body = smallRequest(2);
    const reply = await send(r.http, { headers: { 'content-type': PB, 'content-encoding': 'deflate' }, body: deflateSync(body) });
    expect(reply.status).toBe(200);
    expect(sink.requests).toEqual([body]);
    const strict = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0', compression_algorithms: ['', 'zstd'] } } }, sink);
    const gz = await send(strict.http, { headers: { 'content-type': PB, 'content-encoding': 'gzip' }, body: gzipSync(body) });
    expect(gz.status).toBe(400);
  });

  it('413 when Content-Length announces a body over max_request_body_size', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0', max_request_body_size: 1000 } } }, sink);
    const reply = await send(r.http, { headers: { 'content-type': PB }, body: Buffer.alloc(1001) });
    expect(reply.status).toBe(413);
    expect(decodeRpcStatus(reply.body).message).toMatch(/exceeds the configured limit/);
    expect(await invalidCount(r)).toBe(1);
  });

  it('413 for a 100 MiB streamed body, refused without reading it all', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(HTTP_ONLY, sink); // default limit: 20 MiB
    const total = 100 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    const [host, port] = r.http.split(':');
    const outcome = await new Promise<{ status?: number; written: number; error?: string }>((resolve) => {
      let written = 0;
      let settled = false;
      const done = (v: { status?: number; error?: string }): void => {
        if (!settled) {
          settled = true;
          resolve({ ...v, written });
        }
      };
      // Chunked transfer, no Content-Length: the receiver only learns the size by reading.
      const req = httpRequest({ host, port: Number(port), agent, method: 'POST', path: '/v1/traces', headers: { 'content-type': PB } }, (res) => {
        res.resume();
        done({ status: res.statusCode! });
        req.destroy();
      });
      req.on('error', (err) => done({ error: err.message }));
      const pump = (): void => {
        while (!settled && written < total) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        if (!settled) req.end();
      };
      pump();
    });
    expect(outcome.status, outcome.error).toBe(413);
    // The receiver stopped reading at the limit: the sender could not push the whole 100 MiB.
    expect(outcome.written).toBeLessThan(total);
    expect(sink.calls).toBe(0);
  });

  it('413 for a gzip bomb (10 KB inflating to 10 MB over a 1 MiB limit)', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0', max_request_body_size: 1024 * 1024 } } }, sink);
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(11 * 1024);
    const reply = await send(r.http, { headers: { 'content-type': PB, 'content-encoding': 'gzip' }, body: bomb });
    expect(reply.status).toBe(413);
    expect(sink.calls).toBe(0);
    expect(await invalidCount(r)).toBe(1);
  });
});

describe('otlp receiver, HTTP, pipeline refusals', () => {
  it('503 with Retry-After and a Status body for a retryable refusal', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new CollectorError('TP_QUEUE_FULL', undefined, { retryAfterMs: 1500 });
    const r = await pool.start(HTTP_ONLY, sink);
    const reply = await send(r.http, { headers: { 'content-type': JSON_CT }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'a' }] }] }] }) });
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('2');
    const status = JSON.parse(reply.body.toString()) as { code: number; message: string; details: { retryDelay: string }[] };
    expect(status.code).toBe(Grpc.UNAVAILABLE);
    expect(status.message).toMatch(/sending queue is full/);
    expect(status.details[0]!.retryDelay).toBe('1.500s');
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_refused_spans', labels(r))).toBe(1);
  });

  it('503 without Retry-After when no delay is known', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new Error('downstream hiccup');
    const r = await pool.start(HTTP_ONLY, sink);
    const reply = await send(r.http, { headers: { 'content-type': PB }, body: smallRequest(1) });
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBeUndefined();
  });

  it('429 with Retry-After when throttled', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new CollectorError('TP_THROTTLED', 'slow down', { retryAfterMs: 3000 });
    const r = await pool.start(HTTP_ONLY, sink);
    const reply = await send(r.http, { headers: { 'content-type': PB }, body: smallRequest(2) });
    expect(reply.status).toBe(429);
    expect(reply.headers['retry-after']).toBe('3');
    expect(decodeRpcStatus(reply.body).code).toBe(Grpc.RESOURCE_EXHAUSTED);
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_refused_spans', labels(r))).toBe(2);
  });
});

describe('otlp receiver, HTTP, metadata and CORS', () => {
  it('include_metadata passes the headers (lower-case) on with the batch', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0', include_metadata: true } } }, sink);
    await send(r.http, { headers: { 'content-type': PB, 'X-Tenant': 'acme' }, body: smallRequest(1) });
    expect(sink.metadata[0]!.get('x-tenant')).toEqual(['acme']);
    expect(sink.metadata[0]!.get('content-type')).toEqual([PB]);
  });

  it('answers CORS preflights for allowed origins (wildcards too) and decorates responses', async () => {
    const sink = new SinkConsumer();
    const cors = { allowed_origins: ['https://*.example.com', 'https://exact.org'], allowed_headers: ['X-Custom'], max_age: 600 };
    const r = await pool.start({ protocols: { http: { endpoint: '127.0.0.1:0', cors } } }, sink);
    const preflight = (origin: string, headers = 'content-type') =>
      send(r.http, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });

    const ok = await preflight('https://app.example.com', 'content-type, x-custom');
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(ok.headers['access-control-allow-methods']).toBe('POST');
    expect(ok.headers['access-control-allow-headers']).toBe('content-type, x-custom');
    expect(ok.headers['access-control-max-age']).toBe('600');

    const exact = await preflight('https://exact.org');
    expect(exact.headers['access-control-allow-origin']).toBe('https://exact.org');

    const other = await preflight('https://example.com.evil.net');
    expect(other.status).toBe(204);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const badHeader = await preflight('https://app.example.com', 'x-not-listed');
    expect(badHeader.headers['access-control-allow-origin']).toBeUndefined();

    const actual = await send(r.http, { headers: { 'content-type': PB, origin: 'https://app.example.com' }, body: smallRequest(1) });
    expect(actual.status).toBe(200);
    expect(actual.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(actual.headers['access-control-allow-credentials']).toBe('true');

    const foreign = await send(r.http, { headers: { 'content-type': PB, origin: 'https://evil.net' }, body: smallRequest(1) });
    expect(foreign.status).toBe(200);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('without cors, OPTIONS is just another method (405)', async () => {
    const r = await pool.start(HTTP_ONLY, new SinkConsumer());
    const reply = await send(r.http, { method: 'OPTIONS', headers: { origin: 'https://a.example.com', 'access-control-request-method': 'POST' } });
    expect(reply.status).toBe(405);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });
});
