/**
 * bearertokenauth in both directions, with real components on loopback: the official SDK
 * exporters sending to an otlp receiver that requires a token (gRPC UNAUTHENTICATED / HTTP 401
 * without it), our otlp / otlphttp exporters adding the token, and token files rotated while
 * running.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { parse as parseYaml } from 'yaml';
import type { CreateSettings, Extension, Host } from '../../component/types.ts';
import { parseComponentId } from '../../component/types.ts';
import { FactoryRegistry } from '../../component/registry.ts';
import { formatProblem } from '../../config/path.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { builtinRegistry } from '../../components.ts';
import { otlpExporterFactory } from '../../exporters/otlp/factory.ts';
import { otlphttpExporterFactory } from '../../exporters/otlphttp/factory.ts';
import { testBatch, testSpans } from '../../exporters/exporterhelper/test-support.ts';
import { otlpReceiverConfigSchema } from '../../receivers/otlp/config.ts';
import { OtlpReceiver } from '../../receivers/otlp/receiver.ts';
import { counterValue, fullSpans, SinkConsumer } from '../../receivers/otlp/test-support.ts';
import { INVALID_REQUESTS_METRIC } from '../../receivers/otlp/trace-export.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { CapturedLogs } from '../../tls/testdata/logs.ts';
import { BearerTokenAuth } from './bearer-token-auth.ts';
import { bearerTokenAuthConfigSchema, type BearerTokenAuthConfig } from './config.ts';
import { bearerTokenAuthFactory } from './factory.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tailpipe-token-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running: { shutdown(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((c) => c.shutdown()));
});

function settings(id: string, kind: CreateSettings['kind'], logs = new CapturedLogs(), telemetry = new SelfTelemetry()): CreateSettings {
  return { id: parseComponentId(id), kind, logger: logs.logger, telemetry, pipelines: ['traces'] };
}

/** Replaces a file by rename, as secret managers do. */
function writeToken(name: string, content: string): string {
  const target = join(dir, name);
  writeFileSync(`${target}.tmp`, content);
  renameSync(`${target}.tmp`, target);
  return target;
}

async function extension(id: string, raw: unknown, logs = new CapturedLogs()): Promise<BearerTokenAuth> {
  const ext = bearerTokenAuthFactory.createExtension(settings(id, 'extension', logs), bearerTokenAuthConfigSchema.parse(raw)) as BearerTokenAuth;
  running.push(ext);
  await ext.start(hostWith({}));
  return ext;
}

function hostWith(extensions: Record<string, Extension>): Host {
  return { getExtension: (id) => extensions[id], status: 'running' };
}

interface Gateway {
  grpc: string;
  http: string;
  sink: SinkConsumer;
  telemetry: SelfTelemetry;
}

async function startGateway(auth: Extension, id = 'bearertokenauth/server'): Promise<Gateway> {
  const sink = new SinkConsumer();
  const telemetry = new SelfTelemetry();
  const config = otlpReceiverConfigSchema.parse({
    protocols: {
      grpc: { endpoint: '127.0.0.1:0', auth: { authenticator: id }, include_metadata: true },
      http: { endpoint: '127.0.0.1:0', auth: { authenticator: id }, include_metadata: true },
    },
  });
  const receiver = new OtlpReceiver(settings('otlp', 'receiver', new CapturedLogs(), telemetry), config, sink);
  running.push(receiver);
  await receiver.start(hostWith({ [id]: auth }));
  const bound = receiver.boundAddresses();
  return { grpc: bound.grpc!, http: bound.http!, sink, telemetry };
}

function grpcSdk(address: string, authorization?: string): GrpcExporter {
  const metadata = new Metadata();
  if (authorization !== undefined) metadata.set('authorization', authorization);
  const e = new GrpcExporter({ url: `http://${address}`, metadata, timeoutMillis: 10_000 });
  running.push(e);
  return e;
}

function httpSdk(address: string, authorization?: string): ProtoExporter {
  const e = new ProtoExporter({
    url: `http://${address}/v1/traces`,
    headers: authorization === undefined ? {} : { Authorization: authorization },
    timeoutMillis: 10_000,
  });
  running.push(e);
  return e;
}

function send(exporter: { export(spans: ReadableSpan[], cb: (r: ExportResult) => void): void }): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(fullSpans(), resolve));
}

