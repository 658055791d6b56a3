/** `resolver.static`: a fixed list, reported once (num_resolutions{success="true"} = 1, as otelcol). */
import { sortedUnique, type Resolver, type ResolverHooks } from './resolver.ts';

export class StaticResolver implements Resolver {
  readonly name = 'static' as const;
  private readonly hostnames: readonly string[];

  constructor(hostnames: readonly string[]) {
    this.hostnames = hostnames;
  }

  async start(hooks: ResolverHooks): Promise<void> {
    hooks.onResolution(true);
    hooks.onEndpoints(sortedUnique(this.hostnames));
  }

  async shutdown(): Promise<void> {}
}
