/**
 * The per-span decision of otelcol's probabilistic_sampler (sampler_mode.go,
 * tracesprocessor.go: commonShouldSampleLogic), for the three modes:
 *
 * - hash_seed: h = FNV-1a-32(hash_seed as 4 little-endian bytes, then the 16 trace id bytes);
 *   sampled iff (h & 0x3fff) < trunc(float32(pct) * float32(163.84)). Expressed, as otelcol
 *   does, as a 56-bit threshold ((0x4000 - that) << 42) and randomness built from h, so kept
 *   spans get `ot=rv:<randomness>;th:<threshold>` in their tracestate. A span that already has
 *   an rv or th is an error (the consistent modes are meant for it).
 * - equalizing / proportional (OTEP 235): randomness = `rv` from the tracestate, else the trace
 *   id's low 56 bits; threshold from the percentage with sampling_precision hex digits
 *   (equalizing: never below an arriving th; proportional: arriving probability x ratio); kept
 *   spans get `ot=th:<threshold>`.
 *
 * Then, in order: an error (unparseable tracestate, missing randomness, rv/th in hash_seed
 * mode, an arriving th the randomness contradicts) gives the never-sample threshold with
 * fail_closed (default) and always-sample without; the span's `sampling.priority` attribute
 * overrides (0: never, > 0: always); sampled iff threshold <= randomness; a kept span's th is
 * raised (never lowered) and its tracestate re-serialized.
 *
 * Performance: spans without a tracestate (almost all) take a fast path on (hi 24 bits, lo 32
 * bits) number pairs; spans with one take the general BigInt path (decideGeneral), which the
 * tests check against the fast path.
 */
import { NONE, SPAN_STRIDE, S_END, S_START, S_TRACE_ID, type SpanBatch } from '../../pdata/span-batch.ts';
import { effectiveMode, type ProbabilisticSamplerConfig, type SamplerMode } from './config.ts';
import {
  ALL_PROBABILITIES_RANDOMNESS,
  ALWAYS_SAMPLE,
  MIN_SAMPLING_PROBABILITY,
  NEVER_SAMPLE,
  fromPair,
  hashRandomness,
  probabilityToThreshold,
  tValue,
  thresholdProbability,
  toPair,
  traceIdRandomness,
} from './threshold.ts';
import { PRIORITY_DEFER, PRIORITY_MUST, SpanScan } from './span-scan.ts';
import { parseW3CTraceState, TraceStateError, type W3CTraceState } from './tracestate.ts';

/** otelcol's `policy` label values, by index. */
export const POLICIES = ['trace_id_hash', 'trace_id_w3c', 'sampling_randomness', 'sampling_priority', 'missing_randomness'] as const;
export const P_TRACE_ID_HASH = 0;
export const P_TRACE_ID_W3C = 1;
export const P_SAMPLING_RANDOMNESS = 2;
export const P_SAMPLING_PRIORITY = 3;
export const P_MISSING_RANDOMNESS = 4;

const ALL_HI = 0xffffff;
const ALL_LO = 0xffffffff;
const NUM_HASH_BUCKETS = 0x4000;
const PERCENTAGE_SCALE = Math.fround(NUM_HASH_BUCKETS / 100); // Go: the untyped constant as float32

/** Why a span fell to the fail_closed / fail_open threshold (logged at debug level). */
export type SamplerErrorKind = 'tracestate' | 'missing_randomness' | 'randomness_in_use' | 'threshold_in_use' | 'inconsistent_threshold' | null;

export class SpanSampler {
  readonly mode: SamplerMode;
  private readonly never: boolean;
  private readonly failClosed: boolean;
  private readonly seedState: number;
  private readonly precision: number;
  private readonly ratio: number;
  /** Constant threshold of hash_seed / equalizing, and proportional's without an arriving th. */
  private readonly threshold: bigint;
  private readonly thHi: number;
  private readonly thLo: number;
  private readonly thValue: string;

  private readonly spanScan = new SpanScan();

  // Results of the last decide().
  sampled = false;
  policy = 0;
  /** The span's new tracestate, or null when it does not change. */
  newTraceState: string | null = null;
  error: SamplerErrorKind = null;
  errorDetail = '';

