/** Shared pieces of the loadbalancing tests. Only for tests. */
import { randomBytes } from 'node:crypto';
import type { Resolver, ResolverHooks } from './resolvers/resolver.ts';
import { sortedUnique } from './resolvers/resolver.ts';
import { loadBalancingConfigSchema, type LoadBalancingConfig } from './config.ts';
import type { TestSpan } from '../exporterhelper/test-support.ts';

/** A resolver the test drives: set() reports a new list. */
export class ControlledResolver implements Resolver {
  readonly name = 'static' as const;
  private hooks: ResolverHooks | null = null;
  constructor(private initial: string[]) {}

  async start(hooks: ResolverHooks): Promise<void> {
    this.hooks = hooks;
    hooks.onResolution(true);
    hooks.onEndpoints(sortedUnique(this.initial));
  }

  set(endpoints: string[]): void {
    this.hooks!.onResolution(true);
    this.hooks!.onEndpoints(sortedUnique(endpoints));
  }

  async shutdown(): Promise<void> {}
}

/** A loadbalancing config with plaintext, no sub-exporter queue or retry, and the given extras. */
export function lbConfig(hostnames: string[], extra: Record<string, unknown> = {}, otlp: Record<string, unknown> = {}): LoadBalancingConfig {
  return loadBalancingConfigSchema.parse({
    protocol: {
      otlp: { tls: { insecure: true }, compression: 'none', timeout: '2s', sending_queue: { enabled: false }, retry_on_failure: { enabled: false }, ...otlp },
    },
    resolver: { static: { hostnames: hostnames.length > 0 ? hostnames : ['replaced-by-test-resolver:4317'] } },
    ...extra,
  }) as LoadBalancingConfig;
}

/** `traces` traces of `spansPerTrace` spans each, random trace ids, services cycling over three names. */
export function makeTraces(traces: number, spansPerTrace: number): TestSpan[] {
  const out: TestSpan[] = [];
  const ids = randomBytes(16 * traces);
  let seq = 0;
  for (let t = 0; t < traces; t++) {
    const traceId = ids.subarray(t * 16, t * 16 + 16).toString('hex');
    for (let s = 0; s < spansPerTrace; s++) {
      seq++;
      out.push({ traceId, spanId: seq.toString(16).padStart(16, '0'), name: `span-${seq}`, service: ['checkout', 'payments', 'frontend'][t % 3]! });
    }
  }
  return out;
}

/** Interleaves spans so the spans of one trace arrive in different requests. */
export function interleave(spans: readonly TestSpan[], requests: number): TestSpan[][] {
  const out: TestSpan[][] = Array.from({ length: requests }, () => []);
  spans.forEach((s, k) => out[k % requests]!.push(s));
  return out.filter((r) => r.length > 0);
}
