/**
 * Runs scenarios: for each run (the scenario, or each of its variants) it chooses the collector
 * templates (or skips, saying why), starts the backend, proxies and collectors, drives the load,
 * plays the faults on the load's clock, waits for the pipeline to drain, reads the backend and the
 * collectors' final metrics, accounts for every span and checks the assertions. Every process it
 * starts is stopped before it returns, also on failure; an abort (Ctrl-C) ends the run at once with
 * status "interrupted".
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { accountSpans, type AccountingResult } from '../accounting/span-accounting.ts';
import { scrapePrometheus, type PromSample } from '../accounting/prometheus-text.ts';
import { parseDurationMs } from '../loadgen/config.ts';
import { startLoad, type LoadRun } from '../loadgen/load-run.ts';
import type { LoadReport } from '../loadgen/load-report.ts';
import { ResourceSampler } from '../process/resource-sampler.ts';
import { REPO_ROOT, runPlans, type LoadedScenario, type RunPlan } from '../scenario/load-scenario.ts';
import type { FaultSpec } from '../scenario/scenario-schema.ts';
import { builtinCollectorCommand, listComponents, type CollectorCommand, type CollectorComponents } from '../topology/collector-command.ts';
import { collectorCounters } from '../topology/collector-metrics.ts';
import { netnsPreflight } from '../topology/netns.ts';
import { round1, round3, type ProcessInstance } from '../topology/process-instance.ts';
import { planTopology, Topology, type TopologyPlan } from '../topology/topology.ts';
import { evaluateAssertions } from './assertions.ts';
import { waitForDrain } from './drain.ts';
import { FaultRunner } from './fault-runner.ts';
import { combineAccounting, explainLoss, missingSpanTimes, withCountedDrops } from './loss.ts';
import { MetricsWatcher, type ProgressSnapshot } from './metrics-watcher.ts';
import { RunLog } from './run-log.ts';
import type { RunExtension } from './run-extension.ts';
import { wireSizeExtension } from '../report/wire-sizes.ts';
import { writeReports } from '../report/write-report.ts';
import { scenarioStatus, type LoadResult, type OomOutcome, type ProcessResult, type RunResult, type ScenarioResult } from './run-result.ts';

export interface RunOptions {
  /** Overrides of the scenario's load rate (spans/s) and duration (ms); fault times scale with the duration. */
  rate?: number;
  durationMs?: number;
  /** The collector binary (default: ours). */
  command?: CollectorCommand;
  /** Components of the collector, when already known (asked once per process otherwise). */
  components?: { components?: CollectorComponents; error?: string };
  /** An external pipeline's OTLP endpoint: no collectors are started, the load goes there. */
  target?: string;
  /** Prometheus URLs of the external pipeline, for its counted drops. */
  targetMetrics?: string[];
  backendGrpcPort?: number;
  backendHttpPort?: number;
  /** Where reports/<time>-<scenario>/ go (default: <repo>/reports). */
  reportsDir?: string;
  signal?: AbortSignal;
  /** Run log lines, as they happen. */
  log?: (line: string) => void;
  onProgress?: (snapshot: ProgressSnapshot, plan: RunPlan) => void;
  /** Extra collection around each run (Prometheus, CPU profiles); the wire-size sample is always added. */
  extensions?: RunExtension[];
}

const componentsCache = new Map<string, Promise<{ components?: CollectorComponents; error?: string }>>();

