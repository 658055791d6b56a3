/**
 * The system under test as processes: the mock backend, the collectors of a `single` or `tiered`
 * topology, and a TcpProxy on every link a network_partition fault needs (a gRPC and an HTTP proxy
 * per link, so templates may use either protocol). Templates are chosen before anything starts
 * (planTopology), so a scenario whose collector lacks a component is skipped without starting a
 * process.
 *
 *   single: loadgen -> [proxy] -> collector -> [proxy] -> backend
 *   tiered: loadgen -> [proxy] -> agent-i -> [proxy per gateway] -> gateway-j -> [proxy per gateway] -> backend
 *
 * Agents get the gateway list (${testbed:gateway_endpoints}); a template marked single_gateway (the
 * otlp fallback while the collector has no loadbalancing exporter) gets the first gateway only, and
 * the topology then runs one gateway and says so in its notes.
 */
import { TcpProxy } from '../faults/tcp-proxy.ts';
import type { FaultSpec, Hop, TopologySpec } from '../scenario/scenario-schema.ts';
import type { ResolvedTemplates } from '../scenario/load-scenario.ts';
import type { RunPlan } from '../scenario/load-scenario.ts';
import { BackendNode } from './backend-node.ts';
import { CollectorNode, EarlyExitError, type CollectorPorts } from './collector-node.ts';
import { getFreePorts } from '../process/free-port.ts';
import { hasComponent, type CollectorCommand, type CollectorComponents } from './collector-command.ts';
import { chooseTemplate, placeholdersIn, type ChosenTemplate, type TemplateValues } from './config-template.ts';
import { prepareMemoryLimit, type MemoryLimit } from './memory-limit.ts';
import { NetnsLink } from './netns.ts';
import type { ProcessInstance } from './process-instance.ts';

export type CollectorRole = 'collector' | 'agent' | 'gateway';

export interface TopologyPlan {
  kind: TopologySpec['kind'];
  agents: number;
  gateways: number;
  requestedGateways: number;
  templates: Partial<Record<CollectorRole, ChosenTemplate>>;
  notes: string[];
}

const REQUIRED_PLACEHOLDERS = ['health_endpoint', 'metrics_port'];

/** Chooses each tier's template for this collector; a skip reason when a tier has none it can run. */
export function planTopology(plan: RunPlan, components: CollectorComponents | undefined): TopologyPlan | { skipReason: string } {
  const t = plan.topology;
  const roles: CollectorRole[] = t.kind === 'single' ? ['collector'] : ['agent', 'gateway'];
  const notes: string[] = [];
  const templates: Partial<Record<CollectorRole, ChosenTemplate>> = {};
  for (const role of roles) {
    const choice = chooseTemplate(plan.templates[role as keyof ResolvedTemplates], components);
    if (!choice.chosen) {
      const missing = [...new Set(choice.reasons.flatMap((r) => r.missing))];
      return {
        skipReason: `the ${role} template needs ${missing.join(', ')}, which this collector does not have (see \`npm run collector -- components\`); tried ${choice.reasons.map((r) => r.source).join(', ')}`,
      };
    }
    for (const p of choice.chosen.passedOver) notes.push(`${role}: passed over ${p.source} (needs ${p.missing.join(', ')})`);
    const used = placeholdersIn(choice.chosen.config);
    const lacking = REQUIRED_PLACEHOLDERS.filter((p) => !used.has(p));
    if (lacking.length > 0) {
      throw new Error(
        `template ${choice.chosen.ref.source} must use ${lacking.map((p) => `\${testbed:${p}}`).join(' and ')} (health_check endpoint and the Prometheus metrics port), so the testbed can wait for it and read its counters`,
      );
    }
    templates[role] = choice.chosen;
  }
  let gateways = t.kind === 'tiered' ? t.gateways : 0;
  if (t.kind === 'tiered') {
    const agent = templates.agent!;
    if (agent.ref.single_gateway && gateways > 1) {
      notes.push(
        `the agent template ${agent.ref.source} sends to one gateway${hasComponent(components, 'exporter', 'loadbalancing') ? '' : ' (no loadbalancing exporter in this collector)'}: running 1 gateway instead of ${gateways}`,
      );
      gateways = 1;
    } else if (agent.ref.single_gateway) notes.push(`the agent sends to one gateway with ${agent.ref.source}${hasComponent(components, 'exporter', 'loadbalancing') ? '' : ' (no loadbalancing exporter in this collector yet)'}`);
    else notes.push(`agents spread traces over ${gateways} gateway(s) with ${agent.ref.source}`);
  }
  return { kind: t.kind, agents: t.kind === 'tiered' ? t.agents : 0, gateways, requestedGateways: t.kind === 'tiered' ? t.gateways : 0, templates, notes };
}

