/**
 * mTLS end to end, over real gRPC and real HTTP on loopback:
 *   SDK exporter -> agent (otlp receiver -> otlp / otlphttp exporter) ==mTLS==> gateway (otlp receiver) -> sink
 * with a throw-away PKI made by openssl at test time. Covers the happy path, the refusals an
 * operator meets (no client certificate, a certificate from another CA, an expired one, a wrong
 * server name) with the log line each side writes, and a CA + certificate rotation on both
 * sides while a sender keeps sending, counting every span.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Consumer, CreateSettings, Exporter, Host } from '../component/types.ts';
import { parseComponentId } from '../component/types.ts';
import { otlpExporterFactory } from '../exporters/otlp/factory.ts';
import { otlphttpExporterFactory } from '../exporters/otlphttp/factory.ts';
import { exporterCounts, testBatch, testSpans } from '../exporters/exporterhelper/test-support.ts';
import { otlpReceiverConfigSchema } from '../receivers/otlp/config.ts';
import { OtlpReceiver } from '../receivers/otlp/receiver.ts';
import { fullSpans, SinkConsumer } from '../receivers/otlp/test-support.ts';
import { SelfTelemetry } from '../telemetry/self-telemetry.ts';
import { CapturedLogs } from './testdata/logs.ts';
import { TestPki, type Ca, type Issued } from './testdata/pki.ts';

type Transport = 'grpc' | 'http';

const host: Host = { getExtension: () => undefined, status: 'running' };

let pki: TestPki;
let serverCa: Ca;
let clientCa: Ca;
let otherCa: Ca;
let gatewayCert: Issued;
let agentCert: Issued;
let strangerCert: Issued;
let expiredCert: Issued;

beforeAll(() => {
  pki = new TestPki();
  serverCa = pki.ca('server-ca');
  clientCa = pki.ca('client-ca');
  otherCa = pki.ca('other-ca');
  gatewayCert = pki.issue(serverCa, 'gateway');
  agentCert = pki.issue(clientCa, 'agent', { usage: 'client' });
  strangerCert = pki.issue(otherCa, 'stranger', { usage: 'client' });
  expiredCert = pki.issue(clientCa, 'expired-agent', { usage: 'client', expired: true });
});
afterAll(() => pki.cleanup());

const running: { shutdown(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((c) => c.shutdown()));
});

function settings(id: string, kind: CreateSettings['kind'], logs: CapturedLogs, telemetry = new SelfTelemetry()): CreateSettings {
  return { id: parseComponentId(id), kind, logger: logs.logger, telemetry, pipelines: ['traces'] };
}

interface Gateway {
  address: string;
  sink: SinkConsumer;
  logs: CapturedLogs;
}

async function startGateway(transport: Transport, tls: Record<string, unknown>): Promise<Gateway> {
  const logs = new CapturedLogs();
  const sink = new SinkConsumer();
  const config = otlpReceiverConfigSchema.parse({ protocols: { [transport]: { endpoint: '127.0.0.1:0', tls } } });
  const receiver = new OtlpReceiver(settings('otlp/gateway', 'receiver', logs), config, sink);
  running.push(receiver);
  await receiver.start(host);
  const address = receiver.boundAddresses()[transport]!;
  return { address, sink, logs };
}

function gatewayTls(): Record<string, unknown> {
  return { cert_file: gatewayCert.certFile, key_file: gatewayCert.keyFile, client_ca_file: clientCa.certFile };
}

interface Agent {
  exporter: Exporter;
  logs: CapturedLogs;
  telemetry: SelfTelemetry;
}

/** The agent's exporter towards the gateway; no queue and no retry, so every failure shows. */
async function startAgentExporter(transport: Transport, gateway: Gateway, tls: Record<string, unknown>): Promise<Agent> {
  const logs = new CapturedLogs();
  const telemetry = new SelfTelemetry();
  const port = gateway.address.slice(gateway.address.lastIndexOf(':') + 1);
  const common = { tls, sending_queue: { enabled: false }, retry_on_failure: { enabled: false }, timeout: '10s' };
  const exporter =
    transport === 'grpc'
      ? otlpExporterFactory.createTracesExporter(
          settings('otlp/gateway', 'exporter', logs, telemetry),
          otlpExporterFactory.configSchema.parse({ endpoint: `localhost:${port}`, ...common }),
        )
      : otlphttpExporterFactory.createTracesExporter(
          settings('otlphttp/gateway', 'exporter', logs, telemetry),
          otlphttpExporterFactory.configSchema.parse({ endpoint: `https://localhost:${port}`, ...common }),
        );
  running.push(exporter);
  await exporter.start(host);
  return { exporter, logs, telemetry };
}

function agentTls(cert: Issued = agentCert): Record<string, unknown> {
  return { ca_file: serverCa.certFile, cert_file: cert.certFile, key_file: cert.keyFile };
}