  constructor(cfg: ProbabilisticSamplerConfig) {
    this.mode = effectiveMode(cfg);
    this.failClosed = cfg.fail_closed;
    this.precision = cfg.sampling_precision;
    const pct = cfg.sampling_percentage > 100 ? 100 : cfg.sampling_percentage;
    const seed = Buffer.alloc(4);
    seed.writeUInt32LE(cfg.hash_seed >>> 0, 0);
    let h = 0x811c9dc5;
    for (const b of seed) h = Math.imul(h ^ b, 0x01000193);
    this.seedState = h >>> 0;
    this.ratio = Math.max(pct / 100, pct === 0 ? 0 : MIN_SAMPLING_PROBABILITY);
    let never = pct === 0;
    let threshold = NEVER_SAMPLE;
    if (!never) {
      if (this.mode === 'hash_seed') {
        // uint32(pct * percentageScaleFactor): float32 multiplication, truncated.
        const scaled = Math.trunc(Math.fround(Math.fround(pct) * PERCENTAGE_SCALE));
        if (scaled === 0) never = true;
        else threshold = BigInt(NUM_HASH_BUCKETS - scaled) << 42n;
      } else {
        threshold = probabilityToThreshold(this.ratio, this.precision) ?? NEVER_SAMPLE;
      }
    }
    this.never = never;
    this.threshold = never ? NEVER_SAMPLE : threshold;
    const p = toPair(this.threshold);
    this.thHi = p.hi;
    this.thLo = p.lo;
    this.thValue = tValue(this.threshold);
  }

  /** The configured threshold (tests, logs). */
  get configuredThreshold(): bigint {
    return this.threshold;
  }

  /** Scans span i: trace_state range and sampling.priority (span-scan.ts). */
  private scan(batch: SpanBatch, i: number): SpanScan {
    const o = i * SPAN_STRIDE;
    this.spanScan.scan(batch.spanBuffer(i), batch.spans[o + S_START]!, batch.spans[o + S_END]!);
    return this.spanScan;
  }

  private fail(kind: SamplerErrorKind, detail = ''): void {
    this.error = kind;
    this.errorDetail = detail;
  }

  /** Decides span i; results in sampled / policy / newTraceState / error. */
  decide(batch: SpanBatch, i: number): void {
    this.error = null;
    this.newTraceState = null;
    const sc = this.scan(batch, i);
    if (sc.tsStart >= 0) {
      this.decideGeneral(batch, i, batch.spanBuffer(i).toString('utf8', sc.tsStart, sc.tsEnd), sc.priority);
      return;
    }
    this.decideFast(batch, i, sc.priority);
  }

  /** Spans without a tracestate: constants and (hi, lo) pairs, no BigInt, no parsing. */
  private decideFast(batch: SpanBatch, i: number, prio: number): void {
    const tidOff = batch.spans[i * SPAN_STRIDE + S_TRACE_ID]!;
    let rHi = ALL_HI;
    let rLo = ALL_LO;
    let policy = P_MISSING_RANDOMNESS;
    let tHi = this.thHi;
    let tLo = this.thLo;
    let tv = this.thValue;
    let failed = false;
    if (this.never) {
      policy = P_SAMPLING_PRIORITY; // otelcol's neverSampler names its fake randomness so
    } else if (tidOff === NONE) {
      failed = true;
      this.fail('missing_randomness');
    } else {
      const buf = batch.spanBuffer(i);
      if (this.mode === 'hash_seed') {
        let h = this.seedState;
        for (let k = tidOff; k < tidOff + 16; k++) h = Math.imul(h ^ buf[k]!, 0x01000193);
        // hashRandomness() inlined: no {hi, lo} object per span.
        h >>>= 0;
        const hashed = h & 0x3fff;
        const unused18 = h >>> 14;
        const mixed28 = (unused18 ^ (unused18 << 10)) >>> 0;
        rHi = ((0x3fff - hashed) << 10) | (mixed28 >>> 18);
        rLo = (mixed28 & 0x3ffff) * 16384 + hashed;
        policy = P_TRACE_ID_HASH;
      } else {
        rHi = (buf[tidOff + 9]! << 16) | (buf[tidOff + 10]! << 8) | buf[tidOff + 11]!;
        rLo = buf.readUInt32BE(tidOff + 12);
        policy = P_TRACE_ID_W3C;
      }
    }
    if (failed) {
      tHi = this.failClosed ? 0x1000000 : 0;
      tLo = 0;
      tv = this.failClosed ? '' : '0';
    }
    if (prio !== PRIORITY_DEFER) {
      policy = P_SAMPLING_PRIORITY;
      tHi = prio === PRIORITY_MUST ? 0 : 0x1000000;
      tLo = 0;
      tv = prio === PRIORITY_MUST ? '0' : '';
    }
    const sampled = tHi < rHi || (tHi === rHi && tLo <= rLo);
    this.sampled = sampled;
    this.policy = policy;
    if (!sampled) return;
    // The carrier was empty: hash_seed sets rv (even the fake all-probabilities one when the
    // trace id is empty, as otelcol does), then th is set.
    if (this.mode === 'hash_seed' && !this.never) {
      this.newTraceState = `ot=rv:${rHi.toString(16).padStart(6, '0')}${rLo.toString(16).padStart(8, '0')};th:${tv}`;
    } else {
      this.newTraceState = `ot=th:${tv}`;
    }
  }

