/**
 * Starts a worker thread running a TypeScript module. Node 20 does not pass the tsx loader that
 * the parent was started with on to workers, so the worker boots from a plain-JS file that loads
 * tsx's API and imports the TypeScript entry through it. Works under `node --import tsx` and under
 * vitest alike.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOTSTRAP = new URL('./ts-worker-bootstrap.mjs', import.meta.url);

export interface TsWorkerData<T> {
  entry: string;
  data: T;
}

export function startTsWorker<T>(entry: URL, data: T, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  const workerData: TsWorkerData<T> = { entry: entry.href, data };
  return new Worker(BOOTSTRAP, { ...options, workerData });
}
