/** Worker-thread entry: runs one Generator and reports progress and its ledger to the pool. */
import { parentPort, workerData } from 'node:worker_threads';
import type { TsWorkerData } from '../worker/ts-worker.ts';
import type { FromWorker, GeneratorWorkerData, ToWorker } from './generator-messages.ts';
import { Generator } from './generator.ts';
import { createTransport } from './transports/create-transport.ts';

const port = parentPort!;
const d = (workerData as TsWorkerData<GeneratorWorkerData>).data;
const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

async function runGenerator(epochMs: number): Promise<void> {
  const generator = new Generator({ ...d, epochMs, transport: createTransport(d.config) });
  port.on('message', (m: ToWorker) => {
    if (m.type === 'pause') post({ type: 'paused', nextTrace: generator.pause() });
    else if (m.type === 'limit') generator.setTraceLimit(m.limit);
  });
  const progress = setInterval(() => post({ type: 'progress', counters: generator.counters, queueSize: generator.queueSize }), 1000);
  const result = await generator.run();
  clearInterval(progress);
  const l = result.ledger;
  post({ type: 'done', result }, [l.outcome.buffer as ArrayBuffer, l.attempts.buffer as ArrayBuffer, l.refusals.buffer as ArrayBuffer]);
}

port.once('message', (m: ToWorker) => {
  if (m.type !== 'start') return;
  runGenerator(m.epochMs)
    .catch((e: unknown) => post({ type: 'failed', message: (e as Error).stack ?? String(e) }))
    .finally(() => port.close());
});
post({ type: 'ready' });
