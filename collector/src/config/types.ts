/**
 * Shapes shared by the config loader, the resolver and their callers (main.ts, the service
 * builder). Kept free of logic so any module can import them without pulling in yaml or zod.
 */
import type {
  ComponentId,
  ConnectorFactory,
  ExporterFactory,
  ExtensionFactory,
  ProcessorFactory,
  ReceiverFactory,
} from '../component/types.ts';

/**
 * One thing wrong with the configuration. `path` is the dotted YAML path
 * (`processors.batch.timeout`, `service.pipelines.traces.exporters[1]`); it is '' for problems
 * that are not about a place in the merged config (unreadable file, YAML syntax error).
 */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** A defined and used component, its config already parsed by the factory's schema. */
export interface ResolvedComponent<F> {
  id: ComponentId;
  factory: F;
  config: unknown;
}

export interface ResolvedPipeline {
  /** `traces` or `traces/name`, as written. */
  id: string;
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export type TelemetryMetricsLevel = 'none' | 'basic' | 'normal' | 'detailed';
export type TelemetryLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type TelemetryLogEncoding = 'json' | 'console';

export interface TelemetrySettings {
  /** Where the collector serves its own Prometheus metrics (level `none`: not at all). */
  metrics: { level: TelemetryMetricsLevel; host: string; port: number };
  logs: { level: TelemetryLogLevel; encoding: TelemetryLogEncoding };
  /** service.telemetry.resource; a null value means "drop this attribute" as in otelcol. */
  resource: Record<string, string | null>;
}

export interface ResolvedConfig {
  receivers: Map<string, ResolvedComponent<ReceiverFactory<any>>>;
  processors: Map<string, ResolvedComponent<ProcessorFactory<any>>>;
  exporters: Map<string, ResolvedComponent<ExporterFactory<any>>>;
  connectors: Map<string, ResolvedComponent<ConnectorFactory<any>>>;
  extensions: Map<string, ResolvedComponent<ExtensionFactory<any>>>;
  service: {
    pipelines: Map<string, ResolvedPipeline>;
    extensions: string[];
    telemetry: TelemetrySettings;
  };
}

export interface ResolveResult {
  /** Present only when `problems` is empty. */
  config?: ResolvedConfig;
  problems: ConfigProblem[];
  /** Things accepted but ignored (e.g. otelcol telemetry options we do not implement). */
  warnings: ConfigProblem[];
}

export interface LoadResult {
  /** The merged, expanded config tree; undefined when a source could not be read or parsed. */
  raw: Record<string, unknown> | undefined;
  problems: ConfigProblem[];
  /** e.g. references to unset environment variables (otelcol logs these and carries on). */
  warnings: ConfigProblem[];
}
