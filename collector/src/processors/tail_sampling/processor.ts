/**
 * The tail_sampling engine: buffers spans by trace, decides each trace once with the policies,
 * forwards sampled traces whole and drops the rest, as otelcol's tailsamplingprocessor does.
 *
 *  - consume(batch) groups the spans by trace id (read in place, hash table of pending traces:
 *    trace-table.ts), copies each trace's spans into its storage (span-store.ts) and resolves:
 *    the spans are accepted. Spans of traces already decided follow that decision at once.
 *  - A ticker (decision_wait / 10, at most 1 s) decides, oldest first, the traces whose
 *    decision_wait ran out, and with decision_wait_after_root_received those whose root span
 *    arrived that long ago. All sampled traces of one tick leave in one batch.
 *  - Memory is bounded: at most num_traces pending traces and max_buffered_bytes of buffered
 *    data. A new trace beyond either bound makes the oldest pending trace be decided early, with
 *    what arrived of it (TraceView.incomplete) - otelcol drops it undecided instead. A trace past
 *    maximum_trace_size_bytes / max_spans_per_trace is decided at once. With block_on_overflow,
 *    consume() first waits (at most decision_wait) for room.
 *  - Decided trace ids are remembered (decision caches, and always a ring of the last num_traces
 *    decisions: decision-memory.ts), so late spans follow the decision instead of starting a
 *    new trace that would get a fresh, possibly different, decision.
 *  - shutdown() decides every pending trace and forwards the sampled ones before it resolves
 *    (or drops them, counted, with drop_pending_traces_on_shutdown).
 *
 * Everything runs on the event loop: consume() and the ticker never interleave mid-way.
 */
import type { Logger } from 'pino';
import type { Consumer, CreateSettings, Host, Processor } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { NONE, SPAN_STRIDE, S_BUF, S_PARENT_ID, S_TRACE_ID, SpanBatch } from '../../pdata/span-batch.ts';
import { ProcessorObs } from '../../telemetry/obsreport.ts';
import type { TailSamplingConfig } from './config.ts';
import { effectiveLimits, type EffectiveLimits } from './limits.ts';
import { DecisionRing } from './decision-memory.ts';
import { combineDecisions, Decision, isSampled, type PolicyEvaluator, type TraceView } from './policies/index.ts';
import { PolicyAttributeWriter } from './record-policy.ts';
import { SpanStore, TraceScratch, slabSizeFor } from './span-store.ts';
import { EARLY_REASONS, KIND_DROPPED, KIND_NOT_SAMPLED, KIND_SAMPLED, TailSamplingTelemetry, type EarlyReason } from './telemetry.ts';
import { idWordsToBuffer, readIdWords } from './trace-id-index.ts';
import { TraceTable } from './trace-table.ts';

/** The policy type whose Sampled may override a final not-sampled (never a Dropped). */
export const FLOOR_POLICY_TYPE = 'endpoint_floor';

export interface TailSamplingOptions {
  /** Engine clock in ms (default Date.now; vitest fake timers fake it too). */
  now?: () => number;
  /** Slab size of the span store (default: from max_buffered_bytes). */
  slabSize?: number;
}

// Where a span goes, per span of the batch being ingested (>= 0: a pending trace's slot).
const LATE_CACHE_SAMPLED = -1;
const LATE_CACHE_NOT_SAMPLED = -2;
const LATE_RECENT_SAMPLED = -3;
const LATE_RECENT_NOT_SAMPLED = -4;
const UNKNOWN = -5;

const RESOLVED: Promise<void> = Promise.resolve();
const noop = (): void => {};
const POLICY_ERROR_WARN_INTERVAL_MS = 60_000;
/** Forwards to the next component not yet settled, beyond which the ticker waits with decisions. */
export const MAX_FORWARDS_IN_FLIGHT = 4;

interface Waiter {
  batch: SpanBatch;
  resolve: () => void;
  reject: (err: unknown) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

export class TailSamplingProcessor implements Processor {
  readonly limits: EffectiveLimits;
  private readonly config: TailSamplingConfig;
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly obs: ProcessorObs;
  private readonly tel: TailSamplingTelemetry;
  private readonly now: () => number;

