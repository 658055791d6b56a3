/**
 * endpoint_floor (ours, not in otelcol): keeps at least `min_traces_per_minute` traces per key
 * per minute, whatever the other policies decide, so every endpoint stays visible even when the
 * other policies would drop all of its traces (a quiet endpoint under a low probabilistic rate).
 *
 * Key: the values of the `key` OTTL paths read on the trace's root span (default
 * resource.attributes["service.name"] and name, i.e. service + root operation). A trace whose
 * root span has not arrived uses its earliest-starting span.
 *
 * Quota: evaluate() says Sampled while the key has fewer than N kept traces in the current
 * minute (fixed windows of the engine clock, floor(now / 60 s)); it does not count anything.
 * afterDecision() counts the trace when the final decision keeps it, whichever policy kept it:
 * traces the other policies keep anyway fill the floor first, and the floor adds traces only
 * for keys that got fewer than N. A trace the floor wanted but a drop policy dropped is not
 * counted.
 *
 * Memory: a fixed table of max_keys entries with LRU eviction (a Map from key to slot, and
 * typed arrays for the counters and the LRU list), so high cardinality cannot grow memory;
 * evictions are counted (tailpipe_processor_tail_sampling_endpoint_floor_evictions). A key
 * evicted and seen again starts from 0, so under heavy churn the floor keeps more than N per key:
 * size max_keys above the number of keys active in a minute (a warning is logged when evictions
 * happen, at most once a minute).
 */
import type { Logger } from 'pino';
import type { Counter, Gauge } from 'prom-client';
import type { SpanBatch } from '../../../pdata/span-batch.ts';
import type { EndpointFloorConfig } from './config.ts';
import { compileValue, OttlContext, T_BOOL, T_DBL, T_INT, T_NIL, T_STR, Val, type ValueNode } from './ottl/evaluate.ts';
import { Decision, type PolicyEvaluator, type PolicySettings, type TraceView } from './policy.ts';

type BoundCounter = ReturnType<Counter<string>['labels']>;
type BoundGauge = ReturnType<Gauge<string>['labels']>;

const MINUTE_MS = 60_000;
const NIL_SLOT = -1;

export class EndpointFloorPolicy implements PolicyEvaluator {
  readonly type = 'endpoint_floor';
  private readonly parts: ValueNode[];
  private readonly val = new Val();
  private readonly ctx = new OttlContext();
  private readonly minPerMinute: number;
  private readonly maxKeys: number;
  private readonly logger: Logger;

  // The key table: slot -> key, minute, kept count, LRU links (head = most recent).
  private readonly slotOf = new Map<string, number>();
  private readonly keys: (string | undefined)[];
  private readonly minute: Float64Array;
  private readonly kept: Uint32Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = NIL_SLOT;
  private tail = NIL_SLOT;
  private used = 0;

  /** The last trace evaluate() saw and its key, so afterDecision() need not rebuild the key. */
  private lastTrace: TraceView | null = null;
  private lastKey = '';

  private readonly evictions: BoundCounter;
  private readonly keysGauge: BoundGauge;
  private evictionsSinceLog = 0;
  private lastEvictionLogMs = -Infinity;

  constructor(
    readonly name: string,
    cfg: EndpointFloorConfig,
    settings: PolicySettings,
  ) {
    this.parts = cfg.key.map((k) => compileValue(k));
    this.minPerMinute = cfg.min_traces_per_minute;
    this.maxKeys = cfg.max_keys;
    this.logger = settings.logger;
    this.keys = new Array<string | undefined>(this.maxKeys);
    this.minute = new Float64Array(this.maxKeys);
    this.kept = new Uint32Array(this.maxKeys);
    this.prev = new Int32Array(this.maxKeys);
    this.next = new Int32Array(this.maxKeys);
    const labels = { processor: settings.processorId, policy: name };
    this.evictions = settings.telemetry
      .counter(
        'tailpipe_processor_tail_sampling_endpoint_floor_evictions',
        'Keys evicted from an endpoint_floor policy key table (least recently used first).',
        ['processor', 'policy'],
      )
      .labels(labels);
    this.keysGauge = settings.telemetry
      .gauge('tailpipe_processor_tail_sampling_endpoint_floor_keys', 'Keys tracked by an endpoint_floor policy.', ['processor', 'policy'])
      .labels(labels);
    this.evictions.inc(0);
    this.keysGauge.set(0);
  }

