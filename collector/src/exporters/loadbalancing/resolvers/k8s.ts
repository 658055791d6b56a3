/**
 * `resolver.k8s`: follows the EndpointSlices of a Service (label kubernetes.io/service-name)
 * through @kubernetes/client-node's informer (list, then watch; a watch that ends is resumed from
 * its resourceVersion, a 410 Gone relists). Only ready endpoints count (a missing `ready`
 * condition means ready, as the EndpointSlice API says). Each endpoint gives "address:port" for
 * every configured port, or "hostname.service.namespace:port" with `return_hostnames`.
 *
 * Credentials: in-cluster (service account token and CA) when KUBERNETES_SERVICE_HOST is set,
 * otherwise the kubeconfig named by KUBECONFIG or ~/.kube/config. The client library is loaded
 * only when this resolver is used (it is large and most collectors never need it).
 *
 * A failed list or a broken watch is counted (num_resolutions{success="false"}), logged, and
 * retried after a delay; the last known backends stay in use meanwhile.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { KubeConfig, V1EndpointSlice } from '@kubernetes/client-node';
import { hostPort, sameList, sortedUnique, type Resolver, type ResolverHooks } from './resolver.ts';

export interface K8sResolverConfig {
  /** "name" or "name.namespace". */
  readonly service: string;
  readonly ports: readonly number[];
  /** Longest start() waits for the first list (ms); the resolver keeps trying after that. */
  readonly timeout: number;
  readonly return_hostnames: boolean;
}

export interface K8sResolverOptions {
  /** Environment to read KUBERNETES_SERVICE_HOST / KUBECONFIG from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the pod's namespace is written (in-cluster). */
  readonly namespaceFile?: string;
  /** Delay before a failed list/watch is tried again (ms, default 1000, doubling to 30s). */
  readonly retryDelayMs?: number;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const MAX_RETRY_DELAY_MS = 30_000;

type K8sModule = typeof import('@kubernetes/client-node');
type Informer = ReturnType<K8sModule['makeInformer']>;

export class K8sResolver implements Resolver {
  readonly name = 'k8s' as const;
  private readonly config: K8sResolverConfig;
  private readonly logger: Logger;
  private readonly options: K8sResolverOptions;
  readonly serviceName: string;
  readonly namespace: string;
  private hooks: ResolverHooks | null = null;
  private informer: Informer | null = null;
  private last: string[] | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private stopped = false;
  /** Set by an error during the current (re)start: its list did not happen. */
  private failed = false;

  constructor(config: K8sResolverConfig, logger: Logger, options: K8sResolverOptions = {}) {
    this.config = config;
    this.logger = logger;
    this.options = options;
    this.retryDelay = options.retryDelayMs ?? 1000;
    const dot = config.service.indexOf('.');
    this.serviceName = dot === -1 ? config.service : config.service.slice(0, dot);
    this.namespace = dot === -1 ? inClusterNamespace(options.namespaceFile ?? SERVICE_ACCOUNT_NAMESPACE) : config.service.slice(dot + 1);
  }

  async start(hooks: ResolverHooks): Promise<void> {
    this.hooks = hooks;
    const k8s = await import('@kubernetes/client-node');
    const kc = loadKubeConfig(k8s, this.options.env ?? process.env);
    const api = kc.makeApiClient(k8s.DiscoveryV1Api);
    const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/endpointslices`;
    const labelSelector = `kubernetes.io/service-name=${this.serviceName}`;
    const informer = k8s.makeInformer<V1EndpointSlice>(
      kc,
      path,
      () => api.listNamespacedEndpointSlice({ namespace: this.namespace, labelSelector }),
      labelSelector,
    );
    this.informer = informer;
    const changed = (): void => this.publish();
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    informer.on('error', (err: unknown) => this.onError(err));
    let timer: NodeJS.Timeout | undefined;
    const first = this.run();
    await Promise.race([first, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.timeout)))]);
    clearTimeout(timer);
    if (this.last === null) this.logger.warn({ service: this.config.service, timeout_ms: this.config.timeout }, 'no EndpointSlices listed yet; starting without backends');
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const informer = this.informer;
    this.informer = null;
    if (informer !== null) await informer.stop();
  }

  private async run(): Promise<void> {
    if (this.stopped || this.informer === null) return;
    this.failed = false;
    try {
      // Resolves after the list (or after reporting its failure through 'error') and the watch request.
      await this.informer.start();
    } catch (err) {
      this.onError(err);
    }
    if (!this.failed) this.publish();
  }

  private onError(err: unknown): void {
    if (this.stopped) return;
    this.failed = true;
    this.hooks?.onResolution(false);
    this.logger.warn({ service: this.config.service, error: errorText(err), retry_in_ms: this.retryDelay }, 'listing or watching EndpointSlices failed; keeping the current backends');
    if (this.retryTimer !== null) return;
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_DELAY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.run();
    }, delay);
  }

  private publish(): void {
    const informer = this.informer;
    if (informer === null || this.stopped || this.hooks === null) return;
    this.retryDelay = this.options.retryDelayMs ?? 1000;
    this.hooks.onResolution(true);
    const endpoints = sortedUnique(endpointsOf(informer.list() as readonly V1EndpointSlice[], this.config, this.serviceName, this.namespace));
    if (sameList(this.last, endpoints)) return;
    this.last = endpoints;
    this.hooks.onEndpoints(endpoints);
  }
}

/** Ready endpoints of the slices as "host:port" strings (one per configured port). */
export function endpointsOf(
  slices: readonly V1EndpointSlice[],
  config: Pick<K8sResolverConfig, 'ports' | 'return_hostnames'>,
  serviceName: string,
  namespace: string,
): string[] {
  const out: string[] = [];
  for (const slice of slices) {
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      let host: string | undefined;
      if (config.return_hostnames) {
        if (ep.hostname === undefined || ep.hostname === '') continue; // only pods with a hostname (StatefulSets)
        host = `${ep.hostname}.${serviceName}.${namespace}`;
      } else {
        host = ep.addresses?.[0]; // "clients may choose to only use the first element"
      }
      if (host === undefined || host === '') continue;
      for (const port of config.ports) out.push(hostPort(host, port));
    }
  }
  return out;
}

function loadKubeConfig(k8s: K8sModule, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new k8s.KubeConfig();
  if (env['KUBERNETES_SERVICE_HOST'] !== undefined && env['KUBERNETES_SERVICE_HOST'] !== '') {
    kc.loadFromCluster();
  } else if (env['KUBECONFIG'] !== undefined && env['KUBECONFIG'] !== '') {
    // KUBECONFIG may list several files; the first is the one written to, as kubectl does.
    kc.loadFromFile(env['KUBECONFIG'].split(':')[0]!);
  } else {
    kc.loadFromDefault();
  }
  return kc;
}

function inClusterNamespace(file: string): string {
  try {
    const ns = readFileSync(file, 'utf8').trim();
    return ns === '' ? 'default' : ns;
  } catch {
    return 'default';
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null) return JSON.stringify(err);
  return String(err);
}
