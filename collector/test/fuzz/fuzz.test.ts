/**
 * The CI-sized fuzz run (a few seconds): every decoder and every registered receiver endpoint
 * gets random, mutated-valid, truncated and hostile inputs; no crash, no hang, every answer clear,
 * every endpoint still accepting valid data afterwards, retained memory bounded across rounds.
 * The long-running mode is `npm run fuzz -- --minutes 10` (run.ts).
 */
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../src/components.ts';
import { formatReport, runFuzz } from './harness.ts';

describe('hostile input never takes the collector down', () => {
  it('decoders and receiver endpoints: clear refusals only, alive afterwards, memory bounded', async () => {
    const report = await runFuzz({
      decoderInputs: 120,
      endpointInputs: 20,
      durationMs: 0,
      seed: 20_261_122,
      concurrency: 4,
      maxRetainedGrowthBytes: 64 * 2 ** 20,
    });
    // One round keeps CI short; memory across rounds is the next test.
    console.log(formatReport(report));
    expect(report.findings).toEqual([]);
    const names = report.targets.map((t) => t.name);
    expect(names).toContain('otlp grpc Export');
    expect(names).toContain('otlp http protobuf');
    expect(names).toContain('otlp http json');
    if (builtinRegistry().get('receiver', 'jaeger') !== undefined) expect(names).toContain('jaeger grpc PostSpans');
    if (builtinRegistry().get('receiver', 'zipkin') !== undefined) expect(names).toContain('zipkin http v2 json');
    // Every target saw both outcomes: the inputs reach past the first check of each decoder.
    for (const t of report.targets) {
      expect(t.inputs, t.name).toBeGreaterThan(0);
      expect(t.refused, t.name).toBeGreaterThan(0);
    }
    expect(report.totalInputs).toBeGreaterThan(1500);
  }, 120_000);

  it('retained memory stays bounded over rounds of hostile input', async () => {
    const report = await runFuzz({
      decoderInputs: 30,
      endpointInputs: 10,
      durationMs: 0,
      minRounds: 3,
      seed: 7,
      concurrency: 4,
      maxRetainedGrowthBytes: 64 * 2 ** 20,
    });
    console.log(formatReport(report));
    expect(report.rounds).toBe(3);
    expect(report.findings).toEqual([]);
  }, 120_000);
});