describe('bearertokenauth config', () => {
  const registry = new FactoryRegistry([bearerTokenAuthFactory]);
  const load = (file: string) => {
    const raw = parseYaml(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { extensions: unknown };
    const problems: ConfigProblem[] = [];
    const section = resolveSection('extensions', 'extension', raw.extensions, registry, problems);
    return { valid: section.valid, problems: problems.map(formatProblem) };
  };

  it('is a built-in extension with otelcol-contrib defaults (scheme Bearer, header Authorization)', () => {
    expect(builtinRegistry().get('extension', 'bearertokenauth')).toBe(bearerTokenAuthFactory);
    expect(bearerTokenAuthConfigSchema.parse({ token: 't' })).toEqual({ scheme: 'Bearer', token: 't', tokens: [], filename: '', header: 'Authorization' });
  });

  it('reads otelcol-contrib testdata shapes', () => {
    const { valid, problems } = load('config.yaml');
    expect(problems).toEqual([]);
    expect((valid.get('bearertokenauth/withheader')!.config as BearerTokenAuthConfig).header).toBe('X-Custom-Authorization');
    expect((valid.get('bearertokenauth/multipletokens')!.config as BearerTokenAuthConfig).tokens).toEqual(['token1', 'thistokenalsoworks']);
  });

  it('refuses configs without a token, with token and tokens, or with a bad header name', () => {
    expect(load('config_bad.yaml').problems).toEqual([
      'extensions.bearertokenauth/notoken: no bearer token provided',
      'extensions.bearertokenauth/both.tokens: either tokens or token should be provided, not both',
      'extensions.bearertokenauth/badheader.header: expected a valid HTTP header name',
    ]);
  });

  it('fails start() naming an unreadable or empty token file', async () => {
    const missing = bearerTokenAuthFactory.createExtension(settings('bearertokenauth', 'extension'), bearerTokenAuthConfigSchema.parse({ filename: join(dir, 'nope') }));
    running.push(missing);
    await expect(missing.start(hostWith({}))).rejects.toThrow(`bearertokenauth: cannot read token file "${join(dir, 'nope')}": ENOENT`);
    const empty = bearerTokenAuthFactory.createExtension(settings('bearertokenauth', 'extension'), bearerTokenAuthConfigSchema.parse({ filename: writeToken('empty', '\n  \n') }));
    running.push(empty);
    await expect(empty.start(hostWith({}))).rejects.toThrow(/token file ".*empty" is empty/);
  });
});

describe('bearertokenauth on an otlp receiver (server side)', () => {
  it('gRPC: no token or a wrong one is UNAUTHENTICATED and counted; the right one is accepted', async () => {
    const auth = await extension('bearertokenauth/server', { token: 's3cret' });
    const gw = await startGateway(auth);
    const missing = await send(grpcSdk(gw.grpc));
    expect(missing.code).toBe(ExportResultCode.FAILED);
    expect((missing.error as { code?: number }).code).toBe(16);
    expect(String(missing.error)).toMatch(/request not authenticated: missing or empty Authorization header/);
    const wrong = await send(grpcSdk(gw.grpc, 'Bearer nope'));
    expect((wrong.error as { code?: number }).code).toBe(16);
    expect(String(wrong.error)).toMatch(/scheme or token does not match/);
    const right = await send(grpcSdk(gw.grpc, 'Bearer s3cret'));
    expect(right.code, String(right.error)).toBe(ExportResultCode.SUCCESS);
    expect(gw.sink.spans).toBe(fullSpans().length);
    expect(await counterValue(gw.telemetry, INVALID_REQUESTS_METRIC, { receiver: 'otlp', transport: 'grpc' })).toBe(2);
  });

  it('HTTP: no token or a wrong one is 401 with a google.rpc.Status; the right one is accepted', async () => {
    const auth = await extension('bearertokenauth/server', { token: 's3cret' });
    const gw = await startGateway(auth);
    const missing = await send(httpSdk(gw.http));
    expect(missing.code).toBe(ExportResultCode.FAILED);
    expect((missing.error as { code?: number }).code).toBe(401);
    const res = await fetch(`http://${gw.http}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 16, message: 'request not authenticated: scheme or token does not match' });
    const right = await send(httpSdk(gw.http, 'Bearer s3cret'));
    expect(right.code, String(right.error)).toBe(ExportResultCode.SUCCESS);
    expect(gw.sink.spans).toBe(fullSpans().length);
    expect(await counterValue(gw.telemetry, INVALID_REQUESTS_METRIC, { receiver: 'otlp', transport: 'http' })).toBe(2);
  });

  it('accepts any of `tokens`, a custom header and an empty scheme', async () => {
    const auth = await extension('x', { tokens: ['a', 'b'], header: 'X-Api-Key', scheme: '' });
    const headers = (v: string | undefined) => ({ get: (n: string) => (n === 'x-api-key' ? v : undefined) });
    expect(() => auth.authenticate(headers('b'))).not.toThrow();
    expect(() => auth.authenticate(headers('a'))).not.toThrow();
    expect(() => auth.authenticate(headers('Bearer a'))).toThrow('scheme or token does not match');
    expect(() => auth.authenticate(headers(undefined))).toThrow('missing or empty X-Api-Key header');
  });

  it('follows a rotated token file: the old token is refused, the new one accepted', async () => {
    const file = writeToken('server.token', 'first\n');
    const logs = new CapturedLogs();
    const auth = await extension('bearertokenauth/server', { filename: file }, logs);
    const gw = await startGateway(auth);
    expect((await send(grpcSdk(gw.grpc, 'Bearer first'))).code).toBe(ExportResultCode.SUCCESS);
    writeToken('server.token', 'second\n');
    await logs.waitFor(/bearer tokens reloaded/);
    const old = await send(grpcSdk(gw.grpc, 'Bearer first'));
    expect((old.error as { code?: number }).code).toBe(16);
    expect((await send(httpSdk(gw.http, 'Bearer second'))).code).toBe(ExportResultCode.SUCCESS);
  });

  it('a receiver naming a missing or wrong-kind authenticator fails to start with otelcol\'s message', async () => {
    const config = otlpReceiverConfigSchema.parse({ protocols: { http: { endpoint: '127.0.0.1:0', auth: { authenticator: 'bearertokenauth/x' } } } });
    const r1 = new OtlpReceiver(settings('otlp', 'receiver'), config, new SinkConsumer());
    running.push(r1);
    await expect(r1.start(hostWith({}))).rejects.toThrow('failed to resolve authenticator "bearertokenauth/x": authenticator not found');
    const r2 = new OtlpReceiver(settings('otlp', 'receiver'), config, new SinkConsumer());
    running.push(r2);
    const notAuth: Extension = { start: async () => {}, shutdown: async () => {} };
    await expect(r2.start(hostWith({ 'bearertokenauth/x': notAuth }))).rejects.toThrow('requested authenticator "bearertokenauth/x" is not a server authenticator');
  });
});

describe.each(['otlp', 'otlphttp'] as const)('bearertokenauth on the %s exporter (client side)', (type) => {
  async function exporterTo(gw: Gateway, clientAuth: Extension) {
    const common = { auth: { authenticator: 'bearertokenauth/client' }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } };
    const exporter =
      type === 'otlp'
        ? otlpExporterFactory.createTracesExporter(settings('otlp', 'exporter'), otlpExporterFactory.configSchema.parse({ endpoint: `http://${gw.grpc}`, ...common }))
        : otlphttpExporterFactory.createTracesExporter(settings('otlphttp', 'exporter'), otlphttpExporterFactory.configSchema.parse({ endpoint: `http://${gw.http}`, ...common }));
    running.push(exporter);
    await exporter.start(hostWith({ 'bearertokenauth/client': clientAuth }));
    return exporter;
  }

  it('adds the header to every request, and the new token after the file changes', async () => {
    const server = await extension('bearertokenauth/server', { tokens: ['one', 'two'] });
    const gw = await startGateway(server);
    const file = writeToken(`${type}-client.token`, 'one');
    const logs = new CapturedLogs();
    const client = await extension('bearertokenauth/client', { filename: file }, logs);
    const exporter = await exporterTo(gw, client);
    await exporter.consume(testBatch(testSpans(2)));
    writeToken(`${type}-client.token`, 'two');
    await logs.waitFor(/bearer tokens reloaded/);
    await exporter.consume(testBatch(testSpans(3)));
    expect(gw.sink.spans).toBe(5);
    expect(gw.sink.metadata.map((m) => m?.get('authorization'))).toEqual([['Bearer one'], ['Bearer two']]);
  });

  it('a wrong token is refused by the receiver (permanent: UNAUTHENTICATED / 401)', async () => {
    const gw = await startGateway(await extension('bearertokenauth/server', { token: 'right' }));
    const exporter = await exporterTo(gw, await extension('bearertokenauth/client', { token: 'wrong' }));
    await expect(exporter.consume(testBatch(testSpans(1)))).rejects.toMatchObject({ code: 'TP_EXPORT_PERMANENT' });
    expect(gw.sink.spans).toBe(0);
  });

  it('names a missing authenticator at start', async () => {
    const gw = await startGateway(await extension('bearertokenauth/server', { token: 'right' }));
    await expect(exporterTo(gw, undefined as unknown as Extension)).rejects.toThrow('failed to resolve authenticator "bearertokenauth/client": authenticator not found');
  });
});