export interface TopologyOptions {
  plan: TopologyPlan;
  faults: readonly FaultSpec[];
  command: CollectorCommand;
  runDir: string;
  sampleIntervalMs: number;
  /** The load's protocol: which receiver port the loadgen link targets. */
  loadProtocol: 'grpc' | 'http/protobuf' | 'http/json';
  tenantHeader: string;
  log: (message: string) => void;
  /** External pipeline: start only the backend (optionally on fixed ports). */
  target?: string;
  backendGrpcPort?: number;
  backendHttpPort?: number;
  onInstance?: (inst: ProcessInstance) => void;
}

interface ProxyPair {
  grpc: TcpProxy;
  http: TcpProxy;
}

/** The processes of the hop's downstream end, which a netns partition puts in a namespace. */
const NETNS_ROLE: Record<Hop, 'collector' | 'agent' | 'gateway' | 'backend'> = {
  'loadgen-collector': 'collector',
  'collector-backend': 'backend',
  'loadgen-agent': 'agent',
  'agent-gateway': 'gateway',
  'gateway-backend': 'backend',
};

export class Topology {
  backend!: BackendNode;
  readonly collectors: CollectorNode[] = [];
  readonly agents: CollectorNode[] = [];
  readonly gateways: CollectorNode[] = [];
  /** Proxies per link: key "hop" or "hop#i" (per agent / per gateway). */
  readonly proxies = new Map<string, ProxyPair>();
  netns: NetnsLink | undefined;
  netnsHop: Hop | undefined;
  private readonly proxiedHops: Set<Hop>;
  private readonly memoryLimits = new Map<string, MemoryLimit>();
  readonly notes: string[];

  constructor(readonly o: TopologyOptions) {
    this.notes = [...o.plan.notes];
    this.proxiedHops = new Set(o.faults.filter((f) => f.type === 'network_partition' && !f.netns).map((f) => (f as { hop: Hop }).hop));
    // A gateway the testbed kills gets its input through a proxy, held for a moment before the kill
    // so the counters scraped just before it are exact (see inputProxies).
    if (o.faults.some((f) => f.type === 'gateway_crash' || (f.type === 'scale_in' && !f.graceful))) {
      this.proxiedHops.add(o.plan.kind === 'single' ? 'loadgen-collector' : 'agent-gateway');
    }
    const netnsFault = o.faults.find((f) => f.type === 'network_partition' && f.netns) as { hop: Hop } | undefined;
    this.netnsHop = netnsFault?.hop;
  }

  /** Every collector node ever started (scale-out included). */
  get allCollectors(): CollectorNode[] {
    return [...this.collectors, ...this.agents, ...this.gateways];
  }

  /** Process instances, backend first. */
  get instances(): ProcessInstance[] {
    return [...(this.backend?.instance ? [this.backend.instance] : []), ...this.allCollectors.flatMap((n) => n.instances)];
  }

  /** Where the load goes: one endpoint per agent (tiered), the collector (single), or the target. */
  loadEndpoints(): string[] {
    if (this.o.target) return [this.o.target];
    const edge = this.o.plan.kind === 'single' ? this.collectors : this.agents;
    const hop: Hop = this.o.plan.kind === 'single' ? 'loadgen-collector' : 'loadgen-agent';
    return edge.map((node, i) => {
      const proxy = this.proxies.get(`${hop}#${i}`);
      const host = this.hostFor('loadgen');
      if (this.o.loadProtocol === 'grpc') return proxy ? `${host}:${proxy.grpc.port}` : node.grpcEndpoint;
      return proxy ? `http://${host}:${proxy.http.port}` : node.httpEndpoint;
    });
  }

