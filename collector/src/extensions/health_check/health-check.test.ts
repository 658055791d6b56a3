import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pino } from 'pino';
import type { CreateSettings, Host, ServiceStatus } from '../../component/types.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { healthCheckFactory } from './factory.ts';
import { formatGoDuration, type HealthCheckExtension } from './health-check.ts';
import type { HealthCheckConfig } from './config.ts';

const testdata = (name: string) => parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')).extensions as Record<string, unknown>;

function settings(lines: string[] = []): CreateSettings {
  return {
    id: { type: 'health_check', name: '', id: 'health_check' },
    kind: 'extension',
    logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }),
    telemetry: new SelfTelemetry(),
    pipelines: [],
  };
}

class FakeHost implements Host {
  status: ServiceStatus = 'starting';
  getExtension() {
    return undefined;
  }
}

const started: HealthCheckExtension[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.shutdown()));
});

async function startExtension(raw: Record<string, unknown>, host: Host, lines?: string[]): Promise<{ ext: HealthCheckExtension; base: string }> {
  const config = healthCheckFactory.configSchema.parse({ endpoint: '127.0.0.1:0', ...raw });
  const ext = healthCheckFactory.createExtension(settings(lines), config) as HealthCheckExtension;
  started.push(ext);
  await ext.start(host);
  const addr = ext.boundAddress()!;
  return { ext, base: `http://${addr.host}:${addr.port}` };
}

describe('health_check config', () => {
  it('defaults are otelcol-contrib defaults', () => {
    const c = healthCheckFactory.configSchema.parse(null);
    expect(c).toEqual({
      endpoint: 'localhost:13133',
      path: '/',
      check_collector_pipeline: { enabled: false, interval: 300_000, exporter_failure_threshold: 5 },
    });
  });

  it('accepts otelcol-contrib testdata', () => {
    const exts = testdata('config.yaml');
    const parsed = Object.fromEntries(Object.entries(exts).map(([id, v]) => [id, healthCheckFactory.configSchema.parse(v)]));
    expect(parsed['health_check/2']!.path).toBe('/health');
    expect(parsed['health_check/3']!.response_body).toEqual({ healthy: "I'm OK", unhealthy: "I'm not well" });
    expect(parsed['health_check/1']!.endpoint).toBe('localhost:13');
  });

  it('rejects bad configs with a message naming the key', () => {
    const bad = testdata('config_bad.yaml');
    const messages = (id: string) => {
      const r = healthCheckFactory.configSchema.safeParse(bad[id]);
      expect(r.success).toBe(false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    expect(messages('health_check/path')).toMatch(/path: path must start with \//);
    expect(messages('health_check/threshold')).toMatch(/check_collector_pipeline.exporter_failure_threshold: .*positive/);
    expect(messages('health_check/endpoint')).toMatch(/endpoint: expected an endpoint/);
    expect(messages('health_check/unknown')).toMatch(/unknown key "tls"/);
  });
});

describe('health_check server', () => {
  it('follows host.status: 503 starting, 200 running, 503 stopping/stopped', async () => {
    const host = new FakeHost();
    const lines: string[] = [];
    const { base } = await startExtension({}, host, lines);

    let res = await fetch(base);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' });

    host.status = 'running';
    res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; upSince: string; uptime: string };
    expect(body.status).toBe('Server available');
    expect(Number.isNaN(Date.parse(body.upSince))).toBe(false);
    expect(body.uptime).toMatch(/^[\d.]+(ns|µs|ms|s)$/);

    for (const s of ['stopping', 'stopped'] as const) {
      host.status = s;
      res = await fetch(base);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { status: string }).status).toBe('Server not available');
    }
    const changes = lines.map((l) => JSON.parse(l)).filter((e) => e.msg === 'Health Check state change');
    expect(changes.map((e) => e.status)).toEqual(['ready', 'unavailable']);
  });

  it('serves only the configured path (exact, or subtree when it ends in /)', async () => {
    const host = new FakeHost();
    host.status = 'running';
    const { base } = await startExtension({ path: '/health/status' }, host);
    expect((await fetch(`${base}/health/status`)).status).toBe(200);
    expect((await fetch(`${base}/health/status?verbose`)).status).toBe(200);
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/health/status/x`)).status).toBe(404);

    const sub = await startExtension({ path: '/probe/' }, host);
    expect((await fetch(`${sub.base}/probe/live`)).status).toBe(200);
    expect((await fetch(`${sub.base}/probe`)).status).toBe(404);
  });

  it('uses response_body and response_headers when configured', async () => {
    const host = new FakeHost();
    const { base } = await startExtension({ response_body: { healthy: 'ok', unhealthy: 'nope' }, response_headers: { 'x-probe': 'yes' } }, host);
    let res = await fetch(base);
    expect([res.status, await res.text(), res.headers.get('x-probe')]).toEqual([503, 'nope', 'yes']);
    host.status = 'running';
    res = await fetch(base);
    expect([res.status, await res.text()]).toEqual([200, 'ok']);
  });

  it('ready()/notReady() hooks set upSince before the first probe', async () => {
    const host = new FakeHost();
    const { ext, base } = await startExtension({}, host);
    host.status = 'running';
    const before = Date.now();
    ext.ready();
    const body = (await (await fetch(base)).json()) as { upSince: string };
    expect(Date.parse(body.upSince)).toBeGreaterThanOrEqual(before - 1);
    ext.notReady();
    host.status = 'stopping';
    expect((await fetch(base)).status).toBe(503);
  });

  it('fails start when the port is taken; shutdown works without start and twice', async () => {
    const host = new FakeHost();
    const { ext } = await startExtension({}, host);
    const port = ext.boundAddress()!.port;
    const config: HealthCheckConfig = healthCheckFactory.configSchema.parse({ endpoint: `127.0.0.1:${port}` });
    const second = healthCheckFactory.createExtension(settings(), config) as HealthCheckExtension;
    started.push(second);
    await expect(second.start(host)).rejects.toThrow(/EADDRINUSE/);
    await second.shutdown();
    await ext.shutdown();
    await ext.shutdown();
    expect(ext.boundAddress()).toBeUndefined();
  });
});

describe('formatGoDuration', () => {
  it('writes what Go writes', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(999)).toBe('999ns');
    expect(formatGoDuration(1_500)).toBe('1.5µs');
    expect(formatGoDuration(1_234_567)).toBe('1.234567ms');
    expect(formatGoDuration(1_012_345_000)).toBe('1.012345s');
    expect(formatGoDuration(61e9)).toBe('1m1s');
    expect(formatGoDuration(3600e9)).toBe('1h0m0s');
    expect(formatGoDuration(3723.5e9)).toBe('1h2m3.5s');
  });
});
