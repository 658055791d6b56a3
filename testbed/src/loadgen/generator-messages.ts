/** Messages between the pool (main thread) and generator worker threads. */
import type { LoadgenConfig } from './config.ts';
import type { GeneratorCounters, GeneratorResult } from './generator.ts';

export interface GeneratorWorkerData {
  config: LoadgenConfig;
  workerIndex: number;
  workerCount: number;
  runTag: number;
  traceLimit: number;
}

/** The run starts once every worker is ready, so the shared schedule begins at the same instant. */
export type ToWorker = { type: 'start'; epochMs: number } | { type: 'pause' } | { type: 'limit'; limit: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; counters: GeneratorCounters; queueSize: number }
  | { type: 'paused'; nextTrace: number }
  | { type: 'done'; result: GeneratorResult }
  | { type: 'failed'; message: string };
