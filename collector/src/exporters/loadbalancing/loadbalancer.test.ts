/**
 * The loadbalancing exporter against real gRPC destinations on loopback (GrpcTestServer), each
 * backend reached through a real `otlp` exporter. What arrived is decoded with the reference
 * codec. Covers: whole traces per backend (and the same backend otelcol would pick with
 * ring: otelcol_classic), service / attributes keys, a failing backend retried alone then taken
 * out of the ring and its part moved, probes, re-admission, a removed backend's in-flight data
 * routed again, metrics, and the lifecycle.
 */
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { Grpc } from '../../errors/codes.ts';
import {
  byName,
  counterValue,
  decodeReceivedSpans,
  ExporterPool,
  testBatch,
  testHost,
  testSettings,
  type TestSpan,
} from '../exporterhelper/test-support.ts';
import { GrpcTestServer } from '../otlp/test-server.ts';
import { LoadBalancingExporter, type LoadBalancingTestHooks } from './factory.ts';
import { ControlledResolver, interleave, lbConfig, makeTraces } from './test-support.ts';

const servers: GrpcTestServer[] = [];
const pool = new ExporterPool();

afterEach(async () => {
  await pool.shutdownAll();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function startServers(n: number): Promise<GrpcTestServer[]> {
  const started = await Promise.all(Array.from({ length: n }, () => GrpcTestServer.start()));
  servers.push(...started);
  return started;
}

function received(server: GrpcTestServer): TestSpan[] {
  return server.calls.flatMap((c) => decodeReceivedSpans(c.body));
}

async function startLb(hostnames: string[], extra: Record<string, unknown> = {}, hooks: LoadBalancingTestHooks = {}, otlp: Record<string, unknown> = {}) {
  const t = testSettings('loadbalancing');
  const exporter = pool.add(new LoadBalancingExporter(t.settings, lbConfig(hostnames, extra, otlp), { probe: async () => true, ...hooks }));
  await exporter.start(testHost);
  return { exporter, ...t };
}

/** The naive otelcol ring (zlib CRC32, linear scan), to check end to end that we pick the same gateway. */
function otelcolPick(endpoints: string[], key: Buffer): string {
  const points: { pos: number; ep: string }[] = [];
  const taken = new Set<number>();
  for (const ep of [...endpoints].sort()) {
    for (let i = 0; i < 100; i++) {
      const pos = zlib.crc32(Buffer.concat([Buffer.from(ep), Buffer.from([i])])) % 36000;
      if (!taken.has(pos)) {
        taken.add(pos);
        points.push({ pos, ep });
      }
    }
  }
  points.sort((a, b) => a.pos - b.pos);
  const p = zlib.crc32(key) % 36000;
  return (points.find((x) => x.pos >= p) ?? points[0]!).ep;
}

describe('loadbalancing exporter', () => {
  it('sends every trace whole to one backend, spans unchanged, each exactly once', async () => {
    const sinks = await startServers(3);
    const { exporter } = await startLb(sinks.map((s) => s.address));
    const spans = makeTraces(300, 4);
    for (const request of interleave(spans, 40)) await exporter.consume(testBatch(request));

    const where = new Map<string, Set<number>>();
    const all: TestSpan[] = [];
    sinks.forEach((s, k) => {
      for (const span of received(s)) {
        all.push(span);
        const set = where.get(span.traceId) ?? new Set<number>();
        set.add(k);
        where.set(span.traceId, set);
      }
    });
    expect(byName(all)).toEqual(byName(spans));
    expect(where.size).toBe(300);
    for (const set of where.values()) expect(set.size).toBe(1);
    // Every backend got a share.
    for (const s of sinks) expect(received(s).length).toBeGreaterThan(0);
  });

  it('with ring: otelcol_classic picks the gateway otelcol would pick', async () => {
    const sinks = await startServers(3);
    const endpoints = sinks.map((s) => s.address);
    const { exporter } = await startLb(endpoints, { ring: 'otelcol_classic' });
    const spans = makeTraces(200, 2);
    for (const request of interleave(spans, 10)) await exporter.consume(testBatch(request));
    let checked = 0;
    sinks.forEach((s) => {
      for (const span of received(s)) {
        expect(s.address).toBe(otelcolPick(endpoints, Buffer.from(span.traceId, 'hex')));
        checked++;
      }
    });
    expect(checked).toBe(400);
  });

  it('routes by service.name with routing_key: service', async () => {
    const sinks = await startServers(3);
    const { exporter } = await startLb(sinks.map((s) => s.address), { routing_key: 'service' });
    const spans = makeTraces(60, 3);
    for (const request of interleave(spans, 7)) await exporter.consume(testBatch(request));
    const services = new Map<string, Set<string>>();
    for (const s of sinks) for (const span of received(s)) (services.get(span.service) ?? services.set(span.service, new Set()).get(span.service)!).add(s.address);
    expect([...services.keys()].sort()).toEqual(['checkout', 'frontend', 'payments']);
    for (const set of services.values()) expect(set.size).toBe(1);
  });

  it('routes by a composite attribute key with routing_key: attributes', async () => {
    const sinks = await startServers(3);
    const { exporter } = await startLb(sinks.map((s) => s.address), { routing_key: 'attributes', routing_attributes: ['service.name', 'http.method'] });
    const spans = makeTraces(30, 2);
    await exporter.consume(testBatch(spans));
    // Every span has http.method=GET, so the key is service.name=<svc>|http.method=GET|: one backend per service.
    const perService = new Map<string, Set<string>>();
    for (const s of sinks) for (const span of received(s)) (perService.get(span.service) ?? perService.set(span.service, new Set()).get(span.service)!).add(s.address);
    for (const set of perService.values()) expect(set.size).toBe(1);
    expect([...perService.values()].reduce((n, s) => n + s.size, 0)).toBe(3);
  });

  it('retries only the failing part, then takes the backend out and moves its part; nothing is sent twice', async () => {
    const sinks = await startServers(3);
    const failing = sinks[2]!;
    failing.answer = () => ({ kind: 'error', code: Grpc.UNAVAILABLE, details: 'gateway restarting' });
    const { exporter, telemetry } = await startLb(sinks.map((s) => s.address), { backend_health: { unhealthy_after: 3, probe_interval: 0, cooldown: '1h' } });
    const spans = makeTraces(200, 3);
    await exporter.consume(testBatch(spans));

    // 3 attempts reached the failing backend (each with only its own part), then it left the ring.
    expect(failing.calls.length).toBe(3);
    const firstPart = decodeReceivedSpans(failing.calls[0]!.body).map((s) => s.name).sort();
    for (const c of failing.calls) expect(decodeReceivedSpans(c.body).map((s) => s.name).sort()).toEqual(firstPart);
    const delivered = [...received(sinks[0]!), ...received(sinks[1]!)];
    expect(byName(delivered)).toEqual(byName(spans)); // every span once, none twice
    expect(exporter.loadBalancer.ringEndpoints()).toEqual([sinks[0]!.address, sinks[1]!.address].sort());

    expect(await counterValue(telemetry, 'tailpipe_loadbalancer_rerouted_spans', { exporter: 'loadbalancing' })).toBe(firstPart.length);
    expect(await counterValue(telemetry, 'otelcol_loadbalancer_backend_outcome', { endpoint: failing.address, success: 'false' })).toBe(3);
    expect(await counterValue(telemetry, 'otelcol_exporter_send_failed_spans', { exporter: `otlp/${failing.address}` })).toBe(3 * firstPart.length);
    expect(await counterValue(telemetry, 'otelcol_exporter_sent_spans', { exporter: 'loadbalancing' })).toBe(600);
    const healthy = (await telemetry.registry.getSingleMetric('tailpipe_loadbalancer_backend_healthy')!.get()).values;
    expect(healthy.find((v) => v.labels['endpoint'] === failing.address)?.value).toBe(0);
  });

  it('a backend that refuses connections is taken out by probes and re-admitted when they connect again', async () => {
    const sinks = await startServers(3);
    let reachable = true;
    const { exporter } = await startLb(
      sinks.map((s) => s.address),
      { backend_health: { unhealthy_after: 2, probe_interval: '1h', cooldown: 0 } },
      { probe: async (endpoint) => endpoint !== sinks[1]!.address || reachable },
    );
    const lb = exporter.loadBalancer;
    reachable = false;
    await lb.probeAll();
    expect(lb.ringEndpoints()).toHaveLength(3); // one refused connection is not enough
    await lb.probeAll();
    expect(lb.ringEndpoints()).not.toContain(sinks[1]!.address);
    await exporter.consume(testBatch(makeTraces(100, 2)));
    expect(sinks[1]!.calls.length).toBe(0);

    reachable = true;
    await lb.probeAll();
    expect(lb.ringEndpoints()).toContain(sinks[1]!.address);
    await exporter.consume(testBatch(makeTraces(100, 2)));
    expect(sinks[1]!.calls.length).toBeGreaterThan(0);
    // On probation: one failure takes it out again.
    expect(lb.backend(sinks[1]!.address)!.consecutiveFailures).toBe(0); // reset by the successful send
  });

  it('never takes the last healthy backend out', async () => {
    const sinks = await startServers(2);
    for (const s of sinks) s.answer = () => ({ kind: 'error', code: Grpc.UNAVAILABLE, details: 'down' });
    const { exporter } = await startLb(sinks.map((s) => s.address), { backend_health: { unhealthy_after: 1, probe_interval: 0, cooldown: '1h' } });
    await expect(exporter.consume(testBatch(makeTraces(20, 2)))).rejects.toMatchObject({ code: 'TP_EXPORT_RETRYABLE' });
    expect(exporter.loadBalancer.ringEndpoints()).toHaveLength(1);
  });

  it('routes again what a removed backend still held in flight', async () => {
    const sinks = await startServers(3);
    const hanging = sinks[0]!;
    hanging.answer = () => ({ kind: 'never' });
    const resolver = new ControlledResolver(sinks.map((s) => s.address));
    const { exporter, telemetry } = await startLb([], {}, { resolver }, { timeout: '1s' });
    const spans = makeTraces(150, 2);
    const done = exporter.consume(testBatch(spans));
    // Wait until the hanging backend holds its part, then the resolver drops it.
    while (hanging.calls.length === 0) await new Promise((r) => setTimeout(r, 10));
    const held = decodeReceivedSpans(hanging.calls[0]!.body);
    expect(held.length).toBeGreaterThan(0);
    resolver.set([sinks[1]!.address, sinks[2]!.address]);
    await done;
    const delivered = [...received(sinks[1]!), ...received(sinks[2]!)];
    expect(byName(delivered)).toEqual(byName(spans));
    expect(await counterValue(telemetry, 'tailpipe_loadbalancer_rerouted_spans', { exporter: 'loadbalancing' })).toBe(held.length);
    expect(await counterValue(telemetry, 'otelcol_loadbalancer_num_backend_updates', { resolver: 'static' })).toBe(2);
    const backends = (await telemetry.registry.getSingleMetric('otelcol_loadbalancer_num_backends')!.get()).values;
    expect(backends[0]?.value).toBe(2);
  });

  it('adds a backend without blocking sends in progress', async () => {
    const sinks = await startServers(3);
    const resolver = new ControlledResolver([sinks[0]!.address, sinks[1]!.address]);
    const { exporter } = await startLb([], {}, { resolver });
    await exporter.consume(testBatch(makeTraces(50, 2)));
    expect(sinks[2]!.calls.length).toBe(0);
    resolver.set(sinks.map((s) => s.address));
    const during = exporter.consume(testBatch(makeTraces(50, 2)));
    await during;
    // The new backend is in the ring once its exporter started.
    while (exporter.loadBalancer.ringEndpoints().length < 3) await new Promise((r) => setTimeout(r, 5));
    await exporter.consume(testBatch(makeTraces(200, 2)));
    expect(sinks[2]!.calls.length).toBeGreaterThan(0);
  });

  it('refuses with a retryable error while no backend is known', async () => {
    const resolver = new ControlledResolver([]);
    const { exporter } = await startLb([], {}, { resolver });
    await expect(exporter.consume(testBatch(makeTraces(1, 1)))).rejects.toMatchObject({ code: 'TP_EXPORT_RETRYABLE', retryable: true });
  });

  it('a permanent refusal is not retried and is reported', async () => {
    const sinks = await startServers(1);
    sinks[0]!.answer = () => ({ kind: 'error', code: Grpc.INVALID_ARGUMENT, details: 'bad data' });
    const { exporter } = await startLb(sinks.map((s) => s.address));
    await expect(exporter.consume(testBatch(makeTraces(5, 1)))).rejects.toMatchObject({ code: 'TP_EXPORT_PERMANENT' });
    expect(sinks[0]!.calls.length).toBe(1);
  });

  it('shuts down without start, and twice', async () => {
    const t = testSettings('loadbalancing');
    const exporter = new LoadBalancingExporter(t.settings, lbConfig(['127.0.0.1:1']));
    await exporter.shutdown();
    await exporter.shutdown();
    const started = pool.add(new LoadBalancingExporter(t.settings, lbConfig(['127.0.0.1:1']), { probe: async () => true }));
    await started.start(testHost);
    await started.shutdown();
    await started.shutdown();
    await expect(started.consume(testBatch(makeTraces(1, 1)))).rejects.toMatchObject({ code: 'TP_SHUTTING_DOWN' });
  });
});
