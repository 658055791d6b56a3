/**
 * The running collector: builds the graph, starts it downstream-first (extensions, exporters,
 * processors, connectors, receivers) and shuts it down upstream-first so that in-flight data
 * drains through processors into exporters before they close — otelcol's order.
 */
import type { Logger } from 'pino';
import type { Component, Extension, Host, ServiceStatus } from '../component/types.ts';
import type { ResolvedConfig } from '../config/types.ts';
import type { SelfTelemetry } from '../telemetry/self-telemetry.ts';
import { buildGraph, type Graph, type GraphNode } from './graph.ts';

export class Service implements Host {
  private graph: Graph | null = null;
  private _status: ServiceStatus = 'starting';
  private shutdownPromise: Promise<void> | null = null;
  private readonly started: GraphNode<Component>[] = [];

  constructor(
    private readonly config: ResolvedConfig,
    private readonly logger: Logger,
    private readonly telemetry: SelfTelemetry,
  ) {}

  get status(): ServiceStatus {
    return this._status;
  }

  getExtension(id: string): Extension | undefined {
    return this.graph?.extensions.find((e) => e.id === id)?.instance;
  }

  /** Builds and starts every component; on failure, shuts down what had started and rethrows. */
  async start(): Promise<void> {
    this._status = 'starting';
    this.graph = buildGraph(this.config, { logger: this.logger, telemetry: this.telemetry });
    const g = this.graph;
    const order: GraphNode<Component>[] = [...g.extensions, ...g.exporters, ...g.processors, ...g.connectors, ...g.receivers];
    try {
      for (const node of order) {
        this.logger.debug({ 'otelcol.component.id': node.id, 'otelcol.component.kind': node.kind }, 'Starting component');
        await node.instance.start(this);
        this.started.push(node);
      }
    } catch (err) {
      const failed = order[this.started.length]!;
      this.logger.error({ err, 'otelcol.component.id': failed.id, 'otelcol.component.kind': failed.kind }, 'Failed to start component');
      await this.shutdown();
      throw new Error(`failed to start ${failed.kind} "${failed.id}": ${(err as Error).message}`, { cause: err });
    }
    this._status = 'running';
    this.logger.info('Everything is ready. Begin running and processing data.');
  }

  /** Idempotent; safe before start(). Components are shut down in reverse start order. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    this._status = 'stopping';
    const g = this.graph;
    if (g !== null) {
      // Receivers first (stop intake), then processors upstream-first so they flush downstream,
      // then connectors, exporters (drain queues), extensions last (health_check reports stopping).
      const order: GraphNode<Component>[] = [
        ...g.receivers,
        ...[...g.processors].reverse(),
        ...g.connectors,
        ...g.exporters,
        ...g.extensions,
      ];
      for (const node of order) {
        try {
          await node.instance.shutdown();
        } catch (err) {
          this.logger.error({ err, 'otelcol.component.id': node.id, 'otelcol.component.kind': node.kind }, 'Failed to shut down component');
        }
      }
    }
    this._status = 'stopped';
  }
}
