/**
 * Per-worker cache of trace facts in columns, indexed by trace index modulo a power of two. A slot
 * whose stored index differs is recomputed from the plan, so the cache is always correct and only
 * its hit rate depends on its size. Hot-path readers take the slot and read the columns: no object
 * per trace.
 */
import { newTraceFacts, type TracePlan } from './trace-plan.ts';

export class TraceFactsCache {
  private readonly mask: number;
  private readonly traceOf: Float64Array; // float64 so every uint32 trace index and -1 (empty) fit
  readonly endpoint: Uint16Array;
  readonly tenant: Uint8Array;
  readonly error: Uint8Array;
  readonly durationNs: Float64Array;
  readonly startOffsetNs: Float64Array;
  readonly salt0: Uint32Array;
  readonly salt1: Uint32Array;
  private readonly scratch = newTraceFacts();

  constructor(
    private readonly plan: TracePlan,
    minSlots: number,
  ) {
    let size = 1024;
    while (size < minSlots) size *= 2;
    this.mask = size - 1;
    this.traceOf = new Float64Array(size).fill(-1);
    this.endpoint = new Uint16Array(size);
    this.tenant = new Uint8Array(size);
    this.error = new Uint8Array(size);
    this.durationNs = new Float64Array(size);
    this.startOffsetNs = new Float64Array(size);
    this.salt0 = new Uint32Array(size);
    this.salt1 = new Uint32Array(size);
  }

  /** The slot holding trace t's facts (computed on a miss). */
  slot(t: number): number {
    const s = t & this.mask;
    if (this.traceOf[s] === t) return s;
    const f = this.plan.describe(t, this.scratch);
    this.traceOf[s] = t;
    this.endpoint[s] = f.endpoint;
    this.tenant[s] = f.tenant;
    this.error[s] = f.error ? 1 : 0;
    this.durationNs[s] = f.durationNs;
    this.startOffsetNs[s] = f.startOffsetNs;
    this.salt0[s] = f.salt0;
    this.salt1[s] = f.salt1;
    return s;
  }
}