  evaluate(trace: TraceView, nowMs: number): Decision {
    const key = this.keyOf(trace.batch);
    this.lastTrace = trace;
    this.lastKey = key;
    const slot = this.touch(key, nowMs);
    return this.kept[slot]! < this.minPerMinute ? Decision.Sampled : Decision.NotSampled;
  }

  afterDecision(trace: TraceView, sampled: boolean, nowMs: number): void {
    const cached = trace === this.lastTrace;
    this.lastTrace = null; // do not keep the trace alive after its decision
    if (!sampled) return;
    const key = cached ? this.lastKey : this.keyOf(trace.batch);
    const slot = this.touch(key, nowMs);
    this.kept[slot]!++;
  }

  /** Kept traces for the key in the current minute (tests, debugging). */
  keptThisMinute(key: string, nowMs: number): number {
    const slot = this.slotOf.get(key);
    if (slot === undefined || this.minute[slot] !== Math.floor(nowMs / MINUTE_MS)) return 0;
    return this.kept[slot]!;
  }

  get size(): number {
    return this.used;
  }

  /** The root span, or the earliest-starting span when the root has not arrived. */
  private keySpan(b: SpanBatch): number {
    let best = 0;
    for (let i = 0; i < b.spanCount; i++) {
      if (b.isRoot(i)) return i;
      if (b.startTimeNs(i) < b.startTimeNs(best)) best = i;
    }
    return best;
  }

  /** The key: each part's value, typed, joined by NUL (one string per trace, not per span). */
  keyOf(b: SpanBatch): string {
    const ctx = this.ctx;
    ctx.batch = b;
    ctx.span = this.keySpan(b);
    let key = '';
    try {
      for (let k = 0; k < this.parts.length; k++) {
        const v = this.val;
        this.parts[k]!.eval(ctx, v);
        if (k > 0) key += '\u0000';
        switch (v.t) {
          case T_STR:
            key += v.buf.toString('utf8', v.start, v.end);
            break;
          case T_INT:
          case T_DBL:
            key += `\u0001${v.n}`;
            break;
          case T_BOOL:
            key += v.b ? '\u0001true' : '\u0001false';
            break;
          case T_NIL:
            key += '\u0001nil';
            break;
          default:
            key += '\u0001?';
        }
      }
    } finally {
      ctx.batch = null;
    }
    return key;
  }

  /** The key's slot, created (evicting the least recently used) if needed, moved to the front, window rolled. */
  private touch(key: string, nowMs: number): number {
    const minute = Math.floor(nowMs / MINUTE_MS);
    let slot = this.slotOf.get(key);
    if (slot === undefined) {
      if (this.used < this.maxKeys) {
        slot = this.used++;
        this.keysGauge.set(this.used);
      } else {
        slot = this.tail;
        this.unlink(slot);
        this.slotOf.delete(this.keys[slot]!);
        this.evictions.inc();
        this.noteEviction(nowMs);
      }
      this.keys[slot] = key;
      this.slotOf.set(key, slot);
      this.minute[slot] = minute;
      this.kept[slot] = 0;
      this.pushFront(slot);
    } else if (slot !== this.head) {
      this.unlink(slot);
      this.pushFront(slot);
    }
    if (this.minute[slot] !== minute) {
      this.minute[slot] = minute;
      this.kept[slot] = 0;
    }
    return slot;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p !== NIL_SLOT) this.next[p] = n;
    else this.head = n;
    if (n !== NIL_SLOT) this.prev[n] = p;
    else this.tail = p;
  }

  private pushFront(slot: number): void {
    this.prev[slot] = NIL_SLOT;
    this.next[slot] = this.head;
    if (this.head !== NIL_SLOT) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === NIL_SLOT) this.tail = slot;
  }

  private noteEviction(nowMs: number): void {
    this.evictionsSinceLog++;
    if (nowMs - this.lastEvictionLogMs < MINUTE_MS) return;
    this.logger.warn(
      { policy: this.name, evictions: this.evictionsSinceLog, max_keys: this.maxKeys },
      'endpoint_floor key table is full and evicts keys; evicted keys restart their quota, so raise max_keys above the keys active per minute',
    );
    this.lastEvictionLogMs = nowMs;
    this.evictionsSinceLog = 0;
  }
}