  private readonly policies: PolicyEvaluator[];
  /** Indexes of endpoint_floor policies, and of policies with an afterDecision hook. */
  private readonly floorPolicies: number[];
  private readonly afterPolicies: number[];
  private readonly decisions: Decision[] = [];
  /** The deciding policy of the last evaluate() (-1: none). */
  private decider = -1;
  private readonly recordPolicyWriter: PolicyAttributeWriter | null;

  readonly table: TraceTable;
  readonly store: SpanStore;
  private readonly recent: DecisionRing;
  private readonly sampledCache: DecisionRing | null;
  private readonly notSampledCache: DecisionRing | null;

  // Scratch, reused across batches (grown on demand): no allocation per span.
  private readonly key = new Uint32Array(4);
  private spanSlot = new Int32Array(1024);
  private order = new Int32Array(1024);
  private groupSlot = new Int32Array(256);
  private groupStart = new Int32Array(256);
  private lateIdx = new Int32Array(256);
  private groupCursorArray = new Int32Array(256);
  private stampCounter = 0;
  private readonly earlyCounts = new Float64Array(EARLY_REASONS.length);

  /**
   * Kept traces not yet handed on (flushed at the end of a consume or a tick): each one's
   * request bytes, span count and deciding policy; and late spans of kept traces.
   */
  private sampledRequests: Buffer[] = [];
  private sampledSpans: number[] = [];
  private sampledDeciders: number[] = [];
  private lateBatches: SpanBatch[] = [];
  private readonly scratch = new TraceScratch();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiters: Waiter[] = [];
  private ticker: ReturnType<typeof setInterval> | null = null;
  private stopping = false;
  private shutdownPromise: Promise<void> | null = null;
  private deferring = false;
  private policyErrorsSinceWarn = 0;
  private lastPolicyErrorWarn = -Infinity;

  /** `policies` in evaluation order (the factory builds them with buildPolicies, which puts drop policies first). */
  constructor(settings: CreateSettings, config: TailSamplingConfig, next: Consumer, policies: PolicyEvaluator[], options: TailSamplingOptions = {}) {
    this.config = config;
    this.limits = effectiveLimits(config);
    this.next = next;
    this.logger = settings.logger;
    // Read Date.now at each call (not captured here), so fake timers installed later apply too.
    this.now = options.now ?? (() => Date.now());
    this.obs = new ProcessorObs(settings.telemetry, settings.id.id);
    this.policies = policies;
    // otelcol labels a policy "<processor name>.<policy name>" when the processor id has a name.
    const labels = this.policies.map((p) => (settings.id.name !== '' ? `${settings.id.name}.${p.name}` : p.name));
    this.tel = new TailSamplingTelemetry(settings.telemetry, settings.id.id, labels);
    this.floorPolicies = [];
    this.afterPolicies = [];
    this.policies.forEach((p, i) => {
      if (p.type === FLOOR_POLICY_TYPE) this.floorPolicies.push(i);
      if (typeof p.afterDecision === 'function') this.afterPolicies.push(i);
    });
    this.recordPolicyWriter = config.record_policy ? new PolicyAttributeWriter() : null;

    this.table = new TraceTable(this.limits.initialTraces, this.limits.numTraces, this.limits.rootWaitMs > 0);
    this.store = new SpanStore(options.slabSize ?? slabSizeFor(this.limits.maxBufferedBytes));
    this.recent = new DecisionRing(this.limits.numTraces, true);
    const dc = config.decision_cache;
    this.sampledCache = dc.sampled_cache_size > 0 ? new DecisionRing(dc.sampled_cache_size, false) : null;
    this.notSampledCache = dc.non_sampled_cache_size > 0 ? new DecisionRing(dc.non_sampled_cache_size, false) : null;
  }

  async start(_host: Host): Promise<void> {
    if (this.stopping || this.ticker !== null) return;
    this.ticker = setInterval(() => this.tick(), this.limits.tickMs);
    // The ticker alone must not keep a process alive (receivers and servers do that).
    this.ticker.unref?.();
  }

