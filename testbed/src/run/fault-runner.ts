/**
 * Runs a scenario's faults on the load's clock. Each fault is a short script (start at `at`, end at
 * `until`, restart at `restart_at`), run concurrently with the others; a failing step is recorded on
 * the fault and logged, and the run goes on. Kills open crash windows (a killed process loses what
 * it held, uncounted), which the loss explanation uses.
 *
 *  gateway_crash      kill -<signal> a gateway (the collector in a single topology); restart it on
 *                     the same ports at restart_at
 *  backend_down       the mock backend in a fault mode (down/refuse/throttle/slow/blackhole) for a window
 *  network_partition  the TcpProxies of a hop (or a gateway's link) in a fault mode for a window; with
 *                     netns, iptables rules in the namespace
 *  oom                a load spike at `at` against a memory-limited gateway; restart at restart_at if it died
 *  scale_out/in       add a gateway / stop one (agents keep their gateway list: no resolver yet)
 */
import type { ProxyMode } from '../faults/tcp-proxy.ts';
import type { FaultSpec } from '../scenario/scenario-schema.ts';
import { resolveTimeMs } from '../scenario/time-spec.ts';
import type { CollectorNode } from '../topology/collector-node.ts';
import { collectorCounters, heldSpans } from '../topology/collector-metrics.ts';
import type { ExitInfo } from '../process/managed-process.ts';
import type { ProcessInstance } from '../topology/process-instance.ts';
import type { Topology } from '../topology/topology.ts';
import type { RunLog } from './run-log.ts';
import type { CrashWindow, FaultRecord } from './run-result.ts';

export interface FaultContext {
  topology: Topology;
  log: RunLog;
  /** Durations the times are scaled between (scenario's, this run's). */
  scenarioDurationMs: number;
  runDurationMs: number;
  /** --rate override / scenario rate, applied to spikes. */
  rateScale: number;
  /** Starts an extra load (a spike) against the edge. */
  startSpike(rate: number, durationMs: number): void;
  /** Agents use the loadbalancing exporter (else one gateway). */
  agentsBalance: boolean;
}

interface OpenCrash {
  process: string;
  killWallMs: number;
  endWallMs?: number;
  heldAtKillEstimate?: number;
}

