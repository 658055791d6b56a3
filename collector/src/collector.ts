/**
 * One collector instance: config -> telemetry (logger, metrics registry, :8888 server) -> service.
 * main.ts runs one per process; tests and benchmarks can run one in-process too, since nothing
 * here is module-level state.
 */
import type { Logger } from 'pino';
import type { DestinationStream } from 'pino';
import type { FactoryRegistry } from './component/registry.ts';
import { loadConfigSources } from './config/load.ts';
import { resolveConfig } from './config/resolve.ts';
import { formatProblem } from './config/path.ts';
import type { ResolvedConfig } from './config/types.ts';
import { builtinRegistry } from './components.ts';
import { Service } from './service/service.ts';
import { SelfTelemetry } from './telemetry/self-telemetry.ts';
import { createLogger } from './telemetry/logger.ts';
import { createMetricsServer, type MetricsServer } from './telemetry/metrics-server.ts';
import { registerProcessMetrics } from './telemetry/process-metrics.ts';

export interface CollectorOptions {
  configArgs: readonly string[];
  setArgs?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  registry?: FactoryRegistry;
  /** Where logs go (default stdout). */
  logDestination?: DestinationStream;
}

export class ConfigLoadError extends Error {
  constructor(readonly lines: string[]) {
    super(`invalid configuration:\n${lines.join('\n')}`);
    this.name = 'ConfigLoadError';
  }
}

export class Collector {
  readonly logger: Logger;
  readonly telemetry: SelfTelemetry;
  readonly service: Service;
  readonly config: ResolvedConfig;
  private metricsServer: MetricsServer | null = null;
  private shutdownPromise: Promise<void> | null = null;

  private constructor(config: ResolvedConfig, logger: Logger, telemetry: SelfTelemetry) {
    this.config = config;
    this.logger = logger;
    this.telemetry = telemetry;
    this.service = new Service(config, logger, telemetry);
  }

  /** Loads and resolves the config; throws ConfigLoadError listing every problem. */
  static fromConfig(opts: CollectorOptions): Collector {
    const registry = opts.registry ?? builtinRegistry();
    const env = opts.env ?? process.env;
    const loaded = loadConfigSources(opts.configArgs, opts.setArgs ?? [], env);
    if (loaded.raw === undefined) throw new ConfigLoadError(loaded.problems.map(formatProblem));
    const resolved = resolveConfig(loaded.raw, registry);
    if (resolved.config === undefined) throw new ConfigLoadError(resolved.problems.map(formatProblem));
    const cfg = resolved.config;
    const logger = createLogger(cfg.service.telemetry.logs, opts.logDestination);
    for (const w of [...loaded.warnings, ...resolved.warnings]) logger.warn(formatProblem(w));
    const telemetry = new SelfTelemetry(cfg.service.telemetry.metrics.level);
    return new Collector(cfg, logger, telemetry);
  }

  async start(): Promise<void> {
    const m = this.config.service.telemetry.metrics;
    this.metricsServer = createMetricsServer(this.telemetry, m, this.logger);
    if (this.metricsServer !== null) {
      registerProcessMetrics(this.telemetry);
      await this.metricsServer.start();
    }
    await this.service.start();
  }

  /** Address of the self-metrics server ("host:port"), once started. */
  metricsAddress(): { host: string; port: number } | undefined {
    return this.metricsServer?.boundAddress();
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      this.logger.info('Shutdown requested');
      await this.service.shutdown();
      await this.metricsServer?.shutdown();
      this.logger.info('Shutdown complete.');
    })();
    return this.shutdownPromise;
  }
}
