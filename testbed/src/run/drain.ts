/**
 * After the load: wait until the pipeline is empty. Every 250 ms the collectors are scraped and the
 * backend's count read. A collector made of pass-through processors is empty when it has sent,
 * failed or dropped all it accepted (an exporter still retrying is not empty, however long nothing
 * moves); a sampling collector, or an external pipeline (--target), cannot say, so it is taken as
 * empty once nothing moved for `settle` ms. Bounded by `timeout`; the result names what still held spans then.
 */
import type { Topology } from '../topology/topology.ts';
import { instanceTotals } from './metrics-watcher.ts';

export interface DrainResult {
  drained: boolean;
  waitedMs: number;
  /** "balanced", "settled", "timeout", "aborted". */
  reason: string;
  /** Collectors that still held spans when the wait ended (timeout): name -> spans. */
  holding: Record<string, number>;
}

const POLL_MS = 250;

export async function waitForDrain(topology: Topology, o: { timeoutMs: number; settleMs: number; signal?: AbortSignal }): Promise<DrainResult> {
  const start = Date.now();
  let last = '';
  let stableSince = Date.now();
  let polls = 0;
  let holding: Record<string, number> = {};
  for (;;) {
    if (o.signal?.aborted) return { drained: false, waitedMs: Date.now() - start, reason: 'aborted', holding };
    const nodes = topology.allCollectors.filter((n) => n.running);
    await Promise.all(nodes.map((n) => n.scrape(false, 2000).catch(() => undefined)));
    let backend = -1;
    try {
      backend = (await topology.backend.admin.stats()).spans;
    } catch {
      // try again
    }
    holding = {};
    // Running instances only: a killed one cannot drain (what it held is lost).
    const totals = nodes.map((n) => {
      const t = instanceTotals(n.current!);
      const held = t.accepted - t.sent - t.failed - t.dropped;
      if (n.passesEverySpan && held > 0) holding[n.name] = held;
      return t;
    });
    const now = Date.now();
    const snapshot = JSON.stringify([backend, totals]);
    const moved = snapshot !== last;
    if (moved) {
      last = snapshot;
      stableSince = now;
    }
    const balanced = backend >= 0 && Object.keys(holding).length === 0;
    if (balanced && polls > 0 && !moved) {
      // An external pipeline (--target) shows nothing: only a quiet backend says it is empty.
      if (nodes.length > 0 && nodes.every((n) => n.passesEverySpan)) return { drained: true, waitedMs: now - start, reason: 'balanced', holding };
      if (now - stableSince >= o.settleMs) return { drained: true, waitedMs: now - start, reason: 'settled', holding };
    }
    if (now - start >= o.timeoutMs) return { drained: false, waitedMs: now - start, reason: 'timeout', holding };
    polls++;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
