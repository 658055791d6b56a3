/**
 * The fuzz loop shared by the CI-sized test (fuzz.test.ts) and the long-running mode
 * (`npm run fuzz -- --minutes 10`, run.ts): rounds of inputs for every decoder (called directly)
 * and every receiver endpoint (over sockets), until the input budget or the time is spent.
 *
 * Findings: a decoder throwing anything but its refusal error or taking longer than
 * SLOW_INPUT_MS on one input; an endpoint answering unclearly (see endpoints.ts) or not at all;
 * an endpoint that no longer accepts a valid request after a round; retained memory (after a
 * forced GC) growing past the bound between the first and the last round.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decoderTargets, type DecoderTarget } from './decoders.ts';
import { startReceivers, type EndpointTarget, type RunningReceivers } from './endpoints.ts';
import { fuzzInputs, sampleInputs, type FuzzInput } from './inputs.ts';

export const SLOW_INPUT_MS = 2000;
const MAX_FINDINGS_PER_TARGET = 10;

export interface FuzzOptions {
  /** Inputs per decoder per round. */
  decoderInputs: number;
  /** Inputs per endpoint per round. */
  endpointInputs: number;
  /** Keep starting rounds until this much time has passed... */
  durationMs: number;
  /** ...and at least this many rounds were run (default 1). */
  minRounds?: number;
  seed: number;
  /** Sends in flight per endpoint. */
  concurrency: number;
  /** Allowed growth of retained memory (heap + external, after GC) from the first round to the last. */
  maxRetainedGrowthBytes: number;
  log?: (line: string) => void;
}

export interface Finding {
  target: string;
  kind: string;
  input: string;
  problem: string;
}

export interface TargetStats {
  name: string;
  inputs: number;
  accepted: number;
  refused: number;
  slowestMs: number;
}

export interface FuzzReport {
  rounds: number;
  totalInputs: number;
  targets: TargetStats[];
  findings: Finding[];
  /** Retained bytes (heap + external after GC) after each round. */
  retained: number[];
  elapsedMs: number;
}

