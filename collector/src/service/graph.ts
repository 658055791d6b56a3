/**
 * Builds the component graph from a resolved config, as otelcol's service/internal/graph does
 * for traces: one instance per receiver, exporter and connector id (shared by the pipelines that
 * name it), one processor instance per pipeline, fan-outs where a node feeds several others.
 * Pipelines are built downstream first so a connector's outputs exist before the connector.
 */
import type {
  Component,
  ComponentKind,
  Connector,
  Consumer,
  CreateSettings,
  Exporter,
  Extension,
  Processor,
  Receiver,
} from '../component/types.ts';
import type { ResolvedConfig } from '../config/types.ts';
import type { SelfTelemetry } from '../telemetry/self-telemetry.ts';
import type { Logger } from 'pino';
import { fanout } from './fanout.ts';
import { componentLogger } from '../telemetry/logger.ts';

export interface GraphNode<T extends Component> {
  id: string;
  kind: ComponentKind;
  instance: T;
}

export interface Graph {
  extensions: GraphNode<Extension>[];
  exporters: GraphNode<Exporter>[];
  /** In start order: downstream pipelines first, and within a pipeline the last processor first. */
  processors: GraphNode<Processor>[];
  connectors: GraphNode<Connector>[];
  receivers: GraphNode<Receiver>[];
}

export interface GraphSettings {
  logger: Logger;
  telemetry: SelfTelemetry;
}

export class GraphError extends Error {}

export function buildGraph(cfg: ResolvedConfig, gs: GraphSettings): Graph {
  const settingsFor = (kind: ComponentKind, id: string, pipelines: string[]): CreateSettings => {
    const c = (cfg as any)[`${kind}s`].get(id);
    return {
      id: c.id,
      kind,
      logger: componentLogger(gs.logger, kind, id),
      telemetry: gs.telemetry,
      pipelines,
    };
  };
  const pipelines = [...cfg.service.pipelines.values()];
  const pipelinesUsing = (role: 'receivers' | 'exporters', id: string): string[] =>
    pipelines.filter((p) => p[role].includes(id)).map((p) => p.id);

  // Extensions (only those enabled in service.extensions).
  const extensions: GraphNode<Extension>[] = cfg.service.extensions.map((id) => {
    const c = cfg.extensions.get(id)!;
    return { id, kind: 'extension', instance: c.factory.createExtension(settingsFor('extension', id, []), c.config) };
  });

  // Exporters: one instance per id.
  const exporters = new Map<string, Exporter>();
  for (const p of pipelines) {
    for (const id of p.exporters) {
      if (exporters.has(id) || cfg.connectors.has(id)) continue;
      const c = cfg.exporters.get(id)!;
      exporters.set(id, c.factory.createTracesExporter(settingsFor('exporter', id, pipelinesUsing('exporters', id)), c.config));
    }
  }

  // Order pipelines so that a pipeline fed by a connector is built before the pipelines that
  // export to that connector (depth-first over "pipeline -> connector -> pipeline" edges).
  const feeds = new Map<string, string[]>(); // pipeline id -> pipeline ids it feeds through connectors
  for (const p of pipelines) {
    const out: string[] = [];
    for (const id of p.exporters) if (cfg.connectors.has(id)) out.push(...pipelinesUsing('receivers', id));
    feeds.set(p.id, out);
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (pid: string, path: string[]): void => {
    const s = state.get(pid);
    if (s === 'done') return;
    if (s === 'visiting') throw new GraphError(`cycle in pipelines through connectors: ${[...path, pid].join(' -> ')}`);
    state.set(pid, 'visiting');
    for (const next of feeds.get(pid)!) visit(next, [...path, pid]);
    state.set(pid, 'done');
    order.push(pid);
  };
  for (const p of pipelines) visit(p.id, []);

  const entries = new Map<string, Consumer>(); // pipeline id -> first consumer of its chain
  const connectors = new Map<string, Connector>();
  const processorNodes: GraphNode<Processor>[] = [];
  for (const pid of order) {
    const p = cfg.service.pipelines.get(pid)!;
    const sinks: Consumer[] = p.exporters.map((id) => {
      const exp = exporters.get(id);
      if (exp !== undefined) return exp;
      let conn = connectors.get(id);
      if (conn === undefined) {
        const c = cfg.connectors.get(id)!;
        const nexts = new Map<string, Consumer>();
        for (const target of pipelinesUsing('receivers', id)) nexts.set(target, entries.get(target)!);
        conn = c.factory.createTracesToTraces(settingsFor('connector', id, pipelinesUsing('exporters', id)), c.config, nexts);
        connectors.set(id, conn);
      }
      return conn;
    });
    let next: Consumer = fanout(sinks);
    const chain: GraphNode<Processor>[] = [];
    for (let k = p.processors.length - 1; k >= 0; k--) {
      const id = p.processors[k]!;
      const c = cfg.processors.get(id)!;
      const proc = c.factory.createTracesProcessor(settingsFor('processor', id, [pid]), c.config, next);
      chain.unshift({ id, kind: 'processor', instance: proc });
      next = proc;
    }
    processorNodes.push(...chain.reverse());
    entries.set(pid, next);
  }

  // Receivers: one instance per id, fanning into every pipeline that lists it.
  const receivers: GraphNode<Receiver>[] = [];
  const seen = new Set<string>();
  for (const p of pipelines) {
    for (const id of p.receivers) {
      if (seen.has(id) || cfg.connectors.has(id)) continue;
      seen.add(id);
      const using = pipelinesUsing('receivers', id);
      const c = cfg.receivers.get(id)!;
      const next = fanout(using.map((pid) => entries.get(pid)!));
      receivers.push({ id, kind: 'receiver', instance: c.factory.createTracesReceiver(settingsFor('receiver', id, using), c.config, next) });
    }
  }

  return {
    extensions,
    exporters: [...exporters].map(([id, instance]) => ({ id, kind: 'exporter', instance })),
    processors: processorNodes,
    connectors: [...connectors].map(([id, instance]) => ({ id, kind: 'connector', instance })),
    receivers,
  };
}
