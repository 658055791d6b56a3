/**
 * `resolver.dns`: looks `hostname` up every `interval` (each lookup bounded by `timeout`) and
 * reports "ip:port" for every address, IPv4 and IPv6 ("[ip]:port"). A failed or timed-out lookup
 * is counted and logged, and the last good list stays in use, as otelcol does.
 */
import { promises as dns } from 'node:dns';
import type { Logger } from 'pino';
import { hostPort, sameList, sortedUnique, type Resolver, type ResolverHooks } from './resolver.ts';

/** Addresses for a host name. Injectable so tests do not depend on the system resolver. */
export type LookupFn = (hostname: string) => Promise<string[]>;

export const systemLookup: LookupFn = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export interface DnsResolverConfig {
  readonly hostname: string;
  readonly port: number;
  readonly interval: number;
  readonly timeout: number;
}

export class DnsResolver implements Resolver {
  readonly name = 'dns' as const;
  private readonly config: DnsResolverConfig;
  private readonly logger: Logger;
  private readonly lookup: LookupFn;
  private hooks: ResolverHooks | null = null;
  private last: string[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(config: DnsResolverConfig, logger: Logger, lookup: LookupFn = systemLookup) {
    this.config = config;
    this.logger = logger;
    this.lookup = lookup;
  }

  async start(hooks: ResolverHooks): Promise<void> {
    this.hooks = hooks;
    await this.resolve();
    this.schedule();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    // A chain of timeouts rather than an interval: a slow lookup never overlaps the next one.
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.resolve().then(() => this.schedule());
    }, this.config.interval);
  }

  /** One lookup; exposed for tests. */
  async resolve(): Promise<void> {
    const hooks = this.hooks;
    if (hooks === null || this.stopped) return;
    let addresses: string[];
    let timeout: NodeJS.Timeout | undefined;
    try {
      addresses = await Promise.race([
        this.lookup(this.config.hostname),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`DNS lookup timed out after ${this.config.timeout}ms`)), this.config.timeout);
        }),
      ]);
    } catch (err) {
      hooks.onResolution(false);
      this.logger.warn({ hostname: this.config.hostname, error: (err as Error).message }, 'DNS resolution failed; keeping the current backends');
      return;
    } finally {
      clearTimeout(timeout);
    }
    if (this.stopped) return;
    hooks.onResolution(true);
    const endpoints = sortedUnique(addresses.map((a) => hostPort(a, this.config.port)));
    if (sameList(this.last, endpoints)) return;
    this.last = endpoints;
    hooks.onEndpoints(endpoints);
  }
}
