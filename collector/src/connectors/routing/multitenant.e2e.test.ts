/**
 * Two tenants through one gateway, as a real in-process collector from YAML: OTLP/gRPC receiver
 * with include_metadata -> batch (metadata_keys: x-tenant-id) -> routing connector (context:
 * request) -> one pipeline per tenant (attributes processor stamping the tenant from the request
 * metadata, otlp exporter forwarding the tenant header through headers_setter) -> a separate
 * sink per tenant, plus a default pipeline. Concurrent senders mix tenant-a, tenant-b, a missing
 * header, forged unknown tenants and a doubled header. Asserted: 0 spans of one tenant in the
 * other's sink, every span where it belongs, and the tenant header forwarded downstream.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Collector } from '../../collector.ts';
import { freePort } from '../../../test/helpers/free-port.ts';
import { OtlpGrpcSink } from '../../../test/helpers/otlp-sink.ts';
import { encodeTestRequest, type TestSpan } from '../../exporters/exporterhelper/test-support.ts';

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const raw = (b: Buffer): Buffer => b;

let dir = '';
let collector: Collector | null = null;
let client: Client | null = null;
const sinks: OtlpGrpcSink[] = [];

afterEach(async () => {
  client?.close();
  client = null;
  await collector?.shutdown();
  collector = null;
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

type Kind = 'a' | 'b' | 'missing' | 'forged' | 'twice';

function spansFor(kind: Kind, request: number, n: number): TestSpan[] {
  return Array.from({ length: n }, (_, k) => ({
    traceId: `${request.toString(16).padStart(8, '0')}${'0'.repeat(23)}1`,
    spanId: (request * 1000 + k + 1).toString(16).padStart(16, '0'),
    name: `${kind}-${request}-${k}`,
    service: `svc-${kind}`,
  }));
}

function metadataFor(kind: Kind, request: number): Metadata {
  const md = new Metadata();
  if (kind === 'a') md.set('x-tenant-id', 'tenant-a');
  if (kind === 'b') md.set('X-Tenant-Id', 'tenant-b'); // gRPC lower-cases metadata keys
  if (kind === 'forged') md.set('x-tenant-id', request % 2 === 0 ? 'tenant-c' : 'tenant-a ');
  if (kind === 'twice') {
    md.add('x-tenant-id', 'tenant-a');
    md.add('x-tenant-id', 'tenant-b');
  }
  return md;
}

describe('multi-tenant gateway: routing by x-tenant-id', () => {
  it('keeps tenants apart under load, with the header missing, forged or doubled', { timeout: 120_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-tenants-'));
    const [sinkA, sinkB, sinkDefault] = [new OtlpGrpcSink(), new OtlpGrpcSink(), new OtlpGrpcSink()];
    sinks.push(sinkA, sinkB, sinkDefault);
    await Promise.all(sinks.map((s) => s.start()));
    const port = await freePort();
    const exporter = (sink: OtlpGrpcSink) =>
      `{ endpoint: 127.0.0.1:${sink.port}, tls: { insecure: true }, compression: none, sending_queue: { enabled: false }, auth: { authenticator: headers_setter } }`;
    const config = join(dir, 'gateway.yaml');
    writeFileSync(
      config,
      `
receivers:
  otlp:
    protocols:
      grpc: { endpoint: 127.0.0.1:${port}, include_metadata: true }
processors:
  batch/tenants:
    metadata_keys: [x-tenant-id]
    timeout: 20ms
    send_batch_size: 500
  attributes/tenant:
    actions:
      - { key: tenant, from_context: metadata.x-tenant-id, action: upsert }
connectors:
  routing:
    default_pipelines: [traces/default]
    table:
      - context: request
        condition: request["x-tenant-id"] == "tenant-a"
        pipelines: [traces/a]
      - context: request
        condition: request["x-tenant-id"] == "tenant-b"
        pipelines: [traces/b]
exporters:
  otlp/a: ${exporter(sinkA)}
  otlp/b: ${exporter(sinkB)}
  otlp/default: { endpoint: 127.0.0.1:${sinkDefault.port}, tls: { insecure: true }, compression: none, sending_queue: { enabled: false } }
extensions:
  headers_setter:
    headers:
      - { key: X-Scope-OrgID, from_context: x-tenant-id }
service:
  extensions: [headers_setter]
  telemetry:
    metrics: { level: none }
  pipelines:
    traces/in: { receivers: [otlp], processors: [batch/tenants], exporters: [routing] }
    traces/a: { receivers: [routing], processors: [attributes/tenant], exporters: [otlp/a] }
    traces/b: { receivers: [routing], processors: [attributes/tenant], exporters: [otlp/b] }
    traces/default: { receivers: [routing], exporters: [otlp/default] }
`,
    );
    collector = Collector.fromConfig({ configArgs: [config], logDestination: { write: () => {} } });
    await collector.start();
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());

    // 400 requests of 25 spans, 8 senders at once, kinds interleaved.
    const kinds: Kind[] = ['a', 'b', 'a', 'b', 'missing', 'forged', 'a', 'b', 'twice', 'forged'];
    const plan = Array.from({ length: 400 }, (_, r) => ({ kind: kinds[r % kinds.length]!, r }));
    const sent = new Map<Kind, Set<string>>();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < plan.length) {
        const { kind, r } = plan[next++]!;
        const spans = spansFor(kind, r, 25);
        const err = await new Promise<ServiceError | null>((resolve) =>
          client!.makeUnaryRequest(EXPORT, raw, raw, encodeTestRequest(spans), metadataFor(kind, r), { deadline: Date.now() + 20_000 }, (e) => resolve(e)),
        );
        expect(err).toBeNull();
        const set = sent.get(kind) ?? new Set<string>();
        for (const s of spans) set.add(s.name);
        sent.set(kind, set);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const total = 400 * 25;
    await Promise.all([sinkA.waitForSpans(sent.get('a')!.size), sinkB.waitForSpans(sent.get('b')!.size)]);
    await sinkDefault.waitForSpans(total - sent.get('a')!.size - sent.get('b')!.size);

    const names = (sink: OtlpGrpcSink) => sink.spans().map((s) => s.name);
    const inA = names(sinkA);
    const inB = names(sinkB);
    const inDefault = names(sinkDefault);
    const crossA = inA.filter((n) => !n.startsWith('a-'));
    const crossB = inB.filter((n) => !n.startsWith('b-'));
    console.log(`tenants: A ${inA.length}, B ${inB.length}, default ${inDefault.length}; foreign spans in A: ${crossA.length}, in B: ${crossB.length}`);
    expect(crossA).toEqual([]);
    expect(crossB).toEqual([]);
    expect(new Set(inA)).toEqual(sent.get('a'));
    expect(new Set(inB)).toEqual(sent.get('b'));
    expect(new Set(inDefault)).toEqual(new Set([...sent.get('missing')!, ...sent.get('forged')!, ...sent.get('twice')!]));
    expect(inA.length + inB.length + inDefault.length).toBe(total);

    // The attributes processor stamped the tenant; headers_setter forwarded it downstream.
    for (const s of sinkA.spans()) expect(s.attributes).toContainEqual({ key: 'tenant', value: { stringValue: 'tenant-a' } });
    for (const s of sinkB.spans()) expect(s.attributes).toContainEqual({ key: 'tenant', value: { stringValue: 'tenant-b' } });
    for (const md of sinkA.metadata) expect(md.get('x-scope-orgid')).toEqual(['tenant-a']);
    for (const md of sinkB.metadata) expect(md.get('x-scope-orgid')).toEqual(['tenant-b']);
  });
});
