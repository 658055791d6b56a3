/**
 * OTLP/gRPC: the official OpenTelemetry JS gRPC exporter and a raw grpc-js client against a real
 * receiver on loopback.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CollectorError, Grpc } from '../../errors/codes.ts';
import { decodeRpcStatus, retryDelayMsFromStatusDetails } from '../../pdata/rpc.ts';
import { EXPORT_PATH } from './grpc-server.ts';
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
const clients: Client[] = [];
const exporters: OTLPTraceExporter[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  await pool.stopAll();
});
afterAll(() => pool.stopAll());

const GRPC_ONLY = { protocols: { grpc: { endpoint: '127.0.0.1:0' } } };

function sdkExporter(address: string, compression?: 'gzip'): OTLPTraceExporter {
  const e = new OTLPTraceExporter({ url: `http://${address}`, timeoutMillis: 20_000, ...(compression ? { compression: compression as never } : {}) });
  exporters.push(e);
  return e;
}

function exportSpans(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

const identity = (b: Buffer): Buffer => b;

interface RawReply {
  err: ServiceError | null;
  body: Buffer | undefined;
}

function rawExport(address: string, body: Buffer, metadata = new Metadata()): Promise<RawReply> {
  const client = new Client(address, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  clients.push(client);
  return new Promise((resolve) => {
    client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, metadata, (err, value) => resolve({ err: err ?? null, body: value }));
  });
}

const labels = (r: Started, transport = 'grpc') => ({ receiver: r.settings.id.id, transport });

describe('otlp receiver, gRPC, official SDK exporter', () => {
  it('delivers every span with every field intact', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(GRPC_ONLY, sink);
    const spans = fullSpans();
    const result = await exportSpans(sdkExporter(r.grpc), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(sink.spans).toBe(3);
    const received = referencePlainSpans(sink.requests);
    expect(received).toEqual(expectedPlainSpans(spans));
    // Spot checks that the fixture really exercises the fields (so equality is not vacuous).
    const server = received.find((s) => s.name === 'GET /checkout')!;
    expect(server.traceState).toBe('vendor=a,other=b');
    expect(server.attributes['bytes']).toEqual({ bytes: '000102faff' });
    expect(server.attributes['kvlist']).toMatchObject({ kv: { nested: { kv: { deep: { b: true } } } } });
    expect(server.links[0]!.flags & 0x200).toBe(0x200);
    expect(server.droppedLinksCount).toBe(5);
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_accepted_spans', labels(r))).toBe(3);
  });

  it('accepts gzip-compressed gRPC messages', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(GRPC_ONLY, sink);
    const spans = fullSpans();
    const result = await exportSpans(sdkExporter(r.grpc, 'gzip'), spans);
    expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    expect(referencePlainSpans(sink.requests)).toEqual(expectedPlainSpans(spans));
  });

  // The JS gRPC exporter (0.223) reports every gRPC error as a failure and never retries itself,
  // so what it can show is the status: UNAVAILABLE, which OTLP defines as retryable.
  it('a retryable pipeline refusal reaches the SDK as UNAVAILABLE; a later export succeeds', async () => {
    const sink = new SinkConsumer();
    sink.refuse = (call) => (call === 1 ? new CollectorError('TP_QUEUE_FULL') : undefined);
    const r = await pool.start(GRPC_ONLY, sink);
    const exporter = sdkExporter(r.grpc);
    const refused = await exportSpans(exporter, fullSpans());
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect((refused.error as ServiceError).code).toBe(GrpcStatus.UNAVAILABLE);
    expect(refused.error?.message).toMatch(/sending queue is full/);
    const retried = await exportSpans(exporter, fullSpans());
    expect(retried.code, String(retried.error)).toBe(ExportResultCode.SUCCESS);
    expect(sink.calls).toBe(2);
    expect(sink.spans).toBe(3);
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_refused_spans', labels(r))).toBe(3);
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_accepted_spans', labels(r))).toBe(3);
  });

  it('a permanent pipeline error reaches the SDK with its own (non-retryable) status', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new CollectorError('TP_EXPORT_PERMANENT', 'backend said 400');
    const r = await pool.start(GRPC_ONLY, sink);
    const result = await exportSpans(sdkExporter(r.grpc), fullSpans());
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect((result.error as ServiceError).code).toBe(GrpcStatus.INTERNAL);
    expect(sink.calls).toBe(1);
  });
});

describe('otlp receiver, gRPC, raw client', () => {
  it('answers an empty ExportTraceServiceResponse and passes the request bytes on unchanged', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(GRPC_ONLY, sink);
    const body = smallRequest(4);
    const reply = await rawExport(r.grpc, body);
    expect(reply.err).toBeNull();
    expect(reply.body).toEqual(Buffer.alloc(0));
    expect(sink.requests).toEqual([body]);
  });

  it('an empty request succeeds and consumes nothing', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(GRPC_ONLY, sink);
    const reply = await rawExport(r.grpc, Buffer.alloc(0));
    expect(reply.err).toBeNull();
    expect(sink.calls).toBe(0);
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_accepted_spans', labels(r))).toBe(0);
  });

  const bad: [string, Buffer, RegExp][] = [
    ['garbage bytes', Buffer.from('this is not protobuf at all \xff\xff\xff\xff', 'latin1'), /request could not be decoded/],
    ['truncated protobuf', smallRequest(3).subarray(0, 40), /request could not be decoded: .*truncat|past the end|exceeds/i],
    // resource_spans (field 1) sent as a varint instead of a message
    ['wrong wire type', Buffer.from([0x08, 0x01]), /request could not be decoded/],
    ['7-byte span id', smallRequest(1, { spanIdHex: '00112233445566' }), /span_id has 7 bytes/],
    ['15-byte trace id', smallRequest(1, { traceIdHex: '00112233445566778899aabbccddee' }), /trace_id has 15 bytes/],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what} with INVALID_ARGUMENT and counts it`, async () => {
      const sink = new SinkConsumer();
      const r = await pool.start(GRPC_ONLY, sink);
      const reply = await rawExport(r.grpc, body);
      expect(reply.err?.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(reply.err?.details).toMatch(message);
      expect(sink.calls).toBe(0);
      expect(await counterValue(r.settings.telemetry, INVALID_REQUESTS_METRIC, labels(r))).toBe(1);
      expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_refused_spans', labels(r))).toBe(0);
    });
  }

  it('refuses a message over max_recv_msg_size_mib with RESOURCE_EXHAUSTED', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start({ protocols: { grpc: { endpoint: '127.0.0.1:0', max_recv_msg_size_mib: 1 } } }, sink);
    const big = smallRequest(20_000); // about 1.2 MiB
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const reply = await rawExport(r.grpc, big);
    expect(reply.err?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(sink.calls).toBe(0);
  });

  it('a throttled refusal is RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new CollectorError('TP_THROTTLED', 'backend rate limit', { retryAfterMs: 2500 });
    const r = await pool.start(GRPC_ONLY, sink);
    const reply = await rawExport(r.grpc, smallRequest(2));
    expect(reply.err?.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    const details = reply.err!.metadata.get('grpc-status-details-bin')[0] as Buffer;
    expect(Buffer.isBuffer(details)).toBe(true);
    expect(decodeRpcStatus(details).code).toBe(Grpc.RESOURCE_EXHAUSTED);
    expect(retryDelayMsFromStatusDetails(details)).toBe(2500);
    expect(await counterValue(r.settings.telemetry, 'otelcol_receiver_refused_spans', labels(r))).toBe(2);
  });

  it('a consumer error that is not a CollectorError is UNAVAILABLE (retryable, as otelcol)', async () => {
    const sink = new SinkConsumer();
    sink.refuse = () => new Error('something broke downstream');
    const r = await pool.start(GRPC_ONLY, sink);
    const reply = await rawExport(r.grpc, smallRequest(1));
    expect(reply.err?.code).toBe(GrpcStatus.UNAVAILABLE);
    expect(reply.err?.details).toMatch(/something broke downstream/);
  });

  it('include_metadata passes gRPC metadata on with the batch', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start({ protocols: { grpc: { endpoint: '127.0.0.1:0', include_metadata: true } } }, sink);
    const md = new Metadata();
    md.add('X-Tenant', 'acme');
    md.add('x-id-bin', Buffer.from([1, 2, 3]));
    const reply = await rawExport(r.grpc, smallRequest(1), md);
    expect(reply.err).toBeNull();
    const got = sink.metadata[0]!;
    expect(got.get('x-tenant')).toEqual(['acme']);
    expect(got.get('x-id-bin')).toEqual([Buffer.from([1, 2, 3]).toString('base64')]);
  });

  it('without include_metadata the batch carries no metadata', async () => {
    const sink = new SinkConsumer();
    const r = await pool.start(GRPC_ONLY, sink);
    const md = new Metadata();
    md.add('x-tenant', 'acme');
    await rawExport(r.grpc, smallRequest(1), md);
    expect(sink.metadata).toEqual([null]);
  });
});