  /**
   * Starts everything. Ports are picked up front, so the backend and every collector start at once
   * (each config already names its peers); when a process dies before it is ready (most likely a
   * port taken meanwhile), everything is stopped and started again on new ports. On failure, what did
   * start is stopped by stop() (call it in finally).
   */
  async start(): Promise<void> {
    if (this.netnsHop) {
      this.netns = await NetnsLink.create();
      this.o.log(`netns: ${NETNS_ROLE[this.netnsHop]} runs in network namespace ${this.netns.name} (${this.netns.nsIp}), the rest on ${this.netns.hostIp}`);
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.startAll();
        return;
      } catch (e) {
        lastError = e;
        if (!(e instanceof EarlyExitError) || attempt === 3) throw e;
        this.o.log(`start failed (${e.message.split('\n')[0]}); trying again on other ports`);
        await this.stopProcesses();
        this.collectors.length = this.agents.length = this.gateways.length = 0;
        await Promise.all([...this.proxies.values()].flatMap((p) => [p.grpc.stop(), p.http.stop()]));
        this.proxies.clear();
      }
    }
    throw lastError;
  }

  private async startAll(): Promise<void> {
    const p = this.o.plan;
    const fixed = this.o.backendGrpcPort !== undefined || this.o.backendHttpPort !== undefined;
    const [bg, bh] = await getFreePorts(2);
    const backendPorts = { grpc: this.o.backendGrpcPort ?? (fixed ? 0 : bg!), http: this.o.backendHttpPort ?? (fixed ? 0 : bh!) };
    this.backend = new BackendNode({
      runDir: this.o.runDir,
      host: this.hostFor('backend'),
      netns: this.netnsHop && NETNS_ROLE[this.netnsHop] === 'backend' ? this.netns : undefined,
      tenantHeader: this.o.tenantHeader,
      sampleIntervalMs: this.o.sampleIntervalMs,
      grpcPort: backendPorts.grpc,
      httpPort: backendPorts.http,
      onInstance: this.o.onInstance,
    });
    if (this.o.target) {
      await this.backend.start();
      this.logBackend();
      return;
    }
    const starts: Promise<unknown>[] = [this.backend.start().then(() => this.logBackend())];
    if (p.kind === 'single') {
      const ports = await CollectorNode.freePorts();
      if (this.proxiedHops.has('collector-backend')) await this.addProxy('collector-backend#0', backendPorts.grpc, backendPorts.http, this.hostFor('backend'));
      const node = this.newNode('collector', 0, () => this.backendValues('collector-backend#0', backendPorts));
      this.collectors.push(node);
      if (this.proxiedHops.has('loadgen-collector')) await this.addProxy('loadgen-collector#0', ports.grpc, ports.http, this.hostFor('collector'));
      starts.push(this.startNode(node, ports));
    } else {
      const gatewayPorts: CollectorPorts[] = [];
      for (let i = 0; i < p.gateways; i++) {
        const ports = await CollectorNode.freePorts();
        gatewayPorts.push(ports);
        if (this.proxiedHops.has('gateway-backend')) await this.addProxy(`gateway-backend#${i}`, backendPorts.grpc, backendPorts.http, this.hostFor('backend'));
        if (this.proxiedHops.has('agent-gateway')) await this.addProxy(`agent-gateway#${i}`, ports.grpc, ports.http, this.hostFor('gateway'));
        this.gateways[i] = this.newNode('gateway', i, () => this.backendValues(`gateway-backend#${i}`, backendPorts));
      }
      for (let i = 0; i < p.agents; i++) {
        const ports = await CollectorNode.freePorts();
        const node = this.newNode('agent', i, () => this.gatewayValues(gatewayPorts));
        this.agents.push(node);
        if (this.proxiedHops.has('loadgen-agent')) await this.addProxy(`loadgen-agent#${i}`, ports.grpc, ports.http, this.hostFor('agent'));
        starts.push(this.startNode(node, ports));
      }
      this.gateways.forEach((g, i) => starts.push(this.startNode(g, gatewayPorts[i]!)));
    }
    // Every start settles before the verdict, so a failed attempt leaves nothing half-started.
    const results = await Promise.allSettled(starts);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private logBackend(): void {
    this.o.log(`backend pid ${this.backend.instance.pid}: grpc ${this.backend.grpcEndpoint}, http ${this.backend.httpEndpoint}`);
  }

  /** scale_out: one more gateway. Agents keep their config: they follow only once a resolver exists. */
  async addGateway(): Promise<CollectorNode> {
    return this.startGateway(this.gateways.length);
  }

  /** Gateways the agents' configs name (the first ones; scale-out adds none). */
  get agentGatewayCount(): number {
    if (this.o.plan.kind !== 'tiered') return 0;
    return this.o.plan.templates.agent!.ref.single_gateway ? 1 : this.o.plan.gateways;
  }

  gatewayNode(index: number): CollectorNode | undefined {
    return this.o.plan.kind === 'single' ? (index === 0 ? this.collectors[0] : undefined) : this.gateways[index];
  }

  /** The proxies of a hop (all links, or one gateway's / agent's). */
  proxiesFor(hop: Hop, index?: number): TcpProxy[] {
    const out: TcpProxy[] = [];
    for (const [key, pair] of this.proxies) {
      const [h, i] = key.split('#');
      if (h === hop && (index === undefined || Number(i) === index)) out.push(pair.grpc, pair.http);
    }
    return out;
  }

  /** The proxies in front of gateway `index` (the collector in a single topology), if any. */
  inputProxies(index: number): TcpProxy[] {
    return this.o.plan.kind === 'single' ? this.proxiesFor('loadgen-collector', 0) : this.proxiesFor('agent-gateway', index);
  }

  memoryLimitOf(name: string): MemoryLimit | undefined {
    return this.memoryLimits.get(name);
  }

  /** Stops every process and proxy (agents first, so they do not fail against stopped gateways). */
  async stop(): Promise<void> {
    await this.stopProcesses();
    await Promise.all([...this.proxies.values()].flatMap((p) => [p.grpc.stop(), p.http.stop()]));
    for (const m of this.memoryLimits.values()) m.dispose();
    await this.netns?.destroy();
  }

  private async stopProcesses(): Promise<void> {
    await Promise.all([...this.collectors, ...this.agents].map((n) => n.stop('stopped at the end of the run').catch(() => {})));
    await Promise.all(this.gateways.map((n) => n.stop('stopped at the end of the run').catch(() => {})));
    await this.backend?.stop().catch(() => {});
  }

  private hostFor(role: 'loadgen' | 'collector' | 'agent' | 'gateway' | 'backend'): string {
    if (!this.netns || !this.netnsHop) return '127.0.0.1';
    return NETNS_ROLE[this.netnsHop] === role ? this.netns.nsIp : this.netns.hostIp;
  }

  private async startGateway(i: number): Promise<CollectorNode> {
    const backendPorts = { grpc: this.backend.ports.grpcPort, http: this.backend.ports.httpPort };
    if (this.proxiedHops.has('gateway-backend')) await this.addProxy(`gateway-backend#${i}`, backendPorts.grpc, backendPorts.http, this.hostFor('backend'));
    const node = this.newNode('gateway', i, () => this.backendValues(`gateway-backend#${i}`, backendPorts));
    this.gateways[i] = node;
    const inst = await node.start();
    this.o.log(`${node.name} pid ${inst.pid}: grpc ${node.grpcEndpoint}, http ${node.httpEndpoint}, metrics ${node.metricsUrl}`);
    if (this.proxiedHops.has('agent-gateway')) await this.addProxy(`agent-gateway#${i}`, node.ports!.grpc, node.ports!.http, node.host);
    return node;
  }

  private newNode(role: CollectorRole, index: number, values: () => TemplateValues): CollectorNode {
    const chosen = this.o.plan.templates[role]!;
    const name = role === 'collector' ? 'collector' : `${role}-${index}`;
    const oom = this.o.faults.find((f) => f.type === 'oom' && f.gateway === index && (role === 'gateway' || role === 'collector'));
    let memoryLimit: MemoryLimit | undefined;
    if (oom && oom.type === 'oom') {
      memoryLimit = prepareMemoryLimit(`testbed-${process.pid}-${name}`, oom.memory_limit_mib, oom.method, this.o.command.builtin);
      this.memoryLimits.set(name, memoryLimit);
      this.o.log(`${name}: memory limit ${memoryLimit.note}`);
    }
    return new CollectorNode({
      name,
      role,
      index,
      command: this.o.command,
      template: chosen.config,
      templateSource: chosen.ref.source,
      values,
      runDir: this.o.runDir,
      host: this.hostFor(role),
      netns: this.netnsHop && NETNS_ROLE[this.netnsHop] === role ? this.netns : undefined,
      memoryLimit,
      sampleIntervalMs: this.o.sampleIntervalMs,
      onInstance: this.o.onInstance,
    });
  }

  private async startNode(node: CollectorNode, ports: CollectorPorts): Promise<void> {
    const inst = await node.startOn(ports);
    this.o.log(`${node.name} pid ${inst.pid}: grpc ${node.grpcEndpoint}, http ${node.httpEndpoint}, metrics ${node.metricsUrl}`);
  }

  private backendValues(proxyKey: string, backendPorts: { grpc: number; http: number }): TemplateValues {
    const proxy = this.proxies.get(proxyKey);
    const host = proxy ? this.hostFor('loadgen') : this.hostFor('backend');
    const grpc = proxy ? proxy.grpc.port : backendPorts.grpc;
    const http = proxy ? proxy.http.port : backendPorts.http;
    return { backend_grpc_endpoint: `${host}:${grpc}`, backend_http_endpoint: `http://${host}:${http}` };
  }

  /** The gateways the agents send to: the ports the first gateways were started on (scale-out adds none). */
  private gatewayValues(gatewayPorts: readonly CollectorPorts[]): TemplateValues {
    const agentTemplate = this.o.plan.templates.agent!;
    const list = agentTemplate.ref.single_gateway ? gatewayPorts.slice(0, 1) : gatewayPorts;
    const gatewayHost = this.hostFor('gateway');
    const via = (i: number, kind: 'grpc' | 'http'): string => {
      const proxy = this.proxies.get(`agent-gateway#${i}`);
      const host = proxy ? this.hostFor('loadgen') : gatewayHost;
      const port = proxy ? proxy[kind].port : list[i]![kind];
      return kind === 'grpc' ? `${host}:${port}` : `http://${host}:${port}`;
    };
    const grpc = list.map((_, i) => via(i, 'grpc'));
    const http = list.map((_, i) => via(i, 'http'));
    return { gateway_endpoints: grpc, gateway_endpoint: grpc[0]!, gateway_http_endpoints: http, gateway_http_endpoint: http[0]!, gateway_count: list.length };
  }

  private async addProxy(key: string, grpcPort: number, httpPort: number, targetHost: string): Promise<void> {
    // Proxies run in the testbed (host side); with netns they listen where namespaced processes reach them.
    const listenHost = this.hostFor('loadgen');
    const grpc = new TcpProxy({ targetHost, targetPort: grpcPort, listenHost });
    const http = new TcpProxy({ targetHost, targetPort: httpPort, listenHost });
    await grpc.start();
    await http.start();
    this.proxies.set(key, { grpc, http });
    this.o.log(`proxy ${key}: ${listenHost}:${grpc.port} -> ${targetHost}:${grpcPort} (grpc), ${listenHost}:${http.port} -> ${targetHost}:${httpPort} (http)`);
  }
}
