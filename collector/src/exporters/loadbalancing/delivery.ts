/**
 * What has become of each span of a batch the loadbalancer is delivering, kept across attempts:
 * a retry of the same batch (the lb-level retry_on_failure, or a timed-out attempt tried again)
 * routes only the spans not yet settled, so a retry resends what failed for the failing backend,
 * never the whole fan-out.
 */
export const PENDING = 0;
export const DELIVERED = 1;
export const GAVE_UP = 2;

export class Delivery {
  /** Per span: PENDING, DELIVERED or GAVE_UP. Allocated on the first partial outcome. */
  settled: Uint8Array | null = null;
  pending: number;
  /** Sends of an earlier attempt still out; the next attempt waits for them to settle. */
  outstanding: Promise<void> | null = null;
  private readonly spanCount: number;

  constructor(spanCount: number) {
    this.spanCount = spanCount;
    this.pending = spanCount;
  }

  /** Marks the spans of a part (null = the whole batch, which had nothing settled yet). */
  settle(indices: Uint32Array | null, mark: typeof DELIVERED | typeof GAVE_UP): void {
    if (indices === null) {
      this.settled ??= new Uint8Array(this.spanCount);
      this.settled.fill(mark);
      this.pending = 0;
      return;
    }
    this.settled ??= new Uint8Array(this.spanCount);
    const s = this.settled;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (s[i] === PENDING) {
        s[i] = mark;
        this.pending--;
      }
    }
  }
}