/** The collector's components, asked once per command. */
export function collectorComponents(command: CollectorCommand): Promise<{ components?: CollectorComponents; error?: string }> {
  let p = componentsCache.get(command.display);
  if (!p) componentsCache.set(command.display, (p = listComponents(command)));
  return p;
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Runs every run of a scenario and writes reports/<time>-<scenario>/report.{json,md,html}. */
export async function runScenario(s: LoadedScenario, o: RunOptions = {}): Promise<ScenarioResult> {
  const dir = join(o.reportsDir ?? join(REPO_ROOT, 'reports'), `${timestamp()}-${s.name}`);
  const plans = runPlans(s);
  const runs: RunResult[] = [];
  const opts: RunOptions = { ...o, extensions: [wireSizeExtension(), ...(o.extensions ?? [])] };
  for (const plan of plans) {
    if (o.signal?.aborted) break;
    const runDir = plan.variant ? join(dir, plan.variant) : dir;
    const run = await runPlan(plan, runDir, opts);
    for (const ext of opts.extensions!) {
      if (!ext.afterRun || run.status === 'interrupted') continue;
      await ext.afterRun(run, plan, runDir).catch((e: Error) => o.log?.(`${ext.name}: ${e.message}`));
    }
    runs.push(run);
  }
  const result: ScenarioResult = { scenario: s.name, file: s.file, status: scenarioStatus(runs), runs };
  mkdirSync(dir, { recursive: true });
  for (const r of runs) r.reportDir = dir;
  await writeReports(dir, result, { log: o.log });
  return result;
}

interface ActiveLoad {
  name: string;
  endpoint: string;
  rate: number;
  durationMs: number;
  run: LoadRun;
}

/** One run: the scenario or one variant. Never throws: failures become status "error". */
export async function runPlan(plan: RunPlan, runDir: string, o: RunOptions = {}): Promise<RunResult> {
  const startedWall = Date.now();
  mkdirSync(runDir, { recursive: true });
  const log = new RunLog(o.log, plan.variant ? `${plan.scenario}/${plan.variant} ` : `${plan.scenario} `);
  let command = o.command ?? builtinCollectorCommand();
  for (const ext of o.extensions ?? []) if (ext.command && !o.target) command = ext.command(command, runDir, plan);
  const scenarioDurationMs = parseDurationMs(plan.load.duration ?? 10_000);
  const runDurationMs = o.durationMs ?? scenarioDurationMs;
  const scenarioRate = plan.load.rate ?? 1000;
  const rate = o.rate ?? scenarioRate;
  const result: RunResult = {
    scenario: plan.scenario,
    variant: plan.variant,
    file: plan.file,
    description: plan.description,
    status: 'error',
    startedAt: new Date(startedWall).toISOString(),
    wallMs: 0,
    loadEpochMs: 0,
    collector: { command: o.target ? '(external)' : command.display, target: o.target },
    topology: { kind: plan.topology.kind, agents: 0, gateways: 0, requestedGateways: plan.topology.kind === 'tiered' ? plan.topology.gateways : 0, templates: {}, notes: [] },
    overrides: { rate: o.rate, durationMs: o.durationMs },
    load: { rate, durationMs: runDurationMs, protocol: plan.load.protocol ?? 'grpc', shape: plan.load.shape?.preset ?? 'classic' },
    loads: [],
    processes: [],
    series: [],
    faults: [],
    oom: [],
    events: [],
    assertions: [],
  };
  const finish = (): RunResult => {
    result.wallMs = Date.now() - startedWall;
    result.events = log.toResult(result.loadEpochMs || startedWall);
    return result;
  };

  // ---- what runs: templates for this collector, or a skip ----
  let faults: FaultSpec[] = plan.faults;
  let tplan: TopologyPlan;
  try {
    if (o.target) {
      const supported: FaultSpec[] = faults.filter((f) => f.type === 'backend_down');
      for (const f of faults) if (!supported.includes(f)) log.log(`--target: fault ${f.type} needs collectors the testbed starts; left out`);
      faults = supported;
      tplan = { kind: plan.topology.kind, agents: 0, gateways: 0, requestedGateways: 0, templates: {}, notes: [`--target ${o.target}: no collectors started; the load goes there and the pipeline must export to the backend`] };
    } else {
      await command.prepare();
      const c = o.components ?? (await collectorComponents(command));
      result.collector.components = c.components;
      result.collector.componentsError = c.error;
      if (c.error) log.log(`cannot list the collector's components (${c.error}); using the first template of each tier`);
      const p = planTopology(plan, c.components);
      if ('skipReason' in p) {
        result.status = 'skipped';
        result.skipReason = p.skipReason;
        log.log(`skipped: ${p.skipReason}`);
        return finish();
      }
      tplan = p;
    }
    if (faults.some((f) => f.type === 'network_partition' && f.netns)) {
      const why = await netnsPreflight();
      if (why) {
        result.status = 'skipped';
        result.skipReason = `network_partition with netns: true: ${why}`;
        log.log(`skipped: ${result.skipReason}`);
        return finish();
      }
    }
  } catch (e) {
    result.error = (e as Error).message;
    log.log(`error: ${result.error}`);
    return finish();
  }
  result.topology = {
    kind: tplan.kind,
    agents: tplan.agents,
    gateways: tplan.gateways,
    requestedGateways: tplan.requestedGateways,
    templates: Object.fromEntries(Object.entries(tplan.templates).map(([role, t]) => [role, t.ref.source])),
    notes: tplan.notes,
  };
  for (const n of tplan.notes) log.log(n);

  // ---- run ----
  const loads: ActiveLoad[] = [];
  const loadConfig = { ...plan.load, rate, duration: runDurationMs };
  let epochMs = 0;
  let aborted = false;
  let faultRunner: FaultRunner | undefined;
  const onInstance = (inst: ProcessInstance): void => {
    for (const ext of o.extensions ?? []) ext.onProcess?.({ name: inst.name, role: inst.role, instance: inst.instance, pid: inst.pid, metricsUrl: inst.extra.endpoints?.metrics }, plan);
    void inst.process.exited.then((e) => {
      if (inst.endedBy) return;
      if (aborted) {
        inst.endedBy = 'interrupted';
        return;
      }
      inst.endedBy = 'exited unexpectedly';
      if (epochMs === 0) return;
      const limit = inst.extra.memoryLimit;
      const kills = limit?.oomKills();
      log.log(`${inst.name} (pid ${inst.pid}) exited unexpectedly: ${e.signal ?? `code ${e.code}`}${kills ? ` (cgroup oom_kill ${kills})` : ''}`);
      faultRunner?.noteUnexpectedExit(inst);
    });
  };
  const topology = new Topology({
    plan: tplan,
    faults,
    command,
    runDir,
    sampleIntervalMs: plan.sampleIntervalMs,
    loadProtocol: loadConfig.protocol ?? 'grpc',
    tenantHeader: loadConfig.tenant_header ?? 'x-tenant-id',
    log: (m) => log.log(m),
    target: o.target,
    backendGrpcPort: o.backendGrpcPort,
    backendHttpPort: o.backendHttpPort,
    onInstance,
  });
  const selfWall0 = Date.now();
  const selfSampler = new ResourceSampler(process.pid, plan.sampleIntervalMs).start();
  const watcher = new MetricsWatcher(
    topology,
    () => loads.map((l) => l.run),
    plan.scrapeIntervalMs,
    o.onProgress ? (s) => o.onProgress!(s, plan) : undefined,
  );
  const onAbort = (): void => {
    aborted = true;
    log.log('interrupted: stopping the load and every process');
    faultRunner?.cancel();
    for (const l of loads) void l.run.stop().catch(() => {});
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const abortable = <T>(p: Promise<T>): Promise<T | undefined> =>
    o.signal ? Promise.race([p, new Promise<undefined>((resolve) => (o.signal!.aborted ? resolve(undefined) : o.signal!.addEventListener('abort', () => resolve(undefined), { once: true })))]) : p;

  let received;
  const finalScrapes: PromSample[][] = [];
  const healthyAtEnd = new Map<string, boolean>();
  const loadReports: { name: string; report: LoadReport; active: ActiveLoad }[] = [];
  try {
    if (o.signal?.aborted) throw new AbortedError();
    await topology.start();
    if (aborted) throw new AbortedError();
    for (const ext of o.extensions ?? []) await ext.beforeLoad?.(plan, runDir).catch((e: Error) => log.log(`${ext.name}: ${e.message}`));

    const endpoints = topology.loadEndpoints();
    endpoints.forEach((endpoint, i) => {
      const name = endpoints.length > 1 ? `main:agent-${i}` : 'main';
      const cfg = { ...loadConfig, endpoint, rate: rate / endpoints.length, seed: (loadConfig.seed ?? 1) + i };
      loads.push({ name, endpoint, rate: cfg.rate, durationMs: runDurationMs, run: startLoad(cfg) });
    });
    const epochs = await abortable(Promise.all(loads.map((l) => l.run.started)));
    if (!epochs) throw new AbortedError();
    epochMs = Math.min(...epochs);
    result.loadEpochMs = epochMs;
    log.epochMs = epochMs;
    log.log(`load: ${Math.round(rate)} spans/s for ${(runDurationMs / 1000).toFixed(1)}s over ${loadConfig.protocol ?? 'grpc'} to ${endpoints.join(', ')}`);

    faultRunner = new FaultRunner(faults, {
      topology,
      log,
      scenarioDurationMs,
      runDurationMs,
      rateScale: rate / scenarioRate,
      agentsBalance: tplan.kind === 'tiered' && !tplan.templates.agent!.ref.single_gateway,
      startSpike: (spikeRate, durationMs) => {
        const endpoint = endpoints[0]!;
        const cfg = { ...loadConfig, endpoint, rate: spikeRate, duration: durationMs, seed: (loadConfig.seed ?? 1) + 1000 };
        loads.push({ name: 'spike', endpoint, rate: spikeRate, durationMs, run: startLoad(cfg) });
      },
    });
    watcher.start(epochMs);
    faultRunner.start(epochMs);

    // The loads end, the faults finish (a window may outlast the load), spikes end.
    if ((await abortable(faultRunner.done().then(() => true))) === undefined) throw new AbortedError();
    for (let seen = 0; seen < loads.length; ) {
      const batch = loads.slice(seen);
      seen = loads.length;
      const done = await abortable(Promise.all(batch.map((l) => l.run.done)));
      if (!done) throw new AbortedError();
      loadReports.push(...done.map((report, k) => ({ name: batch[k]!.name, report, active: batch[k]! })));
    }
    log.log(`load done: ${loadReports.reduce((a, l) => a + l.report.counters.spansAccepted, 0)} spans accepted at the edge`);
    await watcher.stop();

    const drain = await waitForDrain(topology, { timeoutMs: plan.drain.timeout, settleMs: plan.drain.settle, signal: o.signal });
    if (aborted) throw new AbortedError();
    log.log(
      drain.drained
        ? `drained in ${drain.waitedMs} ms (${drain.reason})`
        : `drain timed out after ${drain.waitedMs} ms; still held: ${Object.entries(drain.holding).map(([n, k]) => `${n} ${k}`).join(', ') || 'nothing counted'}; what is still in flight counts as missing`,
    );
    result.drain = drain;

    // Final counters: running processes now, ended ones from their last scrape.
    for (const n of topology.allCollectors) {
      if (n.running) {
        healthyAtEnd.set(n.name, await n.healthy());
        await n.scrape(true).catch((e: Error) => log.log(`final scrape of ${n.name} failed: ${e.message}`));
      }
    }
    for (const n of topology.allCollectors) for (const inst of n.instances) if (inst.countingScrape) finalScrapes.push(inst.countingScrape.samples);
    for (const url of o.targetMetrics ?? []) finalScrapes.push(await scrapePrometheus(url));
    received = await topology.backend.admin.spans();
    log.log(`backend holds ${received.count} spans`);
    result.status = 'passed'; // provisional: the assertions decide
  } catch (e) {
    if (e instanceof AbortedError || aborted) {
      result.status = 'interrupted';
    } else {
      result.status = 'error';
      result.error = (e as Error).message;
      log.log(`error: ${result.error}`);
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    faultRunner?.cancel();
    await watcher.stop();
    await topology.stop();
    const self = selfSampler.stop();
    const epoch = epochMs || startedWall;
    result.processes = [...topology.instances.map((i) => i.toResult(epoch)), loadgenProcess(selfSampler, self, selfWall0, epoch)];
    result.series = watcher.toResult();
    result.faults = faultRunner?.toResult() ?? [];
  }
  if (result.status === 'interrupted' || result.status === 'error' || !received) return finish();

  // ---- accounting ----
  const perLoad: AccountingResult[] = [];
  const missingTimes: number[] = [];
  for (const l of loadReports) {
    const accounting = accountSpans({ load: l.report, received, collectorMetrics: [], dropMetrics: [], sampling: plan.sampling });
    perLoad.push(accounting);
    const loadResult: LoadResult = {
      name: l.name,
      runTag: l.report.runTag,
      endpoint: l.active.endpoint,
      rate: l.active.rate,
      durationMs: l.active.durationMs,
      traces: l.report.traceCount,
      elapsedMs: Math.round(l.report.elapsedMs),
      counters: l.report.counters,
      accounting,
    };
    result.loads.push(loadResult);
    for (const t of missingSpanTimes(l.report, received, epochMs, plan.sampling)) missingTimes.push(t);
  }
  const combined = withCountedDrops(combineAccounting(perLoad), finalScrapes);
  // Each load sees the others' spans as foreign and every row as received: fix both for the sum.
  combined.spans.receivedTotal = received.count;
  combined.spans.foreign = received.count - perLoad.reduce((acc, a) => acc + a.spans.receivedUnique + a.spans.duplicates, 0);
  // A killed process held spans sent up to a flush interval and two batch timeouts before the kill.
  const before = (loadConfig.flush_interval === undefined ? 1000 : parseDurationMs(loadConfig.flush_interval)) + 2000;
  const windows = faultRunner!.crashWindows(Date.now(), before, 2000);
  result.accounting = combined;
  result.loss = explainLoss(combined, missingTimes, windows);
  log.log(`loss: ${result.loss.text}`);
  result.oom = oomOutcomes(faults, topology, healthyAtEnd, result.processes);
  for (const oo of result.oom) log.log(`oom ${oo.process}: ${oo.verdict} (${oo.note})`);
  result.assertions = evaluateAssertions(plan.assertions, { accounting: combined, loss: result.loss, processes: result.processes, oom: result.oom });
  result.status = result.assertions.every((a) => a.passed) ? 'passed' : 'failed';
  return finish();
}

class AbortedError extends Error {
  override name = 'AbortedError';
}

function loadgenProcess(sampler: ResourceSampler, s: ReturnType<ResourceSampler['summary']>, wall0: number, epoch: number): ProcessResult {
  const series = sampler.series();
  const MiB = 1024 * 1024;
  return {
    name: 'testbed',
    role: 'loadgen',
    instance: 1,
    pid: process.pid,
    command: 'testbed (load generator workers, proxies, accounting)',
    startedAtMs: wall0 - epoch,
    resources: {
      summary: {
        samples: s.samples,
        cpuSeconds: round3(s.cpuSeconds),
        cpuAvgPercent: round1(s.cpuAvgPercent),
        cpuMaxPercent: round1(s.cpuMaxPercent),
        rssMaxMiB: round1(s.rssMaxBytes / MiB),
        rssLastMiB: round1(s.rssLastBytes / MiB),
      },
      series: {
        timeMs: Array.from(series.timeMs, (t) => Math.round(wall0 + t - epoch)),
        cpuPercent: Array.from(series.cpuPercent, round1),
        rssMiB: Array.from(series.rssBytes, (b) => round1(b / MiB)),
      },
    },
  };
}

function oomOutcomes(faults: readonly FaultSpec[], topology: Topology, healthyAtEnd: Map<string, boolean>, processes: readonly ProcessResult[]): OomOutcome[] {
  const out: OomOutcome[] = [];
  for (const f of faults) {
    if (f.type !== 'oom') continue;
    const node = topology.gatewayNode(f.gateway);
    if (!node) continue;
    const limit = topology.memoryLimitOf(node.name);
    const died = node.instances.find((i) => i.endedBy === 'exited unexpectedly');
    let refused = 0;
    let receiverRefused = 0;
    for (const inst of node.instances) {
      const s = inst.countingScrape;
      if (!s) continue;
      const c = collectorCounters(s.samples);
      refused += c.memoryLimiterRefused;
      receiverRefused += c.receiverRefused;
    }
    // The memory_limiter's refusals reach the receiver too: count them once.
    const refusedSpans = refused || receiverRefused;
    const rssMaxMiB = Math.max(0, ...processes.filter((p) => p.name === node.name).map((p) => p.resources.summary.rssMaxMiB));
    const recovered = healthyAtEnd.get(node.name) === true;
    const oomKills = limit?.oomKills();
    const verdict: OomOutcome['verdict'] = died ? 'killed' : refusedSpans > 0 ? 'refused' : 'recovered';
    const parts = [
      limit ? limit.note : 'no memory limit',
      died ? `exited with ${died.exit?.signal ?? `code ${died.exit?.code}`}${oomKills ? `, cgroup oom_kill ${oomKills}` : ''}` : 'never killed',
      `${refusedSpans} spans refused`,
      `rss max ${rssMaxMiB} MiB`,
      recovered ? 'healthy at the end' : 'not healthy at the end',
    ];
    out.push({
      process: node.name,
      method: limit?.method ?? 'heap',
      limitMiB: f.memory_limit_mib,
      killed: died !== undefined,
      exit: died?.exit ? { code: died.exit.code, signal: died.exit.signal } : undefined,
      oomKills,
      refusedSpans,
      recovered,
      rssMaxMiB,
      verdict,
      note: parts.join('; '),
    });
  }
  return out;
}


