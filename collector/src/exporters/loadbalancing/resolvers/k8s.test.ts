/**
 * The k8s resolver against a local HTTP server speaking the Kubernetes EndpointSlice list and
 * watch API (the edge we do not own), through the real @kubernetes/client-node and a real
 * kubeconfig file: initial list, watch events (add, modify to not-ready, delete), ports,
 * IPv6, return_hostnames, the bearer token, and a failing API server (counted, retried).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointsOf, K8sResolver } from './k8s.ts';

interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean };
  hostname?: string;
}

function slice(name: string, endpoints: Endpoint[], rv: string, addressType = 'IPv4') {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'observability', resourceVersion: rv, labels: { 'kubernetes.io/service-name': 'gateways' } },
    addressType,
    endpoints,
    ports: [{ name: 'otlp-grpc', port: 4317, protocol: 'TCP' }],
  };
}

/** A tiny Kubernetes API server: one list of slices, and open watch streams the test writes events to. */
class FakeApiServer {
  readonly server: Server;
  slices: ReturnType<typeof slice>[] = [];
  readonly requests: { url: string; auth: string | undefined }[] = [];
  readonly watches: ServerResponse[] = [];
  failLists = 0;
  port = 0;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url!, 'http://x');
    this.requests.push({ url: req.url!, auth: req.headers.authorization });
    if (url.pathname !== '/apis/discovery.k8s.io/v1/namespaces/observability/endpointslices') {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('labelSelector') !== 'kubernetes.io/service-name=gateways') {
      res.writeHead(400).end();
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      this.watches.push(res);
      return;
    }
    if (this.failLists > 0) {
      this.failLists--;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', status: 'Failure', code: 500 }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSliceList', metadata: { resourceVersion: '10' }, items: this.slices }));
  }

  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: unknown): void {
    for (const w of this.watches) w.write(`${JSON.stringify({ type, object })}\n`);
  }

  async stop(): Promise<void> {
    for (const w of this.watches) w.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const logger = pino({ level: 'silent' });
let api: FakeApiServer | null = null;
let resolver: K8sResolver | null = null;
let dir: string | null = null;

afterEach(async () => {
  await resolver?.shutdown();
  resolver = null;
  await api?.stop();
  api = null;
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function kubeconfig(port: number): string {
  dir = mkdtempSync(join(tmpdir(), 'tp-k8s-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: test, user: {token: secret-token}}]
contexts: [{name: test, context: {cluster: test, user: test}}]
current-context: test
`,
  );
  return file;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

function recorder() {
  const lists: string[][] = [];
  const outcomes: boolean[] = [];
  return { lists, outcomes, hooks: { onEndpoints: (e: readonly string[]) => lists.push([...e]), onResolution: (s: boolean) => outcomes.push(s) } };
}

describe('k8s resolver', () => {
  it('lists the ready endpoints of the service, then follows watch events', async () => {
    api = new FakeApiServer();
    await api.start();
    api.slices = [
      slice('gateways-abc', [{ addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.1'], conditions: { ready: true } }, { addresses: ['10.0.0.9'], conditions: { ready: false } }], '5'),
    ];
    const r = recorder();
    resolver = new K8sResolver({ service: 'gateways.observability', ports: [4317, 4318], timeout: 5000, return_hostnames: false }, logger, {
      env: { KUBECONFIG: kubeconfig(api.port) },
    });
    await resolver.start(r.hooks);
    expect(r.lists).toEqual([['10.0.0.1:4317', '10.0.0.1:4318', '10.0.0.2:4317', '10.0.0.2:4318']]);
    expect(api.requests[0]!.auth).toBe('Bearer secret-token');

    await until(() => api!.watches.length > 0);
    // A new slice (IPv6) appears; then the first pod turns not ready; then the first slice goes.
    api.event('ADDED', slice('gateways-v6', [{ addresses: ['fd00::7'] }], '11', 'IPv6'));
    await until(() => r.lists.length === 2);
    expect(r.lists[1]).toEqual(['10.0.0.1:4317', '10.0.0.1:4318', '10.0.0.2:4317', '10.0.0.2:4318', '[fd00::7]:4317', '[fd00::7]:4318']);
    api.event('MODIFIED', slice('gateways-abc', [{ addresses: ['10.0.0.2'], conditions: { ready: false } }, { addresses: ['10.0.0.1'] }], '12'));
    await until(() => r.lists.length === 3);
    expect(r.lists[2]).toEqual(['10.0.0.1:4317', '10.0.0.1:4318', '[fd00::7]:4317', '[fd00::7]:4318']);
    api.event('DELETED', slice('gateways-abc', [], '13'));
    await until(() => r.lists.length === 4);
    expect(r.lists[3]).toEqual(['[fd00::7]:4317', '[fd00::7]:4318']);
    expect(r.outcomes.every((o) => o)).toBe(true);
  });

  it('counts a failing API server, keeps retrying, and recovers', async () => {
    api = new FakeApiServer();
    await api.start();
    api.slices = [slice('gateways-abc', [{ addresses: ['10.0.0.1'] }], '5')];
    api.failLists = 2;
    const r = recorder();
    resolver = new K8sResolver({ service: 'gateways.observability', ports: [4317], timeout: 5000, return_hostnames: false }, logger, {
      env: { KUBECONFIG: kubeconfig(api.port) },
      retryDelayMs: 20,
    });
    await resolver.start(r.hooks);
    await until(() => r.lists.length === 1);
    expect(r.lists[0]).toEqual(['10.0.0.1:4317']);
    expect(r.outcomes.slice(0, 2)).toEqual([false, false]);
    expect(r.outcomes).toContain(true);
  });

  it('returns hostnames of pods that have one with return_hostnames', () => {
    const slices = [slice('s', [{ addresses: ['10.0.0.1'], hostname: 'gateway-0' }, { addresses: ['10.0.0.2'] }], '1')];
    expect(endpointsOf(slices as never, { ports: [4317], return_hostnames: true }, 'gateways', 'observability')).toEqual([
      'gateway-0.gateways.observability:4317',
    ]);
    expect(endpointsOf(slices as never, { ports: [4317], return_hostnames: false }, 'gateways', 'observability')).toEqual(['10.0.0.1:4317', '10.0.0.2:4317']);
  });

  it('takes the namespace from the service account file when the service has none', () => {
    dir = mkdtempSync(join(tmpdir(), 'tp-k8s-'));
    const file = join(dir, 'namespace');
    writeFileSync(file, 'tracing\n');
    const r = new K8sResolver({ service: 'gateways', ports: [4317], timeout: 1000, return_hostnames: false }, logger, { namespaceFile: file });
    expect([r.serviceName, r.namespace]).toEqual(['gateways', 'tracing']);
    const d = new K8sResolver({ service: 'gateways', ports: [4317], timeout: 1000, return_hostnames: false }, logger, { namespaceFile: join(dir, 'missing') });
    expect(d.namespace).toBe('default');
  });
});
