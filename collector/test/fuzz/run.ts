/**
 * Long-running fuzzing, outside CI: `npm run fuzz -- --minutes 10 [--seed N] [--concurrency N]`.
 * Rounds of random, mutated and truncated inputs at every decoder and every receiver endpoint
 * until the time is up; prints the count of inputs tried, per target, the retained memory after
 * each round and every finding. Exits 1 when there is a finding.
 */
import { parseArgs } from 'node:util';
import { formatReport, runFuzz } from './harness.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '1' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    concurrency: { type: 'string', default: '8' },
  },
});
const minutes = Number(values.minutes);
const seed = Number(values.seed);
if (!(minutes > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run fuzz -- --minutes <n> [--seed <int>] [--concurrency <n>]');
  process.exit(2);
}
console.log(`fuzzing for ${minutes} min, seed ${seed} (rerun a finding with --seed ${seed})`);
const report = await runFuzz({
  decoderInputs: 2000,
  endpointInputs: 300,
  durationMs: minutes * 60_000,
  seed,
  concurrency: Number(values.concurrency),
  maxRetainedGrowthBytes: 128 * 2 ** 20,
  log: (line) => console.log(line),
});
console.log(formatReport(report));
process.exit(report.findings.length === 0 ? 0 : 1);