export class FaultRunner {
  readonly records: FaultRecord[] = [];
  private readonly wall: { startedAt?: number; endedAt?: number }[] = [];
  private readonly crashes: OpenCrash[] = [];
  private epochMs = 0;
  private cancelled = false;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private scripts: Promise<void>[] = [];
  /** Changes to the set of processes (kill, restart, add, remove) happen one at a time, in order. */
  private topologyChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly faults: readonly FaultSpec[],
    private readonly ctx: FaultContext,
  ) {
    for (const f of faults) {
      const at = this.time(f.at);
      let untilMs: number | undefined;
      if (f.type === 'backend_down' || f.type === 'network_partition') untilMs = f.until ? this.time(f.until) : at + this.scaleDuration(f.for!);
      if ((f.type === 'gateway_crash' || f.type === 'oom') && f.restart_at) untilMs = this.time(f.restart_at);
      this.records.push({ type: f.type, target: targetOf(f, ctx.topology), atMs: at, untilMs, detail: {} });
      this.wall.push({});
    }
  }

  /** Starts every fault's script relative to the load's epoch. */
  start(epochMs: number): void {
    this.epochMs = epochMs;
    this.scripts = this.faults.map((f, i) => this.script(f, i).catch((e: unknown) => this.fail(i, e)));
  }

  /** Resolves when every script finished (or was cancelled). */
  async done(): Promise<void> {
    await Promise.all(this.scripts);
  }

  /** Stops waiting: scripts end at their next sleep. */
  cancel(): void {
    this.cancelled = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
  }

  /** The latest planned time of any step. */
  get lastStepMs(): number {
    return Math.max(0, ...this.records.map((r) => r.untilMs ?? r.atMs));
  }

  /** A process ended unexpectedly (OOM killer, crash): its held spans are lost, uncounted. */
  noteUnexpectedExit(inst: ProcessInstance): void {
    this.crashes.push({ process: inst.name, killWallMs: inst.exitedWallMs ?? Date.now(), heldAtKillEstimate: inst.lastScrape ? heldSpans(inst.lastScrape.samples) : undefined });
  }

  /** A process came back: its crash window closes. */
  noteRestart(name: string): void {
    for (const c of this.crashes) if (c.process === name && c.endWallMs === undefined) c.endWallMs = Date.now();
  }

  /** Crash windows relative to the epoch; open ones end at endWallMs. `before` widens the start. */
  crashWindows(endWallMs: number, beforeMs: number, afterMs: number): CrashWindow[] {
    return this.crashes.map((c) => ({
      process: c.process,
      startMs: c.killWallMs - this.epochMs - beforeMs,
      endMs: (c.endWallMs ?? endWallMs) - this.epochMs + afterMs,
      heldAtKillEstimate: c.heldAtKillEstimate,
    }));
  }

  toResult(): FaultRecord[] {
    return this.records.map((r, i) => ({
      ...r,
      startedAtMs: this.wall[i]!.startedAt === undefined ? undefined : this.wall[i]!.startedAt! - this.epochMs,
      endedAtMs: this.wall[i]!.endedAt === undefined ? undefined : this.wall[i]!.endedAt! - this.epochMs,
    }));
  }

  /**
   * Kills a gateway with its input held: its proxies keep what senders send (nothing is lost, the
   * senders' requests just wait), the gateway finishes what it already received, and once its
   * accepted count stands still the scrape inside kill() is exact: no request can slip in between
   * the scrape and the signal. Then the proxies let go (towards a dead gateway: the senders see
   * the connection fail, and retry or count it).
   */
  private async killHeld(node: CollectorNode, index: number, signal: NodeJS.Signals, reason: string): Promise<ExitInfo | undefined> {
    const proxies = this.ctx.topology.inputProxies(index);
    const before = proxies.map((p) => p.mode);
    for (const p of proxies) p.setMode({ mode: 'hold' });
    try {
      let last = -1;
      for (let k = 0; k < 20; k++) {
        const samples = await node.scrape(false, 1000).catch(() => undefined);
        const accepted = samples ? collectorCounters(samples).receiverAccepted : -2;
        if (accepted === last) break;
        last = accepted;
        await new Promise((r) => setTimeout(r, 50));
      }
      return await node.kill(signal, reason);
    } finally {
      proxies.forEach((p, k) => p.setMode(before[k]!));
    }
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.topologyChain.then(fn);
    this.topologyChain = next.catch(() => {});
    return next;
  }

  private time(t: FaultSpec['at']): number {
    return resolveTimeMs(t, this.ctx.scenarioDurationMs, this.ctx.runDurationMs);
  }

  private scaleDuration(ms: number): number {
    return Math.round((ms * this.ctx.runDurationMs) / this.ctx.scenarioDurationMs);
  }

  private sleepUntil(relMs: number): Promise<void> {
    const delay = this.epochMs + relMs - Date.now();
    if (this.cancelled) return Promise.resolve();
    if (delay <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, delay),
        resolve,
      };
      this.timers.add(entry);
    });
  }

  private fail(i: number, e: unknown): void {
    const r = this.records[i]!;
    r.error = (e as Error).message;
    this.ctx.log.log(`fault ${r.type}${r.target ? ` ${r.target}` : ''} failed: ${r.error}`);
  }

  private began(i: number, message: string): void {
    this.wall[i]!.startedAt = Date.now();
    this.ctx.log.log(message);
  }

  private ended(i: number, message: string): void {
    this.wall[i]!.endedAt = Date.now();
    this.ctx.log.log(message);
  }

  private async script(f: FaultSpec, i: number): Promise<void> {
    const r = this.records[i]!;
    await this.sleepUntil(r.atMs);
    if (this.cancelled) return;
    const { topology, log } = this.ctx;
    switch (f.type) {
      case 'gateway_crash': {
        const { node, inst, exit } = await this.serially(async () => {
          const node = this.gateway(f.gateway);
          const inst = node.current!;
          this.began(i, `gateway_crash: ${f.signal} ${node.name} (pid ${inst.pid})`);
          return { node, inst, exit: await this.killHeld(node, f.gateway, f.signal, `fault gateway_crash (${f.signal})`) };
        });
        this.crashes.push({ process: node.name, killWallMs: Date.now(), heldAtKillEstimate: inst.lastScrape ? heldSpans(inst.lastScrape.samples) : undefined });
        r.detail = { process: node.name, pid: inst.pid, signal: f.signal, exit, heldAtKillEstimate: this.crashes[this.crashes.length - 1]!.heldAtKillEstimate };
        if (r.untilMs === undefined) return void this.ended(i, `gateway_crash: ${node.name} stays down`);
        await this.sleepUntil(r.untilMs);
        if (this.cancelled) return;
        const next = await this.serially(() => node.restart());
        this.noteRestart(node.name);
        r.detail.restartedPid = next.pid;
        return void this.ended(i, `gateway_crash: ${node.name} restarted on the same ports (pid ${next.pid})`);
      }
      case 'backend_down': {
        const mode =
          f.mode === 'slow' ? { mode: 'slow' as const, latency_ms: f.latency_ms } : f.mode === 'throttle' ? { mode: 'throttle' as const, retry_after_s: f.retry_after_s } : { mode: f.mode };
        this.began(i, `backend_down: backend ${JSON.stringify(mode)}`);
        await topology.backend.admin.setMode(mode);
        r.detail = { mode };
        await this.sleepUntil(r.untilMs!);
        const stats = await topology.backend.admin.setMode({ mode: 'up' });
        r.detail = { mode, spansRefused: stats.spansRefused, spansThrottled: stats.spansThrottled, spansBlackholed: stats.spansBlackholed };
        return void this.ended(i, `backend_down: backend up again`);
      }
      case 'network_partition': {
        if (f.netns) return this.netnsPartition(f, i);
        const proxies = topology.proxiesFor(f.hop, f.gateway);
        if (proxies.length === 0) throw new Error(`no proxy on ${f.hop}${f.gateway !== undefined ? ` for gateway ${f.gateway}` : ''}`);
        const mode: ProxyMode =
          f.mode === 'latency' ? { mode: 'latency', latency_ms: f.latency_ms } : f.mode === 'bandwidth' ? { mode: 'bandwidth', bytes_per_second: f.bytes_per_second } : { mode: f.mode };
        this.began(i, `network_partition: ${r.target} ${JSON.stringify(mode)}`);
        for (const p of proxies) p.setMode(mode);
        await this.sleepUntil(r.untilMs!);
        for (const p of proxies) p.setMode({ mode: 'pass' });
        const stats = proxies.map((p) => p.stats());
        r.detail = {
          mode,
          connectionsDropped: stats.reduce((a, s) => a + s.connectionsDropped, 0),
          connectionsReset: stats.reduce((a, s) => a + s.connectionsReset, 0),
          bytesDiscarded: stats.reduce((a, s) => a + s.bytesDiscarded, 0),
          chunksDelayed: stats.reduce((a, s) => a + s.chunksDelayed, 0),
        };
        return void this.ended(i, `network_partition: ${r.target} healed`);
      }
      case 'oom': {
        const node = this.gateway(f.gateway);
        const rate = f.spike.rate * this.ctx.rateScale;
        const duration = this.scaleDuration(f.spike.duration);
        this.began(i, `oom: load spike of ${Math.round(rate)} spans/s for ${(duration / 1000).toFixed(1)}s at ${node.name} (${topology.memoryLimitOf(node.name)?.note ?? 'no memory limit'})`);
        this.ctx.startSpike(rate, duration);
        r.detail = { process: node.name, spikeRate: rate, spikeDurationMs: duration };
        if (r.untilMs === undefined) return;
        await this.sleepUntil(r.untilMs);
        if (this.cancelled) return;
        if (node.running) return void this.ended(i, `oom: ${node.name} still running at restart_at, no restart needed`);
        const next = await this.serially(() => node.restart());
        this.noteRestart(node.name);
        r.detail.restartedPid = next.pid;
        return void this.ended(i, `oom: ${node.name} restarted (pid ${next.pid})`);
      }
      case 'scale_out': {
        this.began(i, `scale_out: adding ${f.count} gateway(s)`);
        const added: string[] = [];
        await this.serially(async () => {
          for (let k = 0; k < f.count; k++) {
            const node = await topology.addGateway();
            added.push(node.name);
            log.log(`scale_out: ${node.name} running (pid ${node.current!.pid}, grpc ${node.grpcEndpoint})`);
          }
        });
        r.detail = { added };
        r.target = added.join(', ');
        return void this.ended(
          i,
          `scale_out: agents do not follow: their gateway list is static (${this.ctx.agentsBalance ? 'loadbalancing with the static resolver' : 'one otlp exporter, no loadbalancing exporter'}); they would follow through a loadbalancing resolver (dns/k8s), which does not exist yet`,
        );
      }
      case 'scale_in': {
        const { node, inst, index } = await this.serially(async () => {
          const index = f.gateway ?? highestRunning(topology.gateways);
          const node = index === undefined ? undefined : topology.gateways[index];
          if (!node || !node.running) throw new Error(`no running gateway${f.gateway !== undefined ? ` ${f.gateway}` : ''} to remove`);
          r.target = node.name;
          const inst = node.current!;
          this.began(i, `scale_in: ${f.graceful ? 'stopping (SIGTERM, drain)' : 'killing (SIGKILL)'} ${node.name} (pid ${inst.pid})`);
          if (f.graceful) {
            inst.endedBy = 'fault scale_in (SIGTERM)';
            await node.stop('fault scale_in');
          } else {
            await this.killHeld(node, index!, 'SIGKILL', 'fault scale_in (SIGKILL)');
            this.crashes.push({ process: node.name, killWallMs: Date.now(), heldAtKillEstimate: inst.lastScrape ? heldSpans(inst.lastScrape.samples) : undefined });
          }
          return { node, inst, index: index! };
        });
        const inUse = index < topology.agentGatewayCount;
        r.detail = { process: node.name, graceful: f.graceful, exit: inst.exit, agentsSendToIt: inUse };
        return void this.ended(
          i,
          `scale_in: ${node.name} ended (${inst.exit?.signal ?? `code ${inst.exit?.code}`})${inUse ? '; agents still send to it: their exports fail (counted) until a resolver removes it' : '; agents never sent to it'}`,
        );
      }
    }
  }

  private async netnsPartition(f: Extract<FaultSpec, { type: 'network_partition' }>, i: number): Promise<void> {
    const { topology } = this.ctx;
    const link = topology.netns;
    if (!link) throw new Error('netns partition requested but no namespace was set up');
    const r = this.records[i]!;
    let ports: number[];
    if (f.hop === 'collector-backend' || f.hop === 'gateway-backend') ports = [topology.backend.ports.grpcPort, topology.backend.ports.httpPort];
    else {
      const nodes = f.hop === 'loadgen-collector' ? topology.collectors : f.hop === 'loadgen-agent' ? topology.agents : topology.gateways.filter((_, k) => f.gateway === undefined || k === f.gateway);
      ports = nodes.flatMap((n) => [n.ports!.grpc, n.ports!.http]);
    }
    const mode = f.mode as 'drop' | 'blackhole' | 'reset';
    this.began(i, `network_partition (netns ${link.name}): ${r.target} iptables ${mode === 'reset' ? 'REJECT tcp-reset' : 'DROP'} to ports ${ports.join(', ')}`);
    await link.partition(ports, mode);
    r.detail = { netns: link.name, ports, mode };
    await this.sleepUntil(r.untilMs!);
    await link.heal();
    this.ended(i, `network_partition (netns): ${r.target} healed`);
  }

  private gateway(index: number): CollectorNode {
    const node = this.ctx.topology.gatewayNode(index);
    if (!node) throw new Error(`no gateway ${index} (running ${this.ctx.topology.gateways.length} gateway(s))`);
    if (!node.running) throw new Error(`${node.name} is not running`);
    return node;
  }
}

function targetOf(f: FaultSpec, t: Topology): string | undefined {
  const gw = (i: number) => (t.o.plan.kind === 'single' ? 'collector' : `gateway-${i}`);
  switch (f.type) {
    case 'gateway_crash':
    case 'oom':
      return gw(f.gateway);
    case 'backend_down':
      return 'backend';
    case 'network_partition':
      return f.gateway !== undefined ? `${f.hop} (gateway-${f.gateway})` : f.hop;
    case 'scale_in':
      return f.gateway !== undefined ? `gateway-${f.gateway}` : undefined;
    case 'scale_out':
      return undefined;
  }
}

function highestRunning(nodes: readonly CollectorNode[]): number | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i]?.running) return i;
  return undefined;
}
