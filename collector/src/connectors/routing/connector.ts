/**
 * The `routing` connector: each span goes to the pipelines of the first route (table order) whose
 * condition matches it, evaluated once per request (context: request, on client metadata), per
 * resource (context: resource) or per span (context: span); spans no route matches go to
 * `default_pipelines`, or are dropped with a counter and a log line when there are none. A
 * tenant header that is missing, unknown or given twice matches no tenant's route, so it can
 * only reach the default pipelines.
 *
 * Each route's spans leave as one select()ed sub-batch (rows move, bytes do not); a route with
 * several pipelines gives each a clone except the last, as a fan-out does. The batch is accepted
 * when every pipeline accepted its part; the first refusal is what the sender hears.
 */
import type { Logger } from 'pino';
import type { Connector, Consumer, CreateSettings, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import type { FastCounter } from '../../telemetry/self-telemetry.ts';
import { evaluate, EvalTarget } from './condition.ts';
import type { CompiledRoute, RoutingConfig } from './config.ts';

const UNROUTED_LOG_INTERVAL_MS = 60_000;

export class RoutingConnector implements Connector {
  private readonly routes: readonly CompiledRoute[];
  /** Per route, then default (last): the consumers of its pipelines. */
  private readonly targets: Consumer[][];
  private readonly logger: Logger;
  private readonly target = new EvalTarget();
  private readonly unrouted: FastCounter;
  private readonly routed: FastCounter[];
  private lastUnroutedLog = 0;

  constructor(settings: CreateSettings, config: RoutingConfig, nexts: ReadonlyMap<string, Consumer>) {
    this.logger = settings.logger;
    this.routes = config.routes;
    const consumersOf = (pipelines: readonly string[], where: string): Consumer[] =>
      pipelines.map((p) => {
        const c = nexts.get(p);
        if (c === undefined) {
          throw new CollectorError('TP_CONFIG_INVALID', `${where}: pipeline "${p}" is not a pipeline this connector feeds (it must list ${settings.id.id} as a receiver)`);
        }
        return c;
      });
    this.targets = [
      ...config.routes.map((r, i) => consumersOf(r.pipelines, `table[${i}]`)),
      consumersOf(config.default_pipelines, 'default_pipelines'),
    ];
    const id = settings.id.id;
    this.routed = config.routes.map((_, i) =>
      settings.telemetry.fastCounter('tailpipe_connector_routing_routed_spans', 'Spans sent to the pipelines of a route (route = table index, or "default").', { connector: id, route: String(i) }),
    );
    this.routed.push(settings.telemetry.fastCounter('tailpipe_connector_routing_routed_spans', 'Spans sent to the pipelines of a route (route = table index, or "default").', { connector: id, route: 'default' }));
    this.unrouted = settings.telemetry.fastCounter(
      'tailpipe_connector_routing_unrouted_spans',
      'Spans no route matched while no default_pipelines are configured: dropped.',
      { connector: id },
    );
  }

  async start(_host: Host): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: SpanBatch): Promise<void> {
    const routeOf = this.assign(batch);
    const nRoutes = this.routes.length;
    const counts = new Uint32Array(nRoutes + 1);
    for (let i = 0; i < batch.spanCount; i++) counts[routeOf[i]!]!++;
    const sends: Promise<void>[] = [];
    let used = 0;
    for (let r = 0; r <= nRoutes; r++) if (counts[r]! > 0) used++;
    for (let r = 0; r <= nRoutes; r++) {
      const c = counts[r]!;
      if (c === 0) continue;
      let part: SpanBatch;
      if (used === 1) part = batch;
      else {
        const idx = new Uint32Array(c);
        let k = 0;
        for (let i = 0; i < batch.spanCount; i++) if (routeOf[i] === r) idx[k++] = i;
        part = batch.select(idx, c);
      }
      const targets = this.targets[r]!;
      if (targets.length === 0) {
        this.dropUnrouted(c);
        continue;
      }
      this.routed[r]!.add(c);
      for (let t = 0; t < targets.length; t++) sends.push(targets[t]!.consume(t === targets.length - 1 ? part : part.clone()));
    }
    return settleAll(sends);
  }

  /** Route index per span (routes.length = default). */
  private assign(batch: SpanBatch): Uint16Array {
    const n = batch.spanCount;
    const nRoutes = this.routes.length;
    const out = new Uint16Array(n).fill(nRoutes);
    const t = this.target;
    t.batch = batch;
    // Request routes decide for the whole batch; resource routes once per resource.
    const resRoute = new Int32Array(batch.resourceCount).fill(-1);
    for (let i = 0; i < n; i++) {
      const res = batch.resourceIndexOf(i);
      let chosen = resRoute[res]!;
      if (chosen === -1) {
        chosen = nRoutes;
        let spanLevel = false;
        for (let r = 0; r < nRoutes; r++) {
          const route = this.routes[r]!;
          if (route.context === 'span') {
            spanLevel = true;
            break; // from here on the answer depends on the span
          }
          t.resource = res;
          t.span = -1;
          if (evaluate(route.node, t)) {
            chosen = r;
            break;
          }
        }
        if (spanLevel) chosen = -2;
        else resRoute[res] = chosen;
      }
      if (chosen === -2) chosen = this.spanRoute(res, i);
      out[i] = chosen;
    }
    t.batch = null;
    return out;
  }

  private spanRoute(res: number, i: number): number {
    const t = this.target;
    t.resource = res;
    for (let r = 0; r < this.routes.length; r++) {
      const route = this.routes[r]!;
      t.span = route.context === 'span' ? i : -1;
      if (evaluate(route.node, t)) return r;
    }
    return this.routes.length;
  }

  private dropUnrouted(spans: number): void {
    this.unrouted.add(spans);
    const now = Date.now();
    if (now - this.lastUnroutedLog >= UNROUTED_LOG_INTERVAL_MS) {
      this.lastUnroutedLog = now;
      this.logger.warn({ spans }, 'no route matched and no default_pipelines are configured: spans dropped (counted in tailpipe_connector_routing_unrouted_spans)');
    }
  }
}

async function settleAll(sends: Promise<void>[]): Promise<void> {
  if (sends.length === 1) return sends[0];
  const results = await Promise.allSettled(sends);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}