  /** Pending (undecided) traces. */
  get pendingTraces(): number {
    return this.table.count;
  }

  /** Bytes counted against max_buffered_bytes. */
  get bufferedBytes(): number {
    return this.store.heldBytes;
  }

  consume(batch: SpanBatch): Promise<void> {
    const n = batch.spanCount;
    this.obs.onIncoming(n);
    if (this.stopping) return Promise.reject(new CollectorError('TP_SHUTTING_DOWN', 'tail_sampling processor is shut down'));
    if (n === 0) return RESOLVED;
    if (this.config.block_on_overflow && (this.waiters.length > 0 || this.isFull())) return this.waitForRoom(batch);
    return this.ingest(batch);
  }

  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.stop();
    return this.shutdownPromise;
  }

  /** One ticker run (public for tests that drive time by hand). */
  tick(): void {
    if (this.stopping) return;
    if (this.inFlight.size >= MAX_FORWARDS_IN_FLIGHT) {
      // The next component is slow: wait with the decisions. Traces stay pending (bounded by
      // num_traces and max_buffered_bytes); when those fill, consume() decides early and waits
      // for the next component itself, which pushes back on the receivers.
      if (!this.deferring) this.logger.debug({ inFlight: this.inFlight.size }, 'Next component is slow: decisions wait');
      this.deferring = true;
      return;
    }
    this.deferring = false;
    const started = performance.now();
    const now = this.now();
    const table = this.table;
    const wait = this.limits.decisionWaitMs;
    while (table.head !== -1 && table.firstMs[table.head]! + wait <= now) this.decide(table.head, now, false);
    const rootWait = this.limits.rootWaitMs;
    if (rootWait > 0) {
      while (table.rootHead !== -1 && table.rootMs[table.rootHead]! + rootWait <= now) {
        this.decide(table.rootHead, now, false);
        this.earlyCounts[EARLY_REASONS.indexOf('root')]!++;
      }
    }
    this.store.endBatch();
    this.finishRound();
    if (this.hasOutputs()) void this.flushOutputs();
    this.tel.onTimer(performance.now() - started);
    this.drainWaiters();
  }

  // ---- ingest ----

  private ingest(batch: SpanBatch): Promise<void> {
    const now = this.now();
    const n = batch.spanCount;
    this.ensureScratch(n);
    const lateSampled = this.route(batch, now);
    this.append(batch, now);
    this.enforceLimits(now);
    this.store.endBatch();
    this.finishRound();
    if (lateSampled > 0) {
      const late = batch.select(this.lateIdx, lateSampled);
      // Forwarded batches mix requests, so they carry no client metadata (as otelcol: the
      // processor reassembles spans and loses the request context).
      late.metadata = null;
      this.lateBatches.push(late);
    }
    return this.hasOutputs() ? this.flushOutputs() : RESOLVED;
  }