/** A gc() even when node was started without --expose-gc. */
function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export function retainedBytes(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

function describeInput(input: FuzzInput): string {
  const head = input.bytes.subarray(0, 48).toString('hex');
  return `${input.kind}, ${input.bytes.length} bytes: ${head}${input.bytes.length > 48 ? '…' : ''}`;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const log = options.log ?? (() => {});
  const gc = gcFunction();
  const started = Date.now();
  const findings: Finding[] = [];
  const findingCount = new Map<string, number>();
  const addFinding = (f: Finding): void => {
    const n = findingCount.get(f.target) ?? 0;
    findingCount.set(f.target, n + 1);
    if (n < MAX_FINDINGS_PER_TARGET) findings.push(f);
  };

  const decoders = await decoderTargets();
  const running: RunningReceivers = await startReceivers();
  const stats = new Map<string, TargetStats>();
  const statsOf = (name: string): TargetStats => {
    let s = stats.get(name);
    if (s === undefined) stats.set(name, (s = { name, inputs: 0, accepted: 0, refused: 0, slowestMs: 0 }));
    return s;
  };
  const decoderArbs = new Map(decoders.map((d) => [d.name, fuzzInputs(d.seeds, d.hostile)]));
  const endpointArbs = new Map(running.targets.map((t) => [t.name, fuzzInputs(t.seeds, t.hostile)]));
  const retained: number[] = [];
  let rounds = 0;
  try {
    do {
      const roundSeed = options.seed + rounds * 7919;
      for (const d of decoders) runDecoder(d, sampleInputs(decoderArbs.get(d.name)!, options.decoderInputs, roundSeed), statsOf(d.name), addFinding);
      await Promise.all(
        running.targets.map((t) => runEndpoint(t, sampleInputs(endpointArbs.get(t.name)!, options.endpointInputs, roundSeed), statsOf(t.name), options.concurrency, addFinding)),
      );
      for (const t of running.targets) {
        const problem = await stillAccepts(t, running);
        if (problem !== null) addFinding({ target: t.name, kind: 'liveness', input: 'a valid seed', problem });
      }
      rounds++;
      retained.push(retainedBytes(gc));
      const total = [...stats.values()].reduce((n, s) => n + s.inputs, 0);
      log(`round ${rounds}: ${total.toLocaleString('en')} inputs so far, retained ${(retained.at(-1)! / 2 ** 20).toFixed(1)} MiB, ${findings.length} findings`);
    } while (rounds < (options.minRounds ?? 1) || Date.now() - started < options.durationMs);
  } finally {
    await running.stop();
  }
  // Memory: compare the last round with the first (after the first, caches and JIT are warm).
  if (retained.length >= 2 && retained.at(-1)! - retained[0]! > options.maxRetainedGrowthBytes) {
    addFinding({
      target: 'process',
      kind: 'memory',
      input: `${rounds} rounds`,
      problem: `retained memory grew by ${((retained.at(-1)! - retained[0]!) / 2 ** 20).toFixed(1)} MiB (bound ${(options.maxRetainedGrowthBytes / 2 ** 20).toFixed(0)} MiB)`,
    });
  }
  const targets = [...stats.values()];
  return { rounds, totalInputs: targets.reduce((n, s) => n + s.inputs, 0), targets, findings, retained, elapsedMs: Date.now() - started };
}

function runDecoder(d: DecoderTarget, inputs: FuzzInput[], s: TargetStats, addFinding: (f: Finding) => void): void {
  for (const input of inputs) {
    s.inputs++;
    const t0 = performance.now();
    try {
      if (d.run(input.bytes) === 'ok') s.accepted++;
      else s.refused++;
    } catch (err) {
      addFinding({ target: d.name, kind: 'unexpected error', input: describeInput(input), problem: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
    const ms = performance.now() - t0;
    if (ms > s.slowestMs) s.slowestMs = ms;
    if (ms > SLOW_INPUT_MS) addFinding({ target: d.name, kind: 'slow', input: describeInput(input), problem: `${ms.toFixed(0)} ms for one input` });
  }
}

async function runEndpoint(t: EndpointTarget, inputs: FuzzInput[], s: TargetStats, concurrency: number, addFinding: (f: Finding) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const input = inputs[next++]!;
      s.inputs++;
      const t0 = performance.now();
      const answer = await t.send(input.bytes);
      const ms = performance.now() - t0;
      if (ms > s.slowestMs) s.slowestMs = ms;
      if (answer.accepted) s.accepted++;
      else s.refused++;
      if (!answer.clear) addFinding({ target: t.name, kind: 'unclear answer', input: describeInput(input), problem: `${answer.status}: ${answer.detail}` });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Sends the first valid seed; null when it was accepted (for UDP: when its spans arrived). */
async function stillAccepts(t: EndpointTarget, running: RunningReceivers): Promise<string | null> {
  const before = running.sink.spans;
  const answer = await t.send(t.seeds[0]!);
  if (t.answers) return answer.accepted ? null : `valid request answered ${answer.status}: ${answer.detail}`;
  for (let waited = 0; waited < 5000; waited += 50) {
    if (running.sink.spans > before) return null;
    await new Promise((r) => setTimeout(r, 50));
  }
  return 'a valid packet sent after the round never reached the pipeline';
}

export function formatReport(r: FuzzReport): string {
  const lines = [
    `fuzz: ${r.totalInputs.toLocaleString('en')} inputs tried in ${r.rounds} round(s), ${(r.elapsedMs / 1000).toFixed(1)} s; ${r.findings.length} finding(s)`,
    ...r.targets.map(
      (s) => `  ${s.name.padEnd(46)} ${String(s.inputs).padStart(8)} inputs  ${String(s.accepted).padStart(7)} accepted  ${String(s.refused).padStart(8)} refused  slowest ${s.slowestMs.toFixed(1)} ms`,
    ),
    `  retained memory after each round (MiB): ${r.retained.map((b) => (b / 2 ** 20).toFixed(1)).join(' ')}`,
    ...r.findings.map((f) => `  FINDING [${f.target}] ${f.kind}: ${f.problem}\n      input: ${f.input}`),
  ];
  return lines.join('\n');
}
