import { describe, expect, it, onTestFinished } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { MockBackend } from './mock-backend.ts';
import { BackendAdminClient } from './admin-client.ts';
import { decodeSpanDump } from './span-dump.ts';
import { decodeRpcStatus, STATUS_DETAILS_METADATA_KEY } from '../proto/rpc-status.ts';
import { toHex } from '../loadgen/trace-ids.ts';
import { grpcExport, grpcExportOn, httpExport } from '../testing/otlp-clients.ts';
import { sampleIds, sampleJsonRequest, sampleProtobufRequest } from '../testing/sample-requests.ts';
import type { ReceivedSpans } from './span-store.ts';

async function startBackend(o: ConstructorParameters<typeof MockBackend>[0] = {}): Promise<MockBackend> {
  const backend = new MockBackend({ adminPort: 0, ...o });
  onTestFinished(() => backend.stop());
  await backend.start();
  return backend;
}

const idsOf = (s: ReceivedSpans): string[] =>
  Array.from({ length: s.count }, (_, i) => `${toHex(s.traceIds, i * 16, 16)}/${toHex(s.spanIds, i * 8, 8)}/${s.tenantNames[s.tenant[i]!]}`);

describe('mock backend, mode up', () => {
  it('stores trace id, span id and tenant of spans sent over gRPC, HTTP protobuf, HTTP JSON and gzip', async () => {
    const b = await startBackend({ tenantHeader: 'X-Scope-OrgID' });
    const [a, c, d, e] = [sampleIds(2, 1), sampleIds(3, 2), sampleIds(1, 3), sampleIds(2, 4)];
    expect((await grpcExport(b.grpcEndpoint, sampleProtobufRequest(a), { metadata: { 'x-scope-orgid': 'acme' } })).code).toBe(0);
    const proto = await httpExport(b.httpEndpoint, sampleProtobufRequest(c), { headers: { 'x-scope-orgid': 'globex' } });
    expect(proto).toMatchObject({ kind: 'response', status: 200 });
    const json = await httpExport(b.httpEndpoint, sampleJsonRequest(d), { json: true });
    expect(json).toMatchObject({ kind: 'response', status: 200 });
    expect(json.kind === 'response' && json.body.toString()).toBe('{}');
    expect(await httpExport(b.httpEndpoint, sampleProtobufRequest(e), { gzip: true })).toMatchObject({ kind: 'response', status: 200 });
    const want = [
      ...a.map((s) => `${s.traceId}/${s.spanId}/acme`),
      ...c.map((s) => `${s.traceId}/${s.spanId}/globex`),
      ...d.map((s) => `${s.traceId}/${s.spanId}/`),
      ...e.map((s) => `${s.traceId}/${s.spanId}/`),
    ];
    expect(idsOf(b.store.snapshot())).toEqual(want);
    expect(b.stats()).toMatchObject({ spans: 8, spansByTenant: { acme: 2, globex: 3, '': 3 } });
  });

  it('answers 400 / INVALID_ARGUMENT to undecodable requests and stores nothing of them', async () => {
    const b = await startBackend();
    const garbage = Buffer.from([0x0a, 0x50, 0x01]);
    expect((await grpcExport(b.grpcEndpoint, garbage)).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await httpExport(b.httpEndpoint, garbage)).toMatchObject({ kind: 'response', status: 400 });
    expect(await httpExport(b.httpEndpoint, Buffer.from('{"resourceSpans": ['), { json: true })).toMatchObject({ kind: 'response', status: 400 });
    expect(b.stats()).toMatchObject({ spans: 0, requests: { grpc: { invalid: 1 }, http: { invalid: 2 } } });
  });
});