  /**
   * Pass 1: each span's destination into spanSlot (a pending trace's slot, created if new, or
   * a LATE_* code). Returns the number of late spans of sampled traces, listed in lateIdx.
   */
  private route(batch: SpanBatch, now: number): number {
    const s = batch.spans;
    const buffers = batch.buffers;
    const key = this.key;
    const spanSlot = this.spanSlot;
    const lateIdx = this.lateIdx;
    const n = batch.spanCount;
    let newTraces = 0;
    let lateSampled = 0;
    let cacheSampled = 0;
    let cacheNotSampled = 0;
    let recentNotSampled = 0;
    let prev0 = -1;
    let prev1 = -1;
    let prev2 = -1;
    let prev3 = -1;
    let prevResult = UNKNOWN;
    for (let i = 0; i < n; i++) {
      const o = i * SPAN_STRIDE;
      const idOff = s[o + S_TRACE_ID]!;
      if (idOff === NONE) key.fill(0);
      else readIdWords(buffers[s[o + S_BUF]!]!, idOff, key, 0);
      let r: number;
      // Spans of one trace often sit together in a request: skip the look-up for a repeat.
      if (key[0] === prev0 && key[1] === prev1 && key[2] === prev2 && key[3] === prev3) {
        r = prevResult;
      } else {
        r = this.table.find(key, 0);
        if (r < 0) {
          r = this.lookupDecided(now);
          if (r === UNKNOWN) {
            r = this.table.create(key, 0, now);
            newTraces++;
          }
        }
        prev0 = key[0]!;
        prev1 = key[1]!;
        prev2 = key[2]!;
        prev3 = key[3]!;
        prevResult = r;
      }
      spanSlot[i] = r;
      if (r < 0) {
        if (r === LATE_CACHE_SAMPLED || r === LATE_RECENT_SAMPLED) lateIdx[lateSampled++] = i;
        if (r === LATE_CACHE_SAMPLED) cacheSampled++;
        else if (r === LATE_CACHE_NOT_SAMPLED) cacheNotSampled++;
        else if (r === LATE_RECENT_NOT_SAMPLED) recentNotSampled++;
      }
    }
    if (newTraces > 0) this.tel.onNewTraces(newTraces);
    if (cacheSampled > 0) this.tel.onCacheRelease(true, cacheSampled);
    if (cacheNotSampled > 0) this.tel.onCacheRelease(false, cacheNotSampled);
    if (lateSampled > 0) this.tel.onLateSpans(true, lateSampled);
    if (cacheNotSampled + recentNotSampled > 0) this.tel.onLateSpans(false, cacheNotSampled + recentNotSampled);
    return lateSampled;
  }

  /** The decision already taken for the id in `key`, as a LATE_* code, or UNKNOWN. */
  private lookupDecided(now: number): number {
    const key = this.key;
    // Disjoint by construction (a trace is in the sampled or the not-sampled cache), so the
    // order only matters for which is asked first.
    if (this.sampledCache !== null && this.sampledCache.find(key, 0) >= 0) return LATE_CACHE_SAMPLED;
    if (this.notSampledCache !== null && this.notSampledCache.find(key, 0) >= 0) return LATE_CACHE_NOT_SAMPLED;
    const e = this.recent.find(key, 0);
    if (e < 0) return UNKNOWN;
    this.tel.onLateSpan(Math.max(0, now - this.recent.decidedAtMs(e)) / 1000);
    return this.recent.sampled(e) ? LATE_RECENT_SAMPLED : LATE_RECENT_NOT_SAMPLED;
  }

  /** Pass 2: group the pending spans by trace (counting sort, first-appearance order) and store them. */
  private append(batch: SpanBatch, now: number): void {
    const n = batch.spanCount;
    const table = this.table;
    const spanSlot = this.spanSlot;
    const order = this.order;
    let stamp = (this.stampCounter + 1) >>> 0;
    if (stamp === 0) {
      table.stamp.fill(0);
      stamp = 1;
    }
    this.stampCounter = stamp;
    const tStamp = table.stamp;
    const tLocal = table.local;
    let groups = 0;
    for (let i = 0; i < n; i++) {
      const slot = spanSlot[i]!;
      if (slot < 0) continue;
      if (tStamp[slot] !== stamp) {
        tStamp[slot] = stamp;
        tLocal[slot] = groups;
        if (groups === this.groupSlot.length) this.growGroups();
        this.groupSlot[groups] = slot;
        this.groupStart[groups] = 0;
        groups++;
      }
      this.groupStart[tLocal[slot]!]!++;
    }
    if (groups === 0) return;
    const groupSlot = this.groupSlot;
    const groupStart = this.groupStart;
    // Counts -> start offsets, then place each span at its group's cursor.
    let acc = 0;
    const fill = this.groupCursor(groups);
    for (let g = 0; g < groups; g++) {
      const c = groupStart[g]!;
      groupStart[g] = acc;
      fill[g] = acc;
      acc += c;
    }
    for (let i = 0; i < n; i++) {
      const slot = spanSlot[i]!;
      if (slot >= 0) order[fill[tLocal[slot]!]!++] = i;
    }
    const total = acc;
    const store = this.store;
    store.beginBatch(batch);
    const s = batch.spans;
    const trackRoot = this.limits.rootWaitMs > 0;
    const maxBytes = this.limits.maxTraceBytes;
    const maxSpans = this.limits.maxSpansPerTrace;
    for (let g = 0; g < groups; g++) {
      const slot = groupSlot[g]!;
      const from = groupStart[g]!;
      const to = g + 1 < groups ? groupStart[g + 1]! : total;
      const added = store.append(order, from, to, table.fragHead, table.fragTail, slot);
      table.spanCount[slot]! += to - from;
      table.bytes[slot]! += added;
      if (trackRoot && !table.hasRoot(slot)) {
        for (let k = from; k < to; k++) {
          if (s[order[k]! * SPAN_STRIDE + S_PARENT_ID] === NONE) {
            table.markRoot(slot, now);
            break;
          }
        }
      }
      if (table.bytes[slot]! > maxBytes || (maxSpans > 0 && table.spanCount[slot]! > maxSpans)) {
        this.decide(slot, now, true);
        this.earlyCounts[EARLY_REASONS.indexOf('trace_size')]!++;
      }
    }
  }

