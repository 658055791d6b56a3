/**
 * What every trace of a run looks like, derived from the config and the trace index alone:
 * the span tree (the same for every trace), which service emits each span, the endpoint (Zipf),
 * tenant, error, slowness and duration of trace t. Workers, the validator and tests all build the
 * same plan and get the same answers.
 */
import type { LoadgenConfig } from './config.ts';
import { hash3, unitFloat } from './hash.ts';
import { ZipfTable } from './zipf.ts';
import { SpanKind } from '../proto/otlp-fields.ts';

/** Facts about one trace; `describe` fills a caller-owned instance so the hot path allocates nothing. */
export interface TraceFacts {
  endpoint: number;
  tenant: number;
  error: boolean;
  slow: boolean;
  /** Root span duration. */
  durationNs: number;
  /** Root span start, relative to the run's start. */
  startOffsetNs: number;
  /** Random trace id bytes 8..15 as two 32-bit words. */
  salt0: number;
  salt1: number;
}

export function newTraceFacts(): TraceFacts {
  return { endpoint: 0, tenant: 0, error: false, slow: false, durationNs: 0, startOffsetNs: 0, salt0: 0, salt1: 0 };
}

// Draw numbers: one independent hash per decision.
const DRAW_ENDPOINT = 0;
const DRAW_TENANT = 1;
const DRAW_ERROR = 2;
const DRAW_SLOW = 3;
const DRAW_DURATION = 4;
const DRAW_SALT0 = 5;
const DRAW_SALT1 = 6;

export class TracePlan {
  readonly spansPerTrace: number;
  readonly depth: number;
  readonly serviceCount: number;
  readonly endpointCount: number;
  /** At least 1: with no tenants configured every trace has tenant 0 and no header is sent. */
  readonly tenantCount: number;
  readonly seed: number;
  /** Span j's parent index, -1 for the root (span 0). */
  readonly parentOf: Int32Array;
  readonly levelOf: Uint16Array;
  /** Start and end of span j as fractions of the root's duration. */
  readonly startFraction: Float64Array;
  readonly endFraction: Float64Array;
  /** Service of span j in a trace of endpoint e, at [e * spansPerTrace + j]. */
  readonly serviceOf: Uint16Array;
  /** Span kind of span j in a trace of endpoint e, same indexing. */
  readonly kindOf: Uint8Array;
  readonly zipf: ZipfTable;
  /** Nanoseconds between two trace starts (all workers together). */
  readonly traceIntervalNs: number;
  readonly slowThresholdNs: number;
  private readonly errorRate: number;
  private readonly slowShare: number;
  private readonly fastMinNs: number;
  private readonly fastMaxNs: number;
  private readonly slowMinNs: number;
  private readonly slowMaxNs: number;

  constructor(c: LoadgenConfig) {
    const s = c.shape;
    const n = s.spans_per_trace;
    this.spansPerTrace = n;
    this.depth = s.depth;
    this.serviceCount = s.services;
    this.endpointCount = s.endpoints;
    this.tenantCount = Math.max(1, c.tenants.length);
    this.seed = c.seed | 0;
    this.errorRate = s.error_rate;
    this.slowShare = s.slow_share;
    this.slowThresholdNs = s.slow_threshold * 1e6;
    this.fastMinNs = s.fast_min * 1e6;
    this.fastMaxNs = s.fast_max * 1e6;
    this.slowMinNs = this.slowThresholdNs * 1.1;
    this.slowMaxNs = this.slowThresholdNs * s.slow_max_factor;
    this.traceIntervalNs = 1e9 / (c.rate / n);
    this.zipf = new ZipfTable(s.endpoints, s.zipf_exponent);

    this.parentOf = new Int32Array(n);
    this.levelOf = new Uint16Array(n);
    this.startFraction = new Float64Array(n);
    this.endFraction = new Float64Array(n);
    buildTree(n, s.depth, this.parentOf, this.levelOf);
    layOutTimes(this.parentOf, this.startFraction, this.endFraction);

    this.serviceOf = new Uint16Array(s.endpoints * n);
    this.kindOf = new Uint8Array(s.endpoints * n);
    for (let e = 0; e < s.endpoints; e++) {
      const rootService = e % s.services;
      for (let j = 0; j < n; j++) {
        const service = (rootService + j) % s.services;
        this.serviceOf[e * n + j] = service;
        const parent = this.parentOf[j]!;
        const sameAsParent = parent >= 0 && this.serviceOf[e * n + parent] === service;
        this.kindOf[e * n + j] = j === 0 || !sameAsParent ? SpanKind.SERVER : SpanKind.INTERNAL;
      }
    }
  }

