/**
 * The ground truth of every trace in a run, in columns: endpoint, tenant, error, slow, span count,
 * duration. Computed from the plan (every worker and the validator agree on it).
 */
import { newTraceFacts, type TracePlan } from './trace-plan.ts';

export const TraceFlag = { ERROR: 1, SLOW: 2 } as const;

export class TraceTruth {
  readonly flags: Uint8Array;
  readonly endpoint: Uint16Array;
  readonly tenant: Uint8Array;
  readonly spanCount: Uint16Array;
  readonly durationMs: Float32Array;
  readonly salt0: Uint32Array;
  readonly salt1: Uint32Array;

  constructor(
    readonly count: number,
    readonly endpointCount: number,
    readonly tenantNames: readonly string[],
  ) {
    this.flags = new Uint8Array(count);
    this.endpoint = new Uint16Array(count);
    this.tenant = new Uint8Array(count);
    this.spanCount = new Uint16Array(count);
    this.durationMs = new Float32Array(count);
    this.salt0 = new Uint32Array(count);
    this.salt1 = new Uint32Array(count);
  }

  static fromPlan(plan: TracePlan, count: number, tenantNames: readonly string[]): TraceTruth {
    const truth = new TraceTruth(count, plan.endpointCount, tenantNames);
    const f = newTraceFacts();
    for (let t = 0; t < count; t++) {
      plan.describe(t, f);
      truth.flags[t] = (f.error ? TraceFlag.ERROR : 0) | (f.slow ? TraceFlag.SLOW : 0);
      truth.endpoint[t] = f.endpoint;
      truth.tenant[t] = f.tenant;
      truth.spanCount[t] = plan.spansPerTrace;
      truth.durationMs[t] = f.durationNs / 1e6;
      truth.salt0[t] = f.salt0;
      truth.salt1[t] = f.salt1;
    }
    return truth;
  }

  isError(t: number): boolean {
    return (this.flags[t]! & TraceFlag.ERROR) !== 0;
  }
  isSlow(t: number): boolean {
    return (this.flags[t]! & TraceFlag.SLOW) !== 0;
  }
}