  private groupCursor(groups: number): Int32Array {
    if (this.groupCursorArray.length < groups) this.groupCursorArray = new Int32Array(Math.max(groups, this.groupCursorArray.length * 2));
    return this.groupCursorArray;
  }

  /** Pass 3: num_traces and max_buffered_bytes, by deciding the oldest pending traces early. */
  private enforceLimits(now: number): void {
    const table = this.table;
    const store = this.store;
    const { numTraces, maxBufferedBytes } = this.limits;
    while (table.count > numTraces) {
      this.decide(table.head, now, true);
      this.earlyCounts[EARLY_REASONS.indexOf('num_traces')]!++;
    }
    while (store.heldBytes > maxBufferedBytes && table.count > 0) {
      this.decide(table.head, now, true);
      this.earlyCounts[EARLY_REASONS.indexOf('bytes')]!++;
    }
  }

  private isFull(): boolean {
    return this.table.count >= this.limits.numTraces || this.store.heldBytes >= this.limits.maxBufferedBytes;
  }

  // ---- deciding ----

  /** Evaluates the trace in `slot`, releases its storage, remembers and routes the decision. */
  private decide(slot: number, now: number, incomplete: boolean): void {
    const table = this.table;
    const head = table.fragHead[slot]!;
    const spans = table.spanCount[slot]!;
    const idOffset = slot * 4;
    let sampled = false;
    let batch: SpanBatch | null = null;
    try {
      batch = this.store.build(head, spans, this.scratch);
    } catch (err) {
      // Bytes we stored ourselves failed to read back: a bug, never user input (indexed on receipt).
      this.logger.error({ err, spans }, 'tail_sampling: could not re-read a buffered trace; its spans are dropped');
      this.tel.onDroppedTooEarly(1);
    }
    this.store.release(head);
    if (batch !== null) {
      // The view and its batch live until this decision is made: the scratch is reused next.
      const view: TraceView = {
        batch,
        traceId: idWordsToBuffer(table.ids, idOffset),
        byteSize: table.bytes[slot]!,
        firstArrivalMs: table.firstMs[slot]!,
        incomplete,
      };
      sampled = this.evaluate(view, spans, now);
      if (sampled) {
        this.sampledRequests.push(this.scratch.copyBytes());
        this.sampledSpans.push(spans);
        this.sampledDeciders.push(this.decider);
      }
    }
    this.recent.record(table.ids, idOffset, sampled, now);
    if (sampled) this.sampledCache?.record(table.ids, idOffset, true, now);
    else this.notSampledCache?.record(table.ids, idOffset, false, now);
    table.remove(slot);
  }

