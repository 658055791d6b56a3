/**
 * A resolver tells the loadbalancer which backends exist. It reports each resolution's outcome
 * (otelcol_loadbalancer_num_resolutions) and, when the list changed, the new list: sorted, without
 * duplicates, as "host:port" (IPv6 as "[ip]:port").
 */
export interface ResolverHooks {
  onResolution(success: boolean): void;
  onEndpoints(endpoints: readonly string[]): void;
}

export interface Resolver {
  /** The `resolver` metric label: static, dns or k8s. */
  readonly name: 'static' | 'dns' | 'k8s';
  /** Resolves once (bounded by the resolver's timeout) before resolving; keeps watching after. */
  start(hooks: ResolverHooks): Promise<void>;
  /** Stops watching; idempotent, works without start(). */
  shutdown(): Promise<void>;
}

export function sortedUnique(endpoints: Iterable<string>): string[] {
  return [...new Set(endpoints)].sort();
}

export function sameList(a: readonly string[] | null, b: readonly string[]): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** "ip:port", with IPv6 addresses bracketed. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
