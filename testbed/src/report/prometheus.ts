/**
 * --prometheus: a real Prometheus server (the Debian package's `prometheus` binary) scraping every
 * collector process of the run, and the seed PromQL queries asked over each run's window:
 *   otelcol_exporter_queue_size / otelcol_exporter_queue_capacity
 *   rate(otelcol_receiver_refused_spans[1m])
 *   otelcol_process_memory_rss
 *   rate(otelcol_exporter_send_failed_spans[1m])
 *
 * Targets are handed over through file_sd (a JSON file Prometheus watches), labelled with the
 * process name; Prometheus takes up to ~10 s to pick up a new target (its discovery and scrape
 * managers batch updates every 5 s), so the load waits until every collector has been scraped once.
 * A restarted process keeps its ports and so its target; its counters restart from zero, which
 * rate() treats as a counter reset.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { getFreePort } from '../process/free-port.ts';
import { ManagedProcess } from '../process/managed-process.ts';
import type { RunExtension } from '../run/run-extension.ts';
import type { RunPlan } from '../scenario/load-scenario.ts';
import type { PromQueryRecord, PrometheusRecord } from '../run/run-result.ts';

export const SEED_QUERIES: readonly string[] = [
  'otelcol_exporter_queue_size / otelcol_exporter_queue_capacity',
  'rate(otelcol_receiver_refused_spans[1m])',
  'otelcol_process_memory_rss',
  'rate(otelcol_exporter_send_failed_spans[1m])',
];

/** The prometheus binary on PATH, or undefined. */
export function findPrometheus(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'prometheus');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

interface Target {
  url: string;
  labels: Record<string, string>;
}

interface PromApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

export interface PrometheusServerOptions {
  /** Config, targets file and TSDB go here. */
  dir: string;
  scrapeIntervalMs?: number;
  binary?: string;
}

export class PrometheusServer {
  readonly scrapeIntervalMs: number;
  private proc: ManagedProcess | undefined;
  private port = 0;
  private readonly targets = new Map<string, Target>();
  version: string | undefined;

  constructor(private readonly o: PrometheusServerOptions) {
    this.scrapeIntervalMs = o.scrapeIntervalMs ?? 1000;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined;
  }

  async start(): Promise<void> {
    const binary = this.o.binary ?? findPrometheus();
    if (!binary) throw new Error('prometheus is not on PATH (Debian: apt-get install prometheus)');
    mkdirSync(this.o.dir, { recursive: true });
    try {
      this.version = /version (\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))?.[1];
    } catch {
      this.version = undefined;
    }
    this.writeTargets();
    const interval = `${Math.max(1, Math.round(this.scrapeIntervalMs / 1000))}s`;
    const config = join(this.o.dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global:',
        `  scrape_interval: ${interval}`,
        `  scrape_timeout: ${interval}`,
        `  evaluation_interval: ${interval}`,
        'scrape_configs:',
        '  - job_name: collectors',
        '    file_sd_configs:',
        `      - files: [${JSON.stringify(join(this.o.dir, 'targets.json'))}]`,
        '        refresh_interval: 1s',
        '',
      ].join('\n'),
    );
    this.port = await getFreePort();
    this.proc = await ManagedProcess.start({
      name: 'prometheus',
      command: binary,
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(this.o.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--storage.tsdb.retention.time=1d',
        '--log.level=warn',
      ],
      logFile: join(this.o.dir, 'prometheus.log'),
      stopGraceMs: 5000,
    });
    await this.proc.waitForHealthy(`${this.url}/-/ready`, 30_000);
  }

  setTarget(key: string, url: string, labels: Record<string, string>): void {
    this.targets.set(key, { url, labels });
    this.writeTargets();
  }

  clearTargets(): void {
    this.targets.clear();
    this.writeTargets();
  }

  /** Until every current target has been scraped successfully at least once. */
  async waitScraped(timeoutMs = 30_000): Promise<void> {
    const want = new Set([...this.targets.values()].map((t) => new URL(t.url).host));
    const deadline = Date.now() + timeoutMs;
    let seen = new Set<string>();
    while (Date.now() < deadline) {
      const r = await this.api<{ activeTargets: { scrapeUrl: string; health: string; lastScrape: string }[] }>('/api/v1/targets?state=active').catch(() => undefined);
      seen = new Set((r?.activeTargets ?? []).filter((t) => t.health === 'up' && !t.lastScrape.startsWith('0001')).map((t) => new URL(t.scrapeUrl).host));
      if ([...want].every((h) => seen.has(h))) return;
      await new Promise((res) => setTimeout(res, 250));
    }
    throw new Error(`Prometheus had not scraped ${[...want].filter((h) => !seen.has(h)).join(', ')} after ${timeoutMs} ms`);
  }

  /** A range query; points are [seconds since the epoch, value]. */
  async queryRange(query: string, startS: number, endS: number, stepS: number): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
    const q = new URLSearchParams({ query, start: String(startS), end: String(endS), step: String(stepS) });
    const r = await this.api<{ resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] }>(`/api/v1/query_range?${q}`);
    return r.result;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    await p?.stop();
  }

  private async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as PromApiResponse<T>;
    if (body.status !== 'success') throw new Error(body.error ?? `HTTP ${res.status}`);
    return body.data;
  }

  private writeTargets(): void {
    const file = join(this.o.dir, 'targets.json');
    const groups = [...this.targets.values()].map((t) => ({ targets: [new URL(t.url).host], labels: { ...t.labels, __metrics_path__: new URL(t.url).pathname } }));
    // Atomic: Prometheus must never read a half-written file.
    writeFileSync(`${file}.tmp`, JSON.stringify(groups));
    renameSync(`${file}.tmp`, file);
  }
}