  /**
   * Runs the policies over one trace with otelcol's rules (policies in order; stop at a Dropped,
   * or at a Sampled with sample_on_first_match; then combineDecisions' precedence), lets an
   * endpoint floor's Sampled override a final not-sampled (never a Dropped), and tells the
   * policies that asked what was decided. Returns whether the trace is sampled; `decider` is
   * then the index of the policy that decided it (-1 if none can be named).
   */
  private evaluate(view: TraceView, spans: number, now: number): boolean {
    const policies = this.policies;
    const decisions = this.decisions;
    const tel = this.tel;
    decisions.length = 0;
    // One clock read per policy boundary (each read costs ~100 ns; two per policy add up).
    let t0 = performance.now();
    for (let p = 0; p < policies.length; p++) {
      let d: Decision;
      try {
        d = policies[p]!.evaluate(view, now);
      } catch (err) {
        d = Decision.Error;
        this.onPolicyError(p, err);
      }
      const t1 = performance.now();
      tel.observeDecisionLatency(p, (t1 - t0) * 1000);
      t0 = t1;
      decisions.push(d);
      if (d === Decision.Error) {
        tel.addPolicyError(p);
        continue;
      }
      tel.addPolicyDecision(p, kindOf(d), spans);
      if (d === Decision.Dropped) break;
      if (d === Decision.Sampled && this.config.sample_on_first_match) break;
    }
    const final = combineDecisions(decisions);
    let sampled = isSampled(final);
    let decider = -1;
    if (sampled) {
      decider = decisions.indexOf(Decision.Sampled);
      if (decider < 0) decider = decisions.indexOf(Decision.InvertSampled);
    } else if (final !== Decision.Dropped) {
      for (const p of this.floorPolicies) {
        if (decisions[p] === Decision.Sampled) {
          sampled = true;
          decider = p;
          break;
        }
      }
    }
    tel.addFinalDecision(sampled ? KIND_SAMPLED : final === Decision.Dropped ? KIND_DROPPED : KIND_NOT_SAMPLED);
    for (const p of this.afterPolicies) {
      try {
        policies[p]!.afterDecision!(view, sampled, now);
      } catch (err) {
        this.onPolicyError(p, err);
      }
    }
    this.decider = sampled ? decider : -1;
    return sampled;
  }

  private onPolicyError(policy: number, err: unknown): void {
    this.policyErrorsSinceWarn++;
    const now = this.now();
    if (now - this.lastPolicyErrorWarn >= POLICY_ERROR_WARN_INTERVAL_MS) {
      this.logger.warn(
        { err, policy: this.policies[policy]!.name, errors: this.policyErrorsSinceWarn },
        'Sampling policy error (the policy counts as undecided for this trace; repeated errors are summarised once a minute)',
      );
      this.lastPolicyErrorWarn = now;
      this.policyErrorsSinceWarn = 0;
    }
  }

  /** Metrics accumulated over a consume or a tick. */
  private finishRound(): void {
    const tel = this.tel;
    tel.flush();
    const early = this.earlyCounts;
    for (let r = 0; r < early.length; r++) {
      if (early[r] !== 0) {
        tel.onEarlyDecisions(EARLY_REASONS[r] as EarlyReason, early[r]!);
        early[r] = 0;
      }
    }
    tel.setOnMemory(this.table.count, this.store.heldBytes);
  }

  // ---- forwarding ----

  private hasOutputs(): boolean {
    return this.sampledRequests.length > 0 || this.lateBatches.length > 0;
  }

