/**
 * The run's loss, over all its loads (main, per-agent, spikes): spans accepted at the edge that
 * never reached the backend, minus what the collectors counted (otelcol drop metrics) and what a
 * sampling pipeline sampled out. Whatever remains is unexplained, unless the crash windows account
 * for it: a killed process loses the spans it held without counting them. The verdict:
 *   counted       nothing unexplained;
 *   crash_window  the unexplained spans are no more than (a) the spans missing inside the crash
 *                 windows (sent from shortly before a kill until shortly after the restart) and
 *                 (b) what the killed processes held at the scrape taken just before the kill
 *                 (accepted - sent - failed - dropped; unknown, so no bound, for a process that
 *                 died by itself), while (c) the spans missing outside the windows are no more than
 *                 the counted drops;
 *   unexplained   anything else.
 * The testbed holds a gateway's input (its proxy keeps what senders send) from before that scrape
 * until after the kill, so for a testbed kill the estimate is exact.
 */
import { OTELCOL_DROP_METRICS, type AccountingResult, type DropMetric } from '../accounting/span-accounting.ts';
import { sumMetric, type PromSample } from '../accounting/prometheus-text.ts';
import type { ReceivedSpans } from '../backend/span-store.ts';
import type { LoadReport } from '../loadgen/load-report.ts';
import { SpanOutcome } from '../loadgen/span-ledger.ts';
import { newTraceFacts, TracePlan } from '../loadgen/trace-plan.ts';
import { readU32, spanIdRunBits, spanIdSpanIndex, spanIdTraceIndex, spanIdTrailer } from '../loadgen/trace-ids.ts';
import type { CrashWindow, LossSummary } from './run-result.ts';

/** Sums the accountings of several loads (counted drops are added separately). */
export function combineAccounting(list: readonly AccountingResult[]): AccountingResult {
  const sumObj = <T extends object>(objs: readonly T[]): T => {
    const out: Record<string, unknown> = {};
    for (const o of objs) {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'number') out[k] = ((out[k] as number | undefined) ?? 0) + v;
        else if (typeof v === 'boolean') out[k] = Boolean(out[k]) || v;
        else if (Array.isArray(v)) {
          const acc = (out[k] as number[] | undefined) ?? [];
          if (k === 'incompleteExamples') out[k] = acc.length < 10 ? [...acc, ...v].slice(0, 10) : acc;
          else out[k] = v.map((x: number, i) => (acc[i] ?? 0) + x);
        } else if (v && typeof v === 'object') out[k] = { ...((out[k] as object | undefined) ?? {}) };
        else out[k] = v;
      }
    }
    return out as T;
  };
  const spans = sumObj(list.map((a) => a.spans));
  const traces = sumObj(list.map((a) => a.traces));
  // Endpoints are a count over the summed per-endpoint arrays, not a sum.
  traces.endpoints = traces.tracesPerEndpoint.filter((n) => n > 0).length;
  traces.endpointsKept = traces.keptPerEndpoint.filter((n) => n > 0).length;
  return { spans, traces };
}

/** Adds the collectors' counted drops and refusals and recomputes unexplained. */
export function withCountedDrops(a: AccountingResult, scrapes: readonly (readonly PromSample[])[], dropMetrics: readonly DropMetric[] = OTELCOL_DROP_METRICS): AccountingResult {
  const countedByMetric: Record<string, number> = {};
  let countedDrops = 0;
  let countedRefusals = 0;
  for (const m of dropMetrics) {
    let v = 0;
    for (const s of scrapes) v += sumMetric(s, m.name, m.labels);
    countedByMetric[m.name] = (countedByMetric[m.name] ?? 0) + v;
    if (m.kind === 'drop') countedDrops += v;
    else countedRefusals += v;
  }
  const unexplained = a.spans.missing - countedDrops - a.spans.sampledOut;
  return {
    traces: a.traces,
    spans: { ...a.spans, countedDrops, countedRefusals, countedByMetric, unexplained, unexplainedClamped: Math.max(0, unexplained), overExplained: unexplained < 0 },
  };
}