/**
 * Asks every query over [fromMs, toMs] (epoch ms); points come back relative to epochMs. With
 * `run`, only series of that run's targets are kept: rate(x[1m]) still sees the previous run's
 * samples for a minute.
 */
export async function runQueries(server: PrometheusServer, queries: readonly string[], fromMs: number, toMs: number, epochMs: number, run?: string): Promise<PromQueryRecord[]> {
  const step = Math.max(1, Math.round(server.scrapeIntervalMs / 1000));
  const out: PromQueryRecord[] = [];
  for (const query of queries) {
    try {
      const result = await server.queryRange(query, Math.floor(fromMs / 1000), Math.ceil(toMs / 1000), step);
      out.push({
        query,
        series: result.filter((s) => run === undefined || s.metric.run === run).map((s) => {
          const { __name__: _name, job: _job, run: _run, ...labels } = s.metric;
          return { labels, points: s.values.map(([t, v]) => [Math.round(t * 1000 - epochMs), Number(v)] as [number, number]) };
        }),
      });
    } catch (e) {
      out.push({ query, series: [], error: (e as Error).message });
    }
  }
  return out;
}

const runLabel = (plan: RunPlan): string => (plan.variant ? `${plan.scenario}/${plan.variant}` : plan.scenario);

/**
 * The run extension: one Prometheus for the whole scenario (started at the first run), targets
 * replaced per run, queries after each run. Call close() when the scenario is done.
 */
export function prometheusExtension(o: { dir: string; scrapeIntervalMs?: number; queries?: readonly string[]; log?: (line: string) => void }): RunExtension & { close(): Promise<void>; server: PrometheusServer } {
  const server = new PrometheusServer({ dir: o.dir, scrapeIntervalMs: o.scrapeIntervalMs });
  let startError: string | undefined;
  let starting: Promise<void> | undefined;
  const ensureStarted = (): Promise<void> => {
    starting ??= server.start().then(
      () => o.log?.(`prometheus ${server.version ?? ''} on ${server.url} (data in ${o.dir})`),
      (e: Error) => {
        startError = e.message;
        o.log?.(`prometheus: ${e.message}`);
      },
    );
    return starting;
  };
  let runTargets: Record<string, string> = {};
  return {
    name: 'prometheus',
    server,
    command(command) {
      // A new run: forget the previous run's targets.
      runTargets = {};
      if (server.running) server.clearTargets();
      void ensureStarted();
      return command;
    },
    onProcess(p, plan) {
      if (!p.metricsUrl) return;
      runTargets[p.name] = p.metricsUrl;
      server.setTarget(p.name, p.metricsUrl, { process: p.name, role: p.role, run: runLabel(plan) });
    },
    async beforeLoad() {
      await ensureStarted();
      if (!startError) await server.waitScraped();
    },
    async afterRun(run, plan) {
      const record: PrometheusRecord = { version: server.version, scrapeIntervalMs: server.scrapeIntervalMs, targets: { ...runTargets }, queries: [] };
      run.prometheus = record;
      if (startError || !server.running) {
        record.error = startError ?? 'not running';
        return;
      }
      if (!run.loadEpochMs) {
        record.error = 'the load never started';
        return;
      }
      const endMs = run.loadEpochMs + Math.max(run.load.durationMs, ...run.series.map((s) => s.timeMs.at(-1) ?? 0)) + 2000;
      record.queries = await runQueries(server, o.queries ?? SEED_QUERIES, run.loadEpochMs - 2000, endMs, run.loadEpochMs, runLabel(plan));
    },
    close: () => server.stop(),
  };
}