  /** Fills `out` with the facts of trace t. */
  describe(t: number, out: TraceFacts): TraceFacts {
    const seed = this.seed;
    out.endpoint = this.zipf.pick(unitFloat(hash3(seed, t, DRAW_ENDPOINT)));
    out.tenant = this.tenantCount === 1 ? 0 : Math.floor(unitFloat(hash3(seed, t, DRAW_TENANT)) * this.tenantCount);
    out.error = unitFloat(hash3(seed, t, DRAW_ERROR)) < this.errorRate;
    out.slow = unitFloat(hash3(seed, t, DRAW_SLOW)) < this.slowShare;
    const u = unitFloat(hash3(seed, t, DRAW_DURATION));
    out.durationNs = Math.round(
      out.slow ? this.slowMinNs + (this.slowMaxNs - this.slowMinNs) * u : this.fastMinNs + (this.fastMaxNs - this.fastMinNs) * u,
    );
    out.startOffsetNs = Math.round(t * this.traceIntervalNs);
    out.salt0 = hash3(seed, t, DRAW_SALT0);
    out.salt1 = hash3(seed, t, DRAW_SALT1);
    return out;
  }

  /** Whether span j of an error trace carries status ERROR: the root and the last span. */
  spanIsError(j: number): boolean {
    return j === 0 || j === this.spansPerTrace - 1;
  }

  /** Start offset (ns from run start) of span j of a trace described by `f`. */
  spanStartNs(f: TraceFacts, j: number): number {
    return f.startOffsetNs + Math.round(f.durationNs * this.startFraction[j]!);
  }

  spanEndNs(f: TraceFacts, j: number): number {
    return f.startOffsetNs + Math.round(f.durationNs * this.endFraction[j]!);
  }

  serviceName(service: number): string {
    return `service-${service}`;
  }

  endpointRoute(endpoint: number): string {
    return `/api/v1/endpoint-${endpoint}`;
  }

  spanName(endpoint: number, j: number): string {
    if (j === 0) return `GET ${this.endpointRoute(endpoint)}`;
    return `${this.serviceName(this.serviceOf[endpoint * this.spansPerTrace + j]!)} op-${j}`;
  }
}

/** Breadth-first tree: level 0 is the root, the other spans spread evenly over levels 1..depth-1. */
function buildTree(n: number, depth: number, parentOf: Int32Array, levelOf: Uint16Array): void {
  parentOf[0] = -1;
  if (n === 1) return;
  const levels = Math.max(1, depth - 1);
  const base = Math.floor((n - 1) / levels);
  const extra = (n - 1) % levels;
  let prevStart = 0;
  let prevSize = 1;
  let next = 1;
  for (let level = 1; level <= levels; level++) {
    const size = base + (level <= extra ? 1 : 0);
    if (size === 0) break;
    for (let i = 0; i < size; i++) {
      parentOf[next] = prevStart + (i % prevSize);
      levelOf[next] = level;
      next++;
    }
    prevStart = next - size;
    prevSize = size;
  }
}

/** Children share their parent's interval one after the other, each strictly inside it. */
function layOutTimes(parentOf: Int32Array, start: Float64Array, end: Float64Array): void {
  const n = parentOf.length;
  start[0] = 0;
  end[0] = 1;
  const childCount = new Uint32Array(n);
  for (let j = 1; j < n; j++) childCount[parentOf[j]!]!++;
  const childSeen = new Uint32Array(n);
  // Parents precede children in breadth-first order, so one forward pass suffices.
  for (let j = 1; j < n; j++) {
    const p = parentOf[j]!;
    const k = childCount[p]!;
    const i = childSeen[p]!++;
    const width = end[p]! - start[p]!;
    start[j] = start[p]! + width * (0.05 + (0.9 * i) / k);
    end[j] = start[j]! + ((width * 0.9) / k) * 0.9;
  }
}