describe('mock backend gRPC transport', () => {
  it('announces wide HTTP/2 receive windows, so a large request needs no WINDOW_UPDATE round trip', async () => {
    const b = await startBackend();
    const session = http2.connect(`http://${b.grpcEndpoint}`);
    onTestFinished(() => void session.destroy());
    const windows: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no wide window announced; saw ${windows.join(', ')}`)), 5000);
      session.on('error', reject);
      session.on('remoteSettings', (settings) => {
        windows.push(settings.initialWindowSize ?? 65535);
        if ((settings.initialWindowSize ?? 0) >= 1024 * 1024) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
});

describe('mock backend fault modes', () => {
  const body = sampleProtobufRequest(sampleIds(4));

  it('refuse: UNAVAILABLE and 503, nothing stored, refused spans counted', async () => {
    const b = await startBackend({ mode: { mode: 'refuse' } });
    expect((await grpcExport(b.grpcEndpoint, body)).code).toBe(grpc.status.UNAVAILABLE);
    expect(await httpExport(b.httpEndpoint, body)).toMatchObject({ kind: 'response', status: 503 });
    expect(b.stats()).toMatchObject({ spans: 0, spansRefused: 8, requests: { grpc: { refused: 1 }, http: { refused: 1 } } });
  });

  it('throttle: RESOURCE_EXHAUSTED with RetryInfo, 429 with Retry-After', async () => {
    const b = await startBackend();
    await b.setMode({ mode: 'throttle', retry_after_s: 3 });
    const g = await grpcExport(b.grpcEndpoint, body);
    expect(g.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const details = g.metadata?.get(STATUS_DETAILS_METADATA_KEY)[0];
    expect(details).toBeInstanceOf(Buffer);
    expect(decodeRpcStatus(details as Buffer)).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, retryDelayMs: 3000 });
    const h = await httpExport(b.httpEndpoint, body);
    expect(h).toMatchObject({ kind: 'response', status: 429 });
    expect(h.kind === 'response' && h.headers['retry-after']).toBe('3');
    expect(b.stats()).toMatchObject({ spans: 0, spansThrottled: 8 });
  });

  it('down: closes the sockets (connections refused, open channels dropped), then up listens on the same ports', async () => {
    const b = await startBackend();
    const { grpcPort, httpPort } = b.ports;
    const channel = new grpc.Client(b.grpcEndpoint, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
    onTestFinished(() => channel.close());
    expect((await grpcExportOn(channel, body)).code).toBe(0);

    const down = await b.setMode({ mode: 'down' });
    expect(down).toMatchObject({ mode: { mode: 'down' }, listening: false });
    expect(await httpExport(b.httpEndpoint, body)).toEqual({ kind: 'error', code: 'ECONNREFUSED' });
    expect((await grpcExportOn(channel, body, { deadlineMs: 2000 })).code).toBe(grpc.status.UNAVAILABLE);
    expect((await grpcExport(b.grpcEndpoint, body, { deadlineMs: 2000 })).code).toBe(grpc.status.UNAVAILABLE);

    const up = await b.setMode({ mode: 'up' });
    expect(up).toMatchObject({ mode: { mode: 'up' }, listening: true });
    expect(b.ports).toMatchObject({ grpcPort, httpPort });
    expect(await httpExport(b.httpEndpoint, body)).toMatchObject({ kind: 'response', status: 200 });
    expect((await grpcExport(b.grpcEndpoint, body)).code).toBe(0);
    expect(b.stats().spans).toBe(12);
  });

  it('blackhole: accepts the request and never answers (the client deadline ends it)', async () => {
    const b = await startBackend({ mode: { mode: 'blackhole' } });
    expect((await grpcExport(b.grpcEndpoint, body, { deadlineMs: 300 })).code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await httpExport(b.httpEndpoint, body, { timeoutMs: 300 })).toEqual({ kind: 'timeout' });
    expect(b.stats()).toMatchObject({ spans: 0, spansBlackholed: 8, requests: { grpc: { blackholed: 1 }, http: { blackholed: 1 } } });
  });

  it('slow: accepts after the added latency, counted per request', async () => {
    const b = await startBackend();
    const switched = await b.setMode({ mode: 'slow', latency_ms: 40 });
    expect(switched.mode).toEqual({ mode: 'slow', latency_ms: 40 });
    expect((await grpcExport(b.grpcEndpoint, body)).code).toBe(0);
    expect(await httpExport(b.httpEndpoint, body)).toMatchObject({ kind: 'response', status: 200 });
    expect(b.stats()).toMatchObject({ spans: 8, addedLatencyMs: 80, requests: { grpc: { slowed: 1, accepted: 1 }, http: { slowed: 1, accepted: 1 } } });
  });
});

describe('mock backend admin API', () => {
  it('switches modes, reports stats, dumps spans (binary and JSON) and resets', async () => {
    const b = await startBackend();
    const admin = new BackendAdminClient(`http://127.0.0.1:${b.ports.adminPort}`);
    const ids = sampleIds(3, 9);
    await httpExport(b.httpEndpoint, sampleProtobufRequest(ids), { headers: { 'x-tenant-id': 't9' } });

    const spans = await admin.spans();
    expect(idsOf(spans)).toEqual(ids.map((s) => `${s.traceId}/${s.spanId}/t9`));
    const json = (await (await fetch(`${admin.baseUrl}/spans?format=json`)).json()) as { spans: { traceId: string; tenant: string }[] };
    expect(json.spans.map((s) => s.traceId + s.tenant)).toEqual(ids.map((s) => `${s.traceId}t9`));

    expect((await admin.setMode({ mode: 'refuse' })).mode).toEqual({ mode: 'refuse' });
    expect(await httpExport(b.httpEndpoint, sampleProtobufRequest(ids))).toMatchObject({ status: 503 });
    expect(await admin.stats()).toMatchObject({ spans: 3, spansRefused: 3, mode: { mode: 'refuse' } });
    await expect(admin.setMode({ mode: 'sideways' } as never)).rejects.toThrow(/HTTP 400/);
    expect((await admin.reset()).spans).toBe(0);
    expect(decodeSpanDump(new Uint8Array(await (await fetch(`${admin.baseUrl}/spans`)).arrayBuffer())).count).toBe(0);
  });
});
