/**
 * Pre-encoded span records, one per (endpoint, span index, error variant), all in one arena, with
 * the offsets where ids and timestamps get patched. A record is copied into a request with one
 * TypedArray.set from a view made once here: no per-span allocation on the hot path.
 */
export class SpanTemplateSet {
  /** One view per template into the arena (made once; `set` from a view does not allocate). */
  readonly records: Uint8Array[] = [];
  readonly recordLength: Int32Array;
  /** Patch offsets relative to the record's first byte; parentIdAt is -1 for root spans. */
  readonly traceIdAt: Int32Array;
  readonly spanIdAt: Int32Array;
  readonly parentIdAt: Int32Array;
  readonly startAt: Int32Array;
  readonly endAt: Int32Array;
  /** [template * eventsPerSpan + i]. */
  readonly eventTimeAt: Int32Array;

  constructor(
    count: number,
    readonly eventsPerSpan: number,
  ) {
    this.recordLength = new Int32Array(count);
    this.traceIdAt = new Int32Array(count);
    this.spanIdAt = new Int32Array(count);
    this.parentIdAt = new Int32Array(count);
    this.startAt = new Int32Array(count);
    this.endAt = new Int32Array(count);
    this.eventTimeAt = new Int32Array(count * eventsPerSpan);
  }

  get count(): number {
    return this.recordLength.length;
  }
}

/** What a format's template builder reports for one record. */
export interface EncodedTemplate {
  bytes: Uint8Array;
  traceIdAt: number;
  spanIdAt: number;
  parentIdAt: number;
  startAt: number;
  endAt: number;
  eventTimeAt: number[];
}

/** Packs encoded templates into one arena and fills the offset columns. */
export function packTemplates(templates: EncodedTemplate[], eventsPerSpan: number): SpanTemplateSet {
  const set = new SpanTemplateSet(templates.length, eventsPerSpan);
  let total = 0;
  for (const t of templates) total += t.bytes.length;
  const arena = new Uint8Array(total);
  let pos = 0;
  templates.forEach((t, k) => {
    arena.set(t.bytes, pos);
    set.records.push(arena.subarray(pos, pos + t.bytes.length));
    pos += t.bytes.length;
    set.recordLength[k] = t.bytes.length;
    set.traceIdAt[k] = t.traceIdAt;
    set.spanIdAt[k] = t.spanIdAt;
    set.parentIdAt[k] = t.parentIdAt;
    set.startAt[k] = t.startAt;
    set.endAt[k] = t.endAt;
    for (let i = 0; i < eventsPerSpan; i++) set.eventTimeAt[k * eventsPerSpan + i] = t.eventTimeAt[i]!;
  });
  return set;
}
