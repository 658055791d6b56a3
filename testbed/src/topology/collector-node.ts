/**
 * One collector of the topology (the single collector, an agent, a gateway): its ports (picked
 * once, kept across restarts), its rendered config file, and its process instances. It starts on
 * free loopback ports and waits on health_check; kill() scrapes its metrics just before the signal
 * so the spans it held at that moment can be estimated; restart() reuses the same ports and config.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scrapePrometheus, type PromSample } from '../accounting/prometheus-text.ts';
import { getFreePorts } from '../process/free-port.ts';
import { ManagedProcess, type ExitInfo } from '../process/managed-process.ts';
import type { ProcessRole } from '../run/run-result.ts';
import type { CollectorCommand } from './collector-command.ts';
import { withoutSubExporters } from './collector-metrics.ts';
import { componentTypesOf, renderTemplate, toYaml, type TemplateValues } from './config-template.ts';
import type { MemoryLimit } from './memory-limit.ts';
import type { NetnsLink } from './netns.ts';
import { ProcessInstance } from './process-instance.ts';

export interface CollectorPorts {
  grpc: number;
  http: number;
  health: number;
  metrics: number;
}

export interface CollectorNodeOptions {
  name: string;
  role: Exclude<ProcessRole, 'loadgen' | 'backend'>;
  index: number;
  command: CollectorCommand;
  template: Record<string, unknown>;
  templateSource: string;
  /** Placeholder values that depend on the rest of the topology (next hop, gateway list). */
  values: () => TemplateValues;
  runDir: string;
  /** Where it listens: 127.0.0.1, or its namespace's address. */
  host: string;
  netns?: NetnsLink;
  memoryLimit?: MemoryLimit;
  sampleIntervalMs: number;
  healthTimeoutMs?: number;
  stopGraceMs?: number;
  /** Told about every process instance as it starts (to watch for unexpected exits). */
  onInstance?: (inst: ProcessInstance) => void;
}

const PORT_ATTEMPTS = 3;

/**
 * Processors that pass every span on (or count what they drop): a collector made of these alone has
 * sent, failed or dropped all it accepted once it is idle. Sampling processors are not among them.
 */
const PASS_THROUGH_PROCESSORS = new Set(['batch', 'memory_limiter', 'attributes', 'resource', 'span', 'transform', 'k8sattributes', 'resourcedetection', 'groupbyattrs']);

export class CollectorNode {
  readonly instances: ProcessInstance[] = [];
  ports: CollectorPorts | undefined;
  configFile: string | undefined;

  /** Idle, it has sent, failed or dropped everything it accepted (no sampling processor). */
  readonly passesEverySpan: boolean;

  constructor(readonly o: CollectorNodeOptions) {
    this.passesEverySpan = componentTypesOf(o.template).processor.every((p) => PASS_THROUGH_PROCESSORS.has(p));
  }

  get name(): string {
    return this.o.name;
  }
  get role(): CollectorNodeOptions['role'] {
    return this.o.role;
  }
  get current(): ProcessInstance | undefined {
    return this.instances[this.instances.length - 1];
  }
  get running(): boolean {
    return this.current?.running ?? false;
  }
  get host(): string {
    return this.o.host;
  }
  get grpcEndpoint(): string {
    return `${this.o.host}:${this.ports!.grpc}`;
  }
  get httpEndpoint(): string {
    return `http://${this.o.host}:${this.ports!.http}`;
  }
  get healthUrl(): string {
    return `http://${this.o.host}:${this.ports!.health}/`;
  }
  get metricsUrl(): string {
    return `http://${this.o.host}:${this.ports!.metrics}/metrics`;
  }

