/** What a finished load run hands to the validator. */
import type { LoadgenConfig } from './config.ts';
import type { GeneratorCounters } from './generator.ts';
import type { SpanLedger } from './span-ledger.ts';
import type { TraceTruth } from './trace-truth.ts';

export interface LoadReport {
  config: LoadgenConfig;
  runTag: number;
  epochMs: number;
  /** Traces generated: [0, traceCount). */
  traceCount: number;
  truth: TraceTruth;
  ledger: SpanLedger;
  /** All workers together. */
  counters: GeneratorCounters;
  workerCounters: GeneratorCounters[];
  elapsedMs: number;
}
