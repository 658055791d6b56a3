/**
 * `npm run bench [-- name ...]`: runs the benchmarks one after another, each in its own node
 * process (so one benchmark's heap and JIT state do not colour the next), and prints their JSON
 * output. Without names it runs the core set: codec and passthrough. `npm run bench -- all` runs
 * every benchmark in the repository.
 */
import { spawnSync } from 'node:child_process';

const BENCHES: Record<string, string> = {
  codec: 'bench/codec.bench.ts',
  passthrough: 'bench/passthrough.bench.ts',
  'exporter-queue': 'bench/exporter-queue.bench.ts',
  loadbalancing: 'bench/loadbalancing.bench.ts',
  'tail-sampling': 'collector/src/processors/tail_sampling/bench/tail-sampling.bench.ts',
  redaction: 'collector/src/processors/redaction/bench/redaction.bench.ts',
  'jaeger-zipkin-ingest': 'collector/src/receivers/jaeger/bench/ingest.bench.ts',
  'otlp-receiver': 'collector/src/receivers/otlp/bench/receiver.bench.ts',
  loadgen: 'testbed/bench/loadgen.bench.ts',
};
const CORE = ['codec', 'passthrough'];

const args = process.argv.slice(2);
const names = args.length === 0 ? CORE : args.includes('all') ? Object.keys(BENCHES) : args;
const unknown = names.filter((n) => !(n in BENCHES));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(2);
}
let failed = 0;
for (const name of names) {
  process.stdout.write(`\n## ${name}\n`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', BENCHES[name]!], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`benchmark ${name} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