  /** First start on free ports (tried again with new ones if the process dies early: a port clash). */
  async start(): Promise<ProcessInstance> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
      try {
        return await this.startOn(await CollectorNode.freePorts());
      } catch (e) {
        lastError = e;
        if (!(e instanceof EarlyExitError)) throw e;
      }
    }
    throw lastError;
  }

  /**
   * First start on ports chosen by the caller (who may have handed them to peers already); throws
   * EarlyExitError when the process dies before it is healthy (a port clash, among others).
   */
  async startOn(ports: CollectorPorts): Promise<ProcessInstance> {
    this.ports = ports;
    this.configText = undefined;
    return this.launch();
  }

  static async freePorts(): Promise<CollectorPorts> {
    const [grpc, http, health, metrics] = await getFreePorts(4);
    return { grpc: grpc!, http: http!, health: health!, metrics: metrics! };
  }

  /** Starts it again on the same ports with the same config. */
  async restart(): Promise<ProcessInstance> {
    if (this.running) throw new Error(`${this.name} is still running`);
    return this.launch();
  }

  /** Scrapes (so the counters right before the kill are known), then signals and waits for the exit. */
  async kill(signal: NodeJS.Signals, reason: string): Promise<ExitInfo | undefined> {
    const inst = this.current;
    if (!inst || !inst.running) return inst?.exit;
    await this.scrape().catch(() => undefined);
    inst.endedBy = reason;
    inst.process.signal(signal);
    return inst.process.exited;
  }

  /** Graceful stop (SIGTERM, SIGKILL after the grace period). */
  async stop(reason: string): Promise<void> {
    const inst = this.current;
    if (!inst || !inst.running) return;
    inst.endedBy ??= reason;
    await inst.process.stop(this.o.stopGraceMs ?? 5000);
  }

  /** Scrapes the running instance's metrics (without loadbalancing sub-exporters) and remembers them on it. */
  async scrape(final = false, timeoutMs = 3000): Promise<PromSample[] | undefined> {
    const inst = this.current;
    if (!inst || !inst.running || !this.ports) return undefined;
    const samples = withoutSubExporters(await scrapePrometheus(this.metricsUrl, timeoutMs));
    const scrape = { samples, wallMs: Date.now() };
    inst.lastScrape = scrape;
    if (final) inst.finalScrape = scrape;
    return samples;
  }

  async healthy(timeoutMs = 2000): Promise<boolean> {
    if (!this.running || !this.ports) return false;
    try {
      const res = await fetch(this.healthUrl, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** The config this node runs (rendered from its template and the current placeholder values). */
  render(): string {
    const p = this.ports!;
    const values: TemplateValues = {
      name: this.name,
      role: this.role,
      index: this.o.index,
      host: this.o.host,
      grpc_port: p.grpc,
      http_port: p.http,
      grpc_endpoint: `${this.o.host}:${p.grpc}`,
      http_endpoint: `${this.o.host}:${p.http}`,
      health_endpoint: `${this.o.host}:${p.health}`,
      metrics_host: this.o.host,
      metrics_port: p.metrics,
      ...(this.o.memoryLimit
        ? { memory_limit_mib: this.o.memoryLimit.limitMiB, memory_limiter_limit_mib: Math.floor(this.o.memoryLimit.limitMiB * 0.8) }
        : {}),
      ...this.o.values(),
    };
    return toYaml(renderTemplate(this.o.template, values, `template ${this.o.templateSource} (${this.name})`));
  }

  private async launch(): Promise<ProcessInstance> {
    const dir = join(this.o.runDir, 'configs');
    mkdirSync(dir, { recursive: true });
    this.configFile = join(dir, `${this.name}.yaml`);
    // Rendered once: a restart runs the same config (same ports, same peers).
    this.configText ??= this.render();
    writeFileSync(this.configFile, this.configText);
    let cmd = this.o.command.run(this.configFile);
    if (this.o.netns) cmd = this.o.netns.wrap(cmd);
    // The cgroup wrapper goes outside `ip netns exec`, which remounts /sys in its own mount namespace.
    if (this.o.memoryLimit) cmd = this.o.memoryLimit.wrap(cmd);
    const instanceNo = this.instances.length + 1;
    const logFile = join(this.o.runDir, 'logs', `${this.name}${instanceNo > 1 ? `.${instanceNo}` : ''}.log`);
    const proc = await ManagedProcess.start({
      name: this.name,
      command: cmd.command,
      args: cmd.args,
      cwd: this.o.command.cwd,
      env: this.o.memoryLimit ? this.o.memoryLimit.env(process.env) : process.env,
      logFile,
      stopGraceMs: this.o.stopGraceMs ?? 5000,
    });
    const inst = new ProcessInstance(this.name, this.role, instanceNo, proc, [cmd.command, ...cmd.args].join(' '), this.o.sampleIntervalMs, {
      endpoints: { grpc: this.grpcEndpoint, http: this.httpEndpoint, health: this.healthUrl, metrics: this.metricsUrl },
      configFile: this.configFile,
      logFile,
      memoryLimit: this.o.memoryLimit,
    });
    this.instances.push(inst);
    this.o.onInstance?.(inst);
    try {
      await proc.waitForHealthy(this.healthUrl, this.o.healthTimeoutMs ?? 30_000);
    } catch (e) {
      const exited = !proc.running;
      inst.endedBy = 'failed to start';
      await proc.stop(1000);
      if (exited) {
        // A port clash looks like this too; the caller may try other ports.
        this.instances.pop();
        throw new EarlyExitError(`${this.name} exited before it was healthy: ${(e as Error).message}`);
      }
      throw e;
    }
    return inst;
  }

  private configText: string | undefined;
}

export class EarlyExitError extends Error {
  override name = 'EarlyExitError';
}
