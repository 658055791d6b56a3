/**
 * The component model, as otelcol has it: a factory per component type (type name, default
 * config, validation, create) and instances with start()/shutdown(). Nodes of a pipeline meet
 * through one method, consume(batch); once it resolves (or rejects) the caller no longer owns
 * the batch.
 */
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { SpanBatch } from '../pdata/span-batch.ts';
import type { SelfTelemetry } from '../telemetry/self-telemetry.ts';

export type ComponentKind = 'receiver' | 'processor' | 'exporter' | 'connector' | 'extension';

/** `type[/name]`, e.g. `otlp/tempo`. */
export interface ComponentId {
  readonly type: string;
  readonly name: string; // '' when absent
  readonly id: string; // the string as written in the YAML
}

/** Data handed along a pipeline. Resolve = accepted downstream; reject = refused (see errors/). */
export interface Consumer {
  consume(batch: SpanBatch): Promise<void>;
}

/** Lifecycle shared by every instance. shutdown() must work without start() and when called twice. */
export interface Component {
  start(host: Host): Promise<void>;
  shutdown(): Promise<void>;
}

export interface Receiver extends Component {}
export interface Processor extends Component, Consumer {}
export interface Exporter extends Component, Consumer {}
export interface Connector extends Component, Consumer {}
export interface Extension extends Component {}

/** What a running component can ask of the collector. */
export interface Host {
  getExtension(id: string): Extension | undefined;
  /** Health of the whole service, for health_check. */
  readonly status: ServiceStatus;
}

export type ServiceStatus = 'starting' | 'running' | 'stopping' | 'stopped';

export interface CreateSettings {
  readonly id: ComponentId;
  readonly kind: ComponentKind;
  /** pino child logger carrying otelcol.component.id and otelcol.component.kind on every line. */
  readonly logger: Logger;
  readonly telemetry: SelfTelemetry;
  /** Pipeline ids this component instance serves (a receiver or exporter may serve several). */
  readonly pipelines: readonly string[];
}

interface FactoryBase<C> {
  readonly type: string;
  /** Other type names accepted in the YAML (e.g. `otlp_grpc` for `otlp`). */
  readonly aliases?: readonly string[];
  readonly stability: 'development' | 'alpha' | 'beta' | 'stable';
  /**
   * Strict schema (unknown keys rejected) with otelcol's defaults; parsing `{}` or `null` gives
   * the default config. Semantic checks that need several fields go in superRefine with a path.
   */
  readonly configSchema: z.ZodType<C>;
}

export interface ReceiverFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'receiver';
  createTracesReceiver(settings: CreateSettings, config: C, next: Consumer): Receiver;
}

export interface ProcessorFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'processor';
  createTracesProcessor(settings: CreateSettings, config: C, next: Consumer): Processor;
}

export interface ExporterFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'exporter';
  createTracesExporter(settings: CreateSettings, config: C): Exporter;
}

export interface ConnectorFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'connector';
  /** `nexts` maps each pipeline id the connector feeds (as a receiver) to that pipeline's entry. */
  createTracesToTraces(settings: CreateSettings, config: C, nexts: ReadonlyMap<string, Consumer>): Connector;
}

export interface ExtensionFactory<C = unknown> extends FactoryBase<C> {
  readonly kind: 'extension';
  createExtension(settings: CreateSettings, config: C): Extension;
}

export type AnyFactory =
  | ReceiverFactory<any>
  | ProcessorFactory<any>
  | ExporterFactory<any>
  | ConnectorFactory<any>
  | ExtensionFactory<any>;

export function parseComponentId(id: string): ComponentId {
  const slash = id.indexOf('/');
  if (slash === -1) return { type: id, name: '', id };
  return { type: id.slice(0, slash), name: id.slice(slash + 1), id };
}
