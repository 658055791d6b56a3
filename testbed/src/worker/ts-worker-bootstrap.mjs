// Plain JS on purpose: see ts-worker.ts. The entry reads its data from workerData.data.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
