/**
 * Runs a load: one Generator per worker, in worker threads (default) or all in this thread
 * (tests, custom transports). Workers share the run's schedule (epoch, trace index) and each plays
 * its own services, so the spans of one trace leave from different workers. When every worker is
 * done, their ledgers are merged and the ground truth is computed for the validator.
 */
import { randomInt } from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { plannedTraceCount, resolveLoadgenConfig, type LoadgenConfig, type LoadgenConfigInput } from './config.ts';
import { Generator, addCounters, newCounters, type GeneratorCounters, type GeneratorResult } from './generator.ts';
import type { FromWorker, GeneratorWorkerData, ToWorker } from './generator-messages.ts';
import type { LoadReport } from './load-report.ts';
import { SpanLedger } from './span-ledger.ts';
import { TracePlan } from './trace-plan.ts';
import { TraceTruth } from './trace-truth.ts';
import { createTransport } from './transports/create-transport.ts';
import type { SpanTransport } from './transports/span-transport.ts';
import { startTsWorker } from '../worker/ts-worker.ts';

export interface LoadRunOptions {
  /** Run every worker's Generator in this thread instead of in worker threads. */
  inThread?: boolean;
  /** In-thread only: the transport of each worker (default: the configured protocol). */
  transportFactory?: (workerIndex: number, config: LoadgenConfig) => SpanTransport;
}

export interface LoadRun {
  readonly config: LoadgenConfig;
  readonly runTag: number;
  /** Resolves with the run's epoch (wall clock ms of trace 0's start) once the workers are up. */
  readonly started: Promise<number>;
  /** Resolves with the merged report once every worker settled every span. */
  readonly done: Promise<LoadReport>;
  /** Stops starting traces (at one trace index for all workers), then lets the workers drain. */
  stop(): Promise<void>;
  /** Latest counters of all workers together. */
  progress(): GeneratorCounters;
}

interface WorkerHandle {
  pause(): Promise<number>;
  setLimit(limit: number): void;
  counters(): GeneratorCounters;
  result: Promise<GeneratorResult>;
}

export function startLoad(input: LoadgenConfigInput | LoadgenConfig, options: LoadRunOptions = {}): LoadRun {
  const config = resolveLoadgenConfig(input as LoadgenConfigInput);
  const runTag = config.run_tag ?? randomInt(0, 2 ** 32 - 1);
  const traceLimit = plannedTraceCount(config);
  const started = performance.now();
  let epochMs = 0;
  // Kept for progress(), which answers synchronously (empty until the workers are up).
  let latestHandles: WorkerHandle[] = [];

  let handles: Promise<WorkerHandle[]>;
  if (options.inThread) {
    epochMs = Date.now();
    handles = Promise.resolve(
      Array.from({ length: config.workers }, (_, w) => {
        const transport = options.transportFactory?.(w, config) ?? createTransport(config);
        const g = new Generator({ config, workerIndex: w, workerCount: config.workers, runTag, epochMs, transport, traceLimit });
        return {
          pause: async () => g.pause(),
          setLimit: (limit: number) => g.setTraceLimit(limit),
          counters: () => g.counters,
          result: g.run(),
        };
      }),
    );
  } else {
    handles = startWorkers(config, runTag, traceLimit).then(({ epoch, handles }) => {
      epochMs = epoch;
      return handles;
    });
  }

  void handles.then((hs) => (latestHandles = hs)).catch(() => {});

  const done = handles.then(async (hs) => {
    const results = await Promise.all(hs.map((h) => h.result));
    const plan = new TracePlan(config);
    const traceCount = Math.max(...results.map((r) => r.tracesStarted));
    const ledger = new SpanLedger(plan.spansPerTrace, traceCount);
    ledger.ensureTraces(traceCount);
    for (const r of results) ledger.merge(r.ledger);
    const workerCounters = results.map((r) => r.counters);
    const report: LoadReport = {
      config,
      runTag,
      epochMs,
      traceCount,
      truth: TraceTruth.fromPlan(plan, traceCount, config.tenants),
      ledger,
      counters: workerCounters.reduce(addCounters, newCounters()),
      workerCounters,
      elapsedMs: performance.now() - started,
    };
    return report;
  });

  const startedAt = handles.then(() => epochMs);
  // A failed start is reported by done too; nobody has to await this one.
  startedAt.catch(() => {});
  return {
    config,
    runTag,
    started: startedAt,
    done,
    async stop() {
      const hs = await handles;
      const next = await Promise.all(hs.map((h) => h.pause()));
      const limit = Math.max(...next);
      for (const h of hs) h.setLimit(limit);
    },
    progress() {
      const total = newCounters();
      // Before the workers are up there is nothing to add.
      for (const h of latestHandles) addCounters(total, h.counters());
      return total;
    },
  };
}

async function startWorkers(config: LoadgenConfig, runTag: number, traceLimit: number): Promise<{ epoch: number; handles: WorkerHandle[] }> {
  const entry = new URL('./generator-worker.ts', import.meta.url);
  const workers: Worker[] = [];
  const ready: Promise<void>[] = [];
  const handles: WorkerHandle[] = [];
  for (let w = 0; w < config.workers; w++) {
    const data: GeneratorWorkerData = { config, workerIndex: w, workerCount: config.workers, runTag, traceLimit };
    const worker = startTsWorker(entry, data);
    workers.push(worker);
    let counters = newCounters();
    let pauseWaiter: ((n: number) => void) | undefined;
    let onReady!: () => void;
    const isReady = new Promise<void>((r) => (onReady = r));
    const result = new Promise<GeneratorResult>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') onReady();
        else if (m.type === 'progress') counters = m.counters;
        else if (m.type === 'paused') pauseWaiter?.(m.nextTrace);
        else if (m.type === 'done') {
          counters = m.result.counters;
          resolve(m.result);
          void worker.terminate();
        } else if (m.type === 'failed') reject(new Error(`generator worker ${w} failed: ${m.message}`));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`generator worker ${w} exited (code ${code}) before reporting`)));
    });
    // A failing worker takes the others down with it (and fails the start if it is not ready yet).
    result.catch(() => workers.forEach((x) => void x.terminate()));
    ready.push(Promise.race([isReady, result.then(() => {})]));
    handles.push({
      // A worker that already finished answers no more messages: its result says where it stopped.
      pause: () =>
        Promise.race([
          new Promise<number>((resolve) => {
            pauseWaiter = resolve;
            worker.postMessage({ type: 'pause' } satisfies ToWorker);
          }),
          result.then((r) => r.tracesStarted),
        ]),
      setLimit: (limit) => worker.postMessage({ type: 'limit', limit } satisfies ToWorker),
      counters: () => counters,
      result,
    });
  }
  await Promise.all(ready);
  const epoch = Date.now();
  for (const worker of workers) worker.postMessage({ type: 'start', epochMs: epoch } satisfies ToWorker);
  return { epoch, handles };
}