  /**
   * Hands every sampled trace decided so far, and late spans of sampled traces, to the next
   * component as one batch: the kept traces' request bytes concatenated and indexed once.
   * Never rejects.
   */
  private flushOutputs(): Promise<void> {
    const parts: SpanBatch[] = [];
    const requests = this.sampledRequests;
    if (requests.length > 0) {
      const bytes = requests.length === 1 ? requests[0]! : Buffer.concat(requests);
      let kept: SpanBatch | null = null;
      try {
        kept = indexExportRequest(bytes);
      } catch (err) {
        this.logger.error({ err, traces: requests.length }, 'tail_sampling: could not re-read kept traces; their spans are dropped');
        this.tel.onDroppedTooEarly(requests.length);
      }
      if (kept !== null) {
        if (this.recordPolicyWriter !== null) {
          let from = 0;
          for (let k = 0; k < requests.length; k++) {
            const to = from + this.sampledSpans[k]!;
            const decider = this.sampledDeciders[k]!;
            if (decider >= 0) this.recordPolicyWriter.apply(kept, from, to, this.policies[decider]!.name);
            from = to;
          }
        }
        parts.push(kept);
      }
      this.sampledRequests = [];
      this.sampledSpans = [];
      this.sampledDeciders = [];
    }
    for (const b of this.lateBatches) parts.push(b);
    this.lateBatches = [];
    if (parts.length === 0) return RESOLVED;
    const batch = parts.length === 1 ? parts[0]! : SpanBatch.concat(parts);
    const spans = batch.spanCount;
    this.obs.onOutgoing(spans);
    let result: Promise<void>;
    try {
      result = this.next.consume(batch);
    } catch (err) {
      result = Promise.reject(err);
    }
    const settled = result.then(noop, (err: unknown) => {
      // Our caller's spans were accepted long ago: the loss is ours to report.
      this.tel.onForwardFailed(spans);
      this.logger.warn({ err, spans }, 'Error sending sampled spans to the next component; they are lost');
    });
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return settled;
  }

  // ---- block_on_overflow ----

  private waitForRoom(batch: SpanBatch): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { batch, resolve, reject, timer: null };
      // Bounded: after decision_wait the oldest traces would have been decided anyway; take
      // the request in then, making room by early decisions as without blocking.
      w.timer = setTimeout(() => {
        const at = this.waiters.indexOf(w);
        if (at < 0) return;
        this.waiters.splice(at, 1);
        this.logger.debug({ spans: batch.spanCount }, 'block_on_overflow: waited decision_wait for room; deciding the oldest traces early');
        this.admit(w);
      }, this.limits.decisionWaitMs);
      this.waiters.push(w);
    });
  }

  private admit(w: Waiter): void {
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    this.ingest(w.batch).then(w.resolve, w.reject);
  }

  private drainWaiters(): void {
    while (this.waiters.length > 0 && !this.isFull()) this.admit(this.waiters.shift()!);
  }

  // ---- shutdown ----

  private async stop(): Promise<void> {
    this.stopping = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    // Requests waiting for room were handed to us already: take them in.
    for (const w of this.waiters.splice(0)) this.admit(w);
    const table = this.table;
    const pending = table.count;
    if (this.config.drop_pending_traces_on_shutdown) {
      while (table.head !== -1) {
        const slot = table.head;
        this.store.release(table.fragHead[slot]!);
        table.remove(slot);
      }
      if (pending > 0) {
        this.tel.onDroppedTooEarly(pending);
        this.logger.warn({ traces: pending }, 'drop_pending_traces_on_shutdown: pending traces dropped undecided');
      }
    } else {
      const now = this.now();
      while (table.head !== -1) this.decide(table.head, now, true);
      if (pending > 0) this.logger.info({ traces: pending }, 'Decided pending traces at shutdown');
    }
    this.store.endBatch();
    this.finishRound();
    if (this.hasOutputs()) void this.flushOutputs();
    await Promise.all([...this.inFlight]);
  }

  private ensureScratch(n: number): void {
    if (this.spanSlot.length < n) {
      const size = Math.max(n, this.spanSlot.length * 2);
      this.spanSlot = new Int32Array(size);
      this.order = new Int32Array(size);
    }
    if (this.lateIdx.length < n) this.lateIdx = new Int32Array(Math.max(n, this.lateIdx.length * 2));
  }

  private growGroups(): void {
    const n = this.groupSlot.length * 2;
    const a = new Int32Array(n);
    a.set(this.groupSlot);
    this.groupSlot = a;
    const b = new Int32Array(n);
    b.set(this.groupStart);
    this.groupStart = b;
  }
}

function kindOf(d: Decision): number {
  if (d === Decision.Sampled || d === Decision.InvertSampled) return KIND_SAMPLED;
  if (d === Decision.Dropped) return KIND_DROPPED;
  return KIND_NOT_SAMPLED;
}