  /** The general path, on BigInts and a parsed tracestate: otelcol's logic step by step. */
  decideGeneral(batch: SpanBatch, i: number, traceState: string, prio = this.scan(batch, i).priority): void {
    this.error = null;
    this.newTraceState = null;
    const tidOff = batch.spans[i * SPAN_STRIDE + S_TRACE_ID]!;
    const buf = batch.spanBuffer(i);
    let carrier: W3CTraceState | null = null;
    let parseError: string | null = null;
    try {
      carrier = parseW3CTraceState(traceState);
    } catch (err) {
      if (!(err instanceof TraceStateError)) throw err;
      parseError = err.message;
    }

    // randomnessFromSpan
    let rnd = ALL_PROBABILITIES_RANDOMNESS;
    let policy = P_MISSING_RANDOMNESS;
    let failed = false;
    if (this.never) {
      policy = P_SAMPLING_PRIORITY;
      if (parseError !== null) {
        // otelcol keeps the half-parsed carrier here; it is dropped, so a malformed tracestate
        // is never re-serialized (see README).
        failed = true;
        this.fail('tracestate', parseError);
      }
    } else if (this.mode === 'hash_seed') {
      if (tidOff !== NONE) {
        let h = this.seedState;
        for (let k = tidOff; k < tidOff + 16; k++) h = Math.imul(h ^ buf[k]!, 0x01000193);
        const r = hashRandomness(h >>> 0);
        rnd = fromPair(r.hi, r.lo);
        policy = P_TRACE_ID_HASH;
      }
      if (parseError !== null) {
        failed = true;
        this.fail('tracestate', parseError);
      } else if (carrier!.rv !== null) {
        failed = true;
        carrier = null;
        this.fail('randomness_in_use');
      } else if (carrier!.th !== null) {
        failed = true;
        carrier = null;
        this.fail('threshold_in_use');
      } else {
        carrier!.setRValue(rnd);
      }
    } else if (parseError !== null) {
      failed = true;
      this.fail('tracestate', parseError);
    } else if (carrier!.rv !== null) {
      rnd = carrier!.rv;
      policy = P_SAMPLING_RANDOMNESS;
    } else if (tidOff !== NONE) {
      rnd = traceIdRandomness(buf, tidOff);
      policy = P_TRACE_ID_W3C;
    }

    // consistencyCheck
    if (!failed) {
      if (policy === P_MISSING_RANDOMNESS) {
        failed = true;
        this.fail('missing_randomness');
      } else if (carrier !== null && carrier.th !== null && !(carrier.th <= rnd)) {
        carrier.clearTValue();
        failed = true;
        this.fail('inconsistent_threshold');
      }
    }

    // decide
    let threshold: bigint;
    if (failed) threshold = this.failClosed ? NEVER_SAMPLE : ALWAYS_SAMPLE;
    else if (this.never) threshold = NEVER_SAMPLE;
    else if (this.mode === 'equalizing') {
      const arriving = carrier?.th ?? null;
      threshold = arriving !== null && this.threshold < arriving ? arriving : this.threshold;
    } else if (this.mode === 'proportional') {
      const incoming = carrier?.th != null ? thresholdProbability(carrier.th) : 1;
      threshold = probabilityToThreshold(incoming * this.ratio, this.precision) ?? NEVER_SAMPLE;
    } else {
      threshold = this.threshold;
    }

    // priorityFunc
    if (prio !== PRIORITY_DEFER) {
      policy = P_SAMPLING_PRIORITY;
      threshold = prio === PRIORITY_MUST ? ALWAYS_SAMPLE : NEVER_SAMPLE;
    }

    const sampled = threshold <= rnd;
    this.sampled = sampled;
    this.policy = policy;
    if (sampled && carrier !== null) {
      // A refused update (it would raise the sampling probability) leaves th as it was.
      carrier.updateTValue(threshold);
      const out = carrier.serialize();
      if (out !== traceState) this.newTraceState = out;
    }
  }
}
