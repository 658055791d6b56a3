/**
 * Client TLS: server-only TLS (no client certificate), verification on by default with the
 * bundled roots, insecure_skip_verify, and a new generation of settings per reload.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreateSettings, Host } from '../component/types.ts';
import { parseComponentId } from '../component/types.ts';
import { otlpExporterFactory } from '../exporters/otlp/factory.ts';
import { otlphttpExporterFactory } from '../exporters/otlphttp/factory.ts';
import { testBatch, testSpans } from '../exporters/exporterhelper/test-support.ts';
import { otlpReceiverConfigSchema } from '../receivers/otlp/config.ts';
import { OtlpReceiver } from '../receivers/otlp/receiver.ts';
import { SinkConsumer } from '../receivers/otlp/test-support.ts';
import { SelfTelemetry } from '../telemetry/self-telemetry.ts';
import { createClientTlsProvider } from './client-tls.ts';
import { clientTlsConfigSchema } from './config.ts';
import { CapturedLogs } from './testdata/logs.ts';
import { TestPki, type Ca, type Issued } from './testdata/pki.ts';

const host: Host = { getExtension: () => undefined, status: 'running' };
let pki: TestPki;
let ca: Ca;
let server: Issued;

beforeAll(() => {
  pki = new TestPki();
  ca = pki.ca('ca');
  server = pki.issue(ca, 'server');
});
afterAll(() => pki.cleanup());

const running: { shutdown(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((c) => c.shutdown()));
});

function settings(id: string, kind: CreateSettings['kind'], logs = new CapturedLogs()): CreateSettings {
  return { id: parseComponentId(id), kind, logger: logs.logger, telemetry: new SelfTelemetry(), pipelines: ['traces'] };
}

async function tlsGateway(): Promise<{ grpc: string; http: string; sink: SinkConsumer }> {
  const sink = new SinkConsumer();
  const tls = { cert_file: server.certFile, key_file: server.keyFile };
  const config = otlpReceiverConfigSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0', tls }, http: { endpoint: '127.0.0.1:0', tls } } });
  const r = new OtlpReceiver(settings('otlp', 'receiver'), config, sink);
  running.push(r);
  await r.start(host);
  const b = r.boundAddresses();
  return { grpc: b.grpc!, http: b.http!, sink };
}

const port = (address: string) => address.slice(address.lastIndexOf(':') + 1);
const noQueue = { sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };

async function grpcExporter(endpoint: string, tls: Record<string, unknown> | undefined, logs = new CapturedLogs()) {
  const e = otlpExporterFactory.createTracesExporter(settings('otlp', 'exporter', logs), otlpExporterFactory.configSchema.parse({ endpoint, ...(tls ? { tls } : {}), ...noQueue }));
  running.push(e);
  await e.start(host);
  return e;
}

async function httpExporter(endpoint: string, tls: Record<string, unknown> | undefined, logs = new CapturedLogs()) {
  const e = otlphttpExporterFactory.createTracesExporter(settings('otlphttp', 'exporter', logs), otlphttpExporterFactory.configSchema.parse({ endpoint, ...(tls ? { tls } : {}), ...noQueue }));
  running.push(e);
  await e.start(host);
  return e;
}

describe('client TLS', () => {
  it('server-only TLS: a client trusting the CA sends; with the bundled roots it is refused (verification is on)', async () => {
    const gw = await tlsGateway();
    await (await grpcExporter(`localhost:${port(gw.grpc)}`, { ca_file: ca.certFile })).consume(testBatch(testSpans(2)));
    await (await httpExporter(`https://localhost:${port(gw.http)}`, { ca_file: ca.certFile })).consume(testBatch(testSpans(3)));
    expect(gw.sink.spans).toBe(5);
    const logs = new CapturedLogs();
    const untrusting = await grpcExporter(`https://localhost:${port(gw.grpc)}`, undefined, logs);
    await expect(untrusting.consume(testBatch(testSpans(1)))).rejects.toThrow(/TLS: the server certificate is not signed by a CA we trust/);
    const untrustingHttp = await httpExporter(`https://localhost:${port(gw.http)}`, undefined);
    await expect(untrustingHttp.consume(testBatch(testSpans(1)))).rejects.toThrow(/TLS: the server certificate is not signed by a CA we trust/);
    expect(gw.sink.spans).toBe(5);
  });

  it('insecure_skip_verify sends without verifying, and says so at start', async () => {
    const gw = await tlsGateway();
    const logs = new CapturedLogs();
    await (await grpcExporter(`https://localhost:${port(gw.grpc)}`, { insecure_skip_verify: true }, logs)).consume(testBatch(testSpans(1)));
    await (await httpExporter(`https://localhost:${port(gw.http)}`, { insecure_skip_verify: true })).consume(testBatch(testSpans(1)));
    expect(gw.sink.spans).toBe(2);
    expect(logs.matching(/insecure_skip_verify is set: the server certificate is not verified/)).toHaveLength(1);
  });

  it('a missing file fails start() with its name', async () => {
    const e = otlpExporterFactory.createTracesExporter(
      settings('otlp', 'exporter'),
      otlpExporterFactory.configSchema.parse({ endpoint: 'localhost:4317', tls: { ca_file: pki.path('missing-ca.crt') } }),
    );
    running.push(e);
    await expect(e.start(host)).rejects.toThrow(`failed to load TLS config: cannot read CA "${pki.path('missing-ca.crt')}": ENOENT`);
  });

  it('a reload gives a new generation with a new SecureContext; an unchanged file does not', async () => {
    const caFile = pki.replace('client-trust.crt', ca.pem);
    const logs = new CapturedLogs();
    const provider = await createClientTlsProvider(clientTlsConfigSchema.parse({ ca_file: caFile, server_name_override: 'gw.example' }), logs.logger, { debounceMs: 10 });
    running.push({ shutdown: async () => provider.close() });
    const first = provider.current();
    expect(first).toMatchObject({ generation: 0, servername: 'gw.example', rejectUnauthorized: true });
    const seen: number[] = [];
    provider.onReload((s) => seen.push(s.generation));
    pki.replace('client-trust.crt', ca.pem); // same bytes: not a change
    await provider.reloadNow();
    expect(provider.current()).toBe(first);
    pki.replace('client-trust.crt', ca.pem + pki.ca('ca-next').pem);
    await logs.waitFor(/TLS certificates reloaded/);
    expect(provider.current().generation).toBe(1);
    expect(provider.current().secureContext).not.toBe(first.secureContext);
    expect(seen).toEqual([1]);
  });
});