/** The agent's own receiver (plaintext gRPC from the application), feeding its exporter. */
async function startAgentReceiver(next: Consumer): Promise<string> {
  const config = otlpReceiverConfigSchema.parse({ protocols: { grpc: { endpoint: '127.0.0.1:0' } } });
  const receiver = new OtlpReceiver(settings('otlp', 'receiver', new CapturedLogs('silent')), config, next);
  running.push(receiver);
  await receiver.start(host);
  return receiver.boundAddresses().grpc!;
}

function sdkExporter(address: string): OTLPTraceExporter {
  const e = new OTLPTraceExporter({ url: `http://${address}`, timeoutMillis: 20_000 });
  running.push(e);
  return e;
}

function exportSpans(exporter: OTLPTraceExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** How the exporter failure is logged on the agent (ObsSender's "Exporting failed" line). */
async function refusedByGateway(agent: Agent): Promise<string> {
  await expect(agent.exporter.consume(testBatch(testSpans(3)))).rejects.toThrow();
  return agent.logs.waitFor(/Exporting failed/);
}

const reloadCount = (logs: CapturedLogs): number => logs.matching(/TLS certificates reloaded/).length;

describe.each<Transport>(['grpc', 'http'])('mTLS agent -> gateway over %s', (transport) => {
  it('delivers every span from an SDK through the agent to the gateway over mutual TLS', async () => {
    const gateway = await startGateway(transport, gatewayTls());
    const agent = await startAgentExporter(transport, gateway, agentTls());
    const agentAddress = await startAgentReceiver(agent.exporter);
    const sdk = sdkExporter(agentAddress);
    const spans = fullSpans();
    for (let i = 0; i < 3; i++) {
      const result = await exportSpans(sdk, spans);
      expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
    }
    expect(gateway.sink.spans).toBe(3 * spans.length);
    expect(gateway.logs.matching(/Starting (GRPC|HTTP) server .*"tls":true,"mtls":true/)).toHaveLength(1);
    expect((await exporterCounts(agent.telemetry, transport === 'grpc' ? 'otlp/gateway' : 'otlphttp/gateway')).failed).toBe(0);
  });

  it('refuses a client without a certificate, and both sides say so', async () => {
    const gateway = await startGateway(transport, gatewayTls());
    const agent = await startAgentExporter(transport, gateway, { ca_file: serverCa.certFile });
    const line = await refusedByGateway(agent);
    expect(line).toMatch(/certificate required.*TLS: the server requires a client certificate: set tls.cert_file and tls.key_file/);
    await gateway.logs.waitFor(/TLS handshake failed: the client sent no certificate; client_ca_file requires one/);
    expect(gateway.sink.spans).toBe(0);
  });

  it('refuses a client certificate from another CA, and both sides say so', async () => {
    const gateway = await startGateway(transport, gatewayTls());
    const agent = await startAgentExporter(transport, gateway, agentTls(strangerCert));
    const line = await refusedByGateway(agent);
    expect(line).toMatch(/TLS: the server closed the connection right after the TLS handshake: it may refuse our client certificate \(subject CN=stranger, issuer CN=other-ca\)/);
    await gateway.logs.waitFor(/TLS handshake failed: the client certificate is not signed by a CA in client_ca_file \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect(gateway.sink.spans).toBe(0);
  });

  it('refuses an expired client certificate, and both sides say so', async () => {
    const gateway = await startGateway(transport, gatewayTls());
    const agent = await startAgentExporter(transport, gateway, agentTls(expiredCert));
    expect(agent.logs.matching(/our TLS client certificate has expired; servers will refuse it/)).toHaveLength(1);
    const line = await refusedByGateway(agent);
    expect(line).toMatch(/Our client certificate expired on Jan +2 00:00:00 2020 GMT/);
    await gateway.logs.waitFor(/TLS handshake failed: the client certificate has expired \(CERT_HAS_EXPIRED\)/);
    expect(gateway.sink.spans).toBe(0);
  });

  it('refuses a server whose certificate does not cover the expected name, and both sides say so', async () => {
    const gateway = await startGateway(transport, gatewayTls());
    const agent = await startAgentExporter(transport, gateway, { ...agentTls(), server_name_override: 'wrong.example' });
    const line = await refusedByGateway(agent);
    expect(line).toMatch(/wrong\.example.*TLS: the server certificate does not cover the name we connect to/);
    await gateway.logs.waitFor(/TLS handshake failed: the client asked for server name "wrong.example", which this server's certificate does not cover/);
    expect(gateway.sink.spans).toBe(0);
  });

  it('loses no span while the CA bundles and both certificates are rotated under load', async () => {
    // Files as a certificate manager keeps them, replaced in place by rename.
    const name = (f: string) => `${transport}-${f}`;
    const serverCa2 = pki.ca(name('server-ca-2'));
    const clientCa2 = pki.ca(name('client-ca-2'));
    const gatewayCert2 = pki.issue(serverCa2, name('gateway-2'));
    const agentCert2 = pki.issue(clientCa2, name('agent-2'), { usage: 'client' });
    const srvCrt = pki.replace(name('srv.crt'), gatewayCert.certPem);
    const srvKey = pki.replace(name('srv.key'), gatewayCert.keyPem);
    const clientsCa = pki.replace(name('clients-ca.crt'), clientCa.pem);
    const trust = pki.replace(name('trust.crt'), serverCa.pem);
    const agentCrt = pki.replace(name('agent.crt'), agentCert.certPem);
    const agentKey = pki.replace(name('agent.key'), agentCert.keyPem);

    const gateway = await startGateway(transport, { cert_file: srvCrt, key_file: srvKey, client_ca_file: clientsCa });
    const agent = await startAgentExporter(transport, gateway, { ca_file: trust, cert_file: agentCrt, key_file: agentKey });

    let sent = 0;
    let failed = 0;
    let stop = false;
    const sender = (async () => {
      let k = 0;
      while (!stop) {
        const spans = testSpans(5 + (k++ % 5));
        try {
          await agent.exporter.consume(testBatch(spans));
          sent += spans.length;
        } catch {
          failed += spans.length;
        }
      }
    })();
    const progress = async () => {
      const target = gateway.sink.spans + 200;
      while (gateway.sink.spans < target && !stop) await new Promise((r) => setTimeout(r, 5));
    };
    const reloads = reloadCount;
    const waitReloads = async (logs: CapturedLogs, n: number) => {
      while (reloads(logs) < n) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      await progress();
      // 1. Both sides learn the new CAs next to the old ones.
      pki.replace(name('clients-ca.crt'), clientCa.pem + clientCa2.pem);
      pki.replace(name('trust.crt'), serverCa.pem + serverCa2.pem);
      await waitReloads(gateway.logs, 1);
      await waitReloads(agent.logs, 1);
      await progress();
      // 2. The gateway's certificate is renewed by the new server CA.
      pki.replace(name('srv.key'), gatewayCert2.keyPem);
      pki.replace(name('srv.crt'), gatewayCert2.certPem);
      await gateway.logs.waitFor(new RegExp(`TLS certificates reloaded .*CN=${name('gateway-2')}`));
      await progress();
      // 3. The agent's client certificate is renewed by the new client CA.
      pki.replace(name('agent.key'), agentCert2.keyPem);
      pki.replace(name('agent.crt'), agentCert2.certPem);
      await agent.logs.waitFor(new RegExp(`TLS certificates reloaded .*CN=${name('agent-2')}`));
      await progress();
      // 4. The old CAs are retired, the gateway's first; then the agent's reload opens a new
      //    connection, which only the new material on both sides can make.
      const gatewayBefore = reloads(gateway.logs);
      pki.replace(name('clients-ca.crt'), clientCa2.pem);
      await waitReloads(gateway.logs, gatewayBefore + 1);
      const agentBefore = reloads(agent.logs);
      pki.replace(name('trust.crt'), serverCa2.pem);
      await waitReloads(agent.logs, agentBefore + 1);
      await progress();
    } finally {
      stop = true;
      await sender;
    }
    expect(failed).toBe(0);
    expect(sent).toBeGreaterThan(1000);
    expect(gateway.sink.spans).toBe(sent);
    expect(agent.logs.matching(/Exporting failed/)).toEqual([]);
    expect(gateway.logs.matching(/TLS handshake failed/)).toEqual([]);
    // The rotation really happened on both sides, and new connections were made with it.
    expect(reloadCount(gateway.logs)).toBeGreaterThanOrEqual(3);
    expect(reloadCount(agent.logs)).toBeGreaterThanOrEqual(3);
    // After the gateway's last reload, a handshake from the agent's renewed certificate.
    const lines = gateway.logs.text();
    let lastReload = -1;
    lines.forEach((l, i) => {
      if (/TLS certificates reloaded/.test(l)) lastReload = i;
    });
    const renewed = new RegExp(`TLS connection established .*CN=${name('agent-2')}`);
    expect(lines.slice(lastReload).some((l) => renewed.test(l)), lines.slice(lastReload).join('\n')).toBe(true);
    // The old material no longer gets in; the new one does, on fresh connections.
    const old = await startAgentExporter(transport, gateway, agentTls());
    await expect(old.exporter.consume(testBatch(testSpans(1)))).rejects.toThrow();
    const fresh = await startAgentExporter(transport, gateway, { ca_file: serverCa2.certFile, cert_file: agentCert2.certFile, key_file: agentCert2.keyFile });
    await fresh.exporter.consume(testBatch(testSpans(1)));
  });
});