/** 1 for every span of this load that the backend holds. */
function receivedMask(load: LoadReport, received: ReceivedSpans): Uint8Array {
  const n = load.ledger.spansPerTrace;
  const mask = new Uint8Array(load.traceCount * n);
  const runBits = spanIdRunBits(load.runTag);
  const { truth } = load;
  for (let r = 0; r < received.count; r++) {
    const tp = r * 16;
    const sp = r * 8;
    if (readU32(received.traceIds, tp) !== load.runTag) continue;
    const t = readU32(received.traceIds, tp + 4);
    if (t >= load.traceCount || readU32(received.traceIds, tp + 8) !== truth.salt0[t] || spanIdTraceIndex(received.spanIds, sp) !== t) continue;
    if (spanIdTrailer(received.spanIds, sp) !== runBits) continue;
    const j = spanIdSpanIndex(received.spanIds, sp);
    if (j < n) mask[t * n + j] = 1;
  }
  return mask;
}

/**
 * When each missing span (accepted at the edge, not received) left the generator, in ms since
 * epochMs: its end time (spans are emitted when they end). Sampled-out traces are skipped when
 * sampling (nothing of them arrived, by design).
 */
export function missingSpanTimes(load: LoadReport, received: ReceivedSpans, epochMs: number, sampling: boolean): number[] {
  const plan = new TracePlan(load.config);
  const n = plan.spansPerTrace;
  const mask = receivedMask(load, received);
  const f = newTraceFacts();
  const out: number[] = [];
  const offset = load.epochMs - epochMs;
  for (let t = 0; t < load.traceCount; t++) {
    let got = 0;
    if (sampling) for (let j = 0; j < n; j++) got += mask[t * n + j]!;
    if (sampling && got === 0) continue;
    let described = false;
    for (let j = 0; j < n; j++) {
      const i = t * n + j;
      if (load.ledger.outcome[i] !== SpanOutcome.ACCEPTED || mask[i]) continue;
      if (!described) {
        plan.describe(t, f);
        described = true;
      }
      out.push(offset + plan.spanEndNs(f, j) / 1e6);
    }
  }
  return out;
}

export function explainLoss(a: AccountingResult, missingTimes: readonly number[], windows: readonly CrashWindow[]): LossSummary {
  const s = a.spans;
  let inside = 0;
  for (const t of missingTimes) if (windows.some((w) => t >= w.startMs && t <= w.endMs)) inside++;
  const outside = missingTimes.length - inside;
  // What the killed processes held, from their last scrape (just before a testbed kill; the last
  // periodic one for a process that died by itself, which is no bound).
  const held = windows.reduce((acc, w) => acc + (w.heldAtKillEstimate ?? Infinity), 0);
  let verdict: LossSummary['verdict'];
  if (s.unexplainedClamped === 0) verdict = 'counted';
  else if (windows.length > 0 && s.unexplained <= inside && s.unexplained <= held && outside <= s.countedDrops) verdict = 'crash_window';
  else verdict = 'unexplained';
  const text =
    verdict === 'counted'
      ? `every missing span is counted (${s.missing} missing, ${s.countedDrops} counted drops${s.sampledOut ? `, ${s.sampledOut} sampled out` : ''}${s.overExplained ? `; over-explained by ${-s.unexplained}: some counted failures still arrived` : ''})`
      : verdict === 'crash_window'
        ? `${s.unexplained} span(s) lost uncounted, within ${windows.length} crash window(s) (${inside} missing inside, ${outside} outside <= ${s.countedDrops} counted) and no more than the killed process(es) held${Number.isFinite(held) ? ` (${held} at the scrape before the kill)` : ''}`
        : `${s.unexplained} span(s) unexplained (${s.missing} missing, ${s.countedDrops} counted, ${inside} inside crash windows, ${outside} outside${windows.length ? `; the killed process(es) held ${Number.isFinite(held) ? held : 'an unknown number'}` : ''})`;
  return {
    generated: s.generated,
    sent: s.sent,
    receivedUniqueSent: s.receivedUniqueSent,
    missing: s.missing,
    countedDrops: s.countedDrops,
    countedRefusals: s.countedRefusals,
    countedByMetric: s.countedByMetric,
    sampledOut: s.sampledOut,
    unexplained: s.unexplained,
    unexplainedClamped: s.unexplainedClamped,
    overExplained: s.overExplained,
    duplicates: s.duplicates,
    verdict,
    crashWindows: [...windows],
    missingInCrashWindows: inside,
    missingOutsideCrashWindows: outside,
    text,
  };
}
