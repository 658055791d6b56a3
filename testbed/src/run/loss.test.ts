import { describe, expect, it } from 'vitest';
import type { AccountingResult } from '../accounting/span-accounting.ts';
import type { PromSample } from '../accounting/prometheus-text.ts';
import { combineAccounting, explainLoss, withCountedDrops } from './loss.ts';

function accounting(spans: Partial<AccountingResult['spans']>, traces: Partial<AccountingResult['traces']> = {}): AccountingResult {
  return {
    spans: {
      generated: 0, droppedByGenerator: 0, droppedAtShutdown: 0, sent: 0, refusedAtEdge: 0, refusals: 0, retried: 0, failedAtEdge: 0,
      receivedTotal: 0, receivedUnique: 0, receivedUniqueSent: 0, receivedNotSent: 0, duplicates: 0, duplicatedSpans: 0, foreign: 0,
      missing: 0, countedDrops: 0, countedRefusals: 0, countedByMetric: {}, sampledOut: 0, unexplained: 0, unexplainedClamped: 0,
      overExplained: false, tenantMismatches: 0, ...spans,
    },
    traces: {
      total: 0, sentComplete: 0, kept: 0, keptComplete: 0, keptIncomplete: 0, keptIncompleteAtSource: 0, incompleteExamples: [],
      errorTraces: 0, errorTracesKept: 0, slowTraces: 0, slowTracesKept: 0, endpoints: 0, endpointsKept: 0,
      tracesPerEndpoint: [], keptPerEndpoint: [], ...traces,
    },
  };
}

const drops = (n: number): PromSample[] => [{ name: 'otelcol_exporter_send_failed_spans', labels: { exporter: 'otlp' }, value: n }];

describe('loss accounting over several loads', () => {
  it('sums loads, recounts endpoints and adds the counted drops once', () => {
    const a = accounting({ sent: 100, missing: 10, receivedUniqueSent: 90 }, { total: 10, kept: 9, tracesPerEndpoint: [5, 5, 0], keptPerEndpoint: [5, 4, 0], incompleteExamples: [1] });
    const b = accounting({ sent: 50, missing: 5, receivedUniqueSent: 45 }, { total: 5, kept: 5, tracesPerEndpoint: [0, 2, 3], keptPerEndpoint: [0, 2, 3], incompleteExamples: [2] });
    const c = withCountedDrops(combineAccounting([a, b]), [drops(9), drops(6)]);
    expect(c.spans).toMatchObject({ sent: 150, missing: 15, countedDrops: 15, unexplained: 0, unexplainedClamped: 0, overExplained: false });
    expect(c.traces).toMatchObject({ total: 15, kept: 14, tracesPerEndpoint: [5, 7, 3], endpoints: 3, endpointsKept: 3, incompleteExamples: [1, 2] });
    expect(withCountedDrops(combineAccounting([a, b]), [drops(20)]).spans).toMatchObject({ unexplained: -5, unexplainedClamped: 0, overExplained: true });
  });
});

describe('loss verdict', () => {
  const window = { process: 'gateway-0', startMs: 1000, endMs: 5000, heldAtKillEstimate: 40 };

  it('counted: nothing unexplained', () => {
    const a = withCountedDrops(accounting({ sent: 100, missing: 7 }), [drops(7)]);
    expect(explainLoss(a, [1, 2, 3, 4, 5, 6, 7], []).verdict).toBe('counted');
  });

  it('crash_window: what is unexplained went missing inside the window and the killed gateway held at least that much', () => {
    const a = withCountedDrops(accounting({ sent: 100, missing: 30 }), [drops(5)]);
    const times = [...Array.from({ length: 25 }, () => 2000), 9000, 9000, 9000, 9000, 9000];
    const loss = explainLoss(a, times, [window]);
    expect(loss).toMatchObject({ verdict: 'crash_window', unexplained: 25, missingInCrashWindows: 25, missingOutsideCrashWindows: 5 });
  });

  it('unexplained: more lost than the gateway held, or missing outside the windows beyond the counted drops', () => {
    const a = withCountedDrops(accounting({ sent: 100, missing: 50 }), [drops(0)]);
    expect(explainLoss(a, Array.from({ length: 50 }, () => 2000), [window]).verdict).toBe('unexplained');
    const b = withCountedDrops(accounting({ sent: 100, missing: 10 }), [drops(0)]);
    expect(explainLoss(b, [...Array.from({ length: 9 }, () => 2000), 9000], [window]).verdict).toBe('unexplained');
    expect(explainLoss(b, Array.from({ length: 10 }, () => 2000), []).verdict).toBe('unexplained');
  });

  it('a process that died by itself bounds nothing: the window alone decides', () => {
    const a = withCountedDrops(accounting({ sent: 100, missing: 60 }), []);
    expect(explainLoss(a, Array.from({ length: 60 }, () => 2000), [{ ...window, heldAtKillEstimate: undefined }]).verdict).toBe('crash_window');
  });
});
