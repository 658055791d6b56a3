/**
 * The scenario file format (scenarios/*.yaml), as a strict zod schema: unknown keys are errors and
 * every problem is reported with its path. See testbed/README.md, "Scenario files".
 *
 * The load section is the load generator's own knobs (loadgen/config.ts) without `endpoint`, which
 * the testbed fills in; it is checked here against that schema but kept as written, so overrides
 * (--rate, --duration) can be applied before it is resolved.
 */
import { z } from 'zod';
import { loadgenConfigSchema, parseDurationMs, resolveLoadgenConfig, type LoadgenConfigInput } from '../loadgen/config.ts';
import { parseTimeSpec, type TimeSpec } from './time-spec.ts';

/** Forwards the issues of another schema, keeping their paths and naming unknown keys. */
function forwardIssues(ctx: z.RefinementCtx, issues: readonly z.core.$ZodIssue[]): void {
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys) ctx.addIssue({ code: 'custom', path: [...(i.path as (string | number)[]), key], message: 'unknown key' });
    } else ctx.addIssue({ code: 'custom', path: i.path as (string | number)[], message: i.message });
  }
}

const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  try {
    return parseDurationMs(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const time = z.union([z.number(), z.string()]).transform((v, ctx): TimeSpec => {
  try {
    return parseTimeSpec(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

/** A ratio: 0.95 or "95%". */
const ratio = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.test(v) ? Number(v.trim().slice(0, -1)) / 100 : NaN;
  if (!(n >= 0 && n <= 1)) {
    ctx.addIssue({ code: 'custom', message: `expected a ratio between 0 and 1 or a percentage like "95%", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

/** A span count (a number) or a share of the spans sent ("0.1%"). */
const spanBudget = z.union([z.number().int().min(0), z.string()]).transform((v, ctx): { spans: number } | { ratio: number } => {
  if (typeof v === 'number') return { spans: v };
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v);
  if (!m || Number(m[1]) > 100) {
    ctx.addIssue({ code: 'custom', message: `expected a number of spans or a percentage of the spans sent like "0.1%", got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return { ratio: Number(m[1]) / 100 };
});

// ---- load ----

const loadKnobs = loadgenConfigSchema.omit({ endpoint: true });
const loadSchema = z
  .record(z.string(), z.unknown())
  .superRefine((v, ctx) => {
    const r = loadKnobs.safeParse(v);
    if (!r.success) return forwardIssues(ctx, r.error.issues);
    try {
      resolveLoadgenConfig({ ...(v as LoadgenConfigInput), endpoint: 'placeholder:1' });
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^invalid load generator config: /, '') });
    }
  })
  .transform((v) => v as Omit<LoadgenConfigInput, 'endpoint'>);

// ---- topology ----

const topologySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('single') }).strict(),
  z
    .object({
      kind: z.literal('tiered'),
      /** Agents; with more than one, the load is split between them (one generator run each). */
      agents: z.number().int().min(1).max(16).default(1),
      gateways: z.number().int().min(1).max(16).default(1),
    })
    .strict(),
]);
export type TopologySpec = z.output<typeof topologySchema>;

// ---- templates ----

const templateRefObject = z
  .object({
    /** A YAML file, relative to the scenario file. */
    file: z.string().min(1).optional(),
    /** The config itself (a YAML string or a mapping). */
    inline: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** Component types needed beyond those the template names (which are found automatically). */
    requires: z.array(z.string().min(1)).default([]),
    /** This template sends to one gateway only: a tiered topology using it runs one gateway. */
    single_gateway: z.boolean().default(false),
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.file === undefined) === (v.inline === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of file or inline' });
  });
const templateRef = z.preprocess((v) => (typeof v === 'string' ? { file: v } : v), templateRefObject);
/** One template or alternatives, first usable wins (e.g. loadbalancing when the collector has it). */
const templateChoice = z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(templateRef).min(1));
export type TemplateRef = z.output<typeof templateRefObject>;

const templatesSchema = z
  .object({
    collector: templateChoice.optional(),
    agent: templateChoice.optional(),
    gateway: templateChoice.optional(),
  })
  .strict();
export type TemplatesSpec = z.output<typeof templatesSchema>;

// ---- faults ----

export const HOPS = ['loadgen-collector', 'collector-backend', 'loadgen-agent', 'agent-gateway', 'gateway-backend'] as const;
export type Hop = (typeof HOPS)[number];
export const SINGLE_HOPS: readonly Hop[] = ['loadgen-collector', 'collector-backend'];
export const TIERED_HOPS: readonly Hop[] = ['loadgen-agent', 'agent-gateway', 'gateway-backend'];

const windowKeys = {
  at: time,
  /** End of the window (a time) ... */
  until: time.optional(),
  /** ... or its length. */
  for: duration.optional(),
};

const gatewayCrash = z
  .object({
    type: z.literal('gateway_crash'),
    at: time,
    /** Gateway index (tiered); in a single topology the collector (0). */
    gateway: z.number().int().min(0).default(0),
    signal: z.enum(['SIGKILL', 'SIGTERM', 'SIGSEGV', 'SIGABRT']).default('SIGKILL'),
    /** Restart it on the same ports then. */
    restart_at: time.optional(),
  })
  .strict();

const backendDown = z
  .object({
    type: z.literal('backend_down'),
    ...windowKeys,
    mode: z.enum(['down', 'refuse', 'throttle', 'slow', 'blackhole']).default('down'),
    latency_ms: z.number().min(0).default(1000),
    retry_after_s: z.number().int().min(0).default(1),
  })
  .strict();

const networkPartition = z
  .object({
    type: z.literal('network_partition'),
    ...windowKeys,
    hop: z.enum(HOPS),
    /** agent-gateway / gateway-backend: only this gateway's link (default: all). */
    gateway: z.number().int().min(0).optional(),
    mode: z.enum(['drop', 'blackhole', 'reset', 'latency', 'bandwidth']).default('blackhole'),
    latency_ms: z.number().min(0).default(200),
    bytes_per_second: z.number().positive().default(65_536),
    /** A real partition between network namespaces (root, ip and iptables needed). */
    netns: z.boolean().default(false),
  })
  .strict();

const oom = z
  .object({
    type: z.literal('oom'),
    /** When the load spike starts. */
    at: time,
    gateway: z.number().int().min(0).default(0),
    /** The process's memory limit, applied from its start. */
    memory_limit_mib: z.number().int().min(16),
    /** auto: cgroup memory.max where writable (v2, else v1), else --max-old-space-size (node only). */
    method: z.enum(['auto', 'cgroup', 'heap']).default('auto'),
    spike: z
      .object({
        rate: z.number().positive(),
        duration: duration,
      })
      .strict(),
    /** Restart the process then if it was killed. */
    restart_at: time.optional(),
  })
  .strict();

const scaleOut = z
  .object({
    type: z.literal('scale_out'),
    at: time,
    count: z.number().int().min(1).max(8).default(1),
  })
  .strict();

const scaleIn = z
  .object({
    type: z.literal('scale_in'),
    at: time,
    /** Gateway index; default the highest running one. */
    gateway: z.number().int().min(0).optional(),
    /** SIGTERM and let it drain (default), or SIGKILL. */
    graceful: z.boolean().default(true),
  })
  .strict();

const faultSchema = z.discriminatedUnion('type', [gatewayCrash, backendDown, networkPartition, oom, scaleOut, scaleIn]);
export type FaultSpec = z.output<typeof faultSchema>;
export type FaultType = FaultSpec['type'];
export const FAULT_TYPES: readonly FaultType[] = ['gateway_crash', 'backend_down', 'network_partition', 'oom', 'scale_out', 'scale_in'];

// ---- assertions ----

const ROLES = ['collector', 'agent', 'gateway'] as const;
const perRole = z.union([z.number().positive(), z.object({ collector: z.number().positive(), agent: z.number().positive(), gateway: z.number().positive() }).partial().strict()]);

const assertionsSchema = z
  .object({
    /** Most spans lost without a counter (sent, not received, not counted): spans or "x%" of sent. */
    unexplained_loss: spanBudget.optional(),
    /** Every loss is counted, or lies in a crash window (spans a killed process held). */
    loss_explained: z.boolean().optional(),
    /** Least share of error traces with at least one span kept. */
    error_traces_kept: ratio.optional(),
    slow_traces_kept: ratio.optional(),
    /** Least share of kept traces that arrived complete. */
    complete_traces: ratio.optional(),
    /** Least (unique spans received) / (spans generated). */
    min_throughput_ratio: ratio.optional(),
    /** Highest RSS of any collector process (or per role), MiB. */
    max_rss_mib: perRole.optional(),
    /** Highest average CPU of any collector process (or per role), 100 = one core. */
    max_cpu_percent: perRole.optional(),
    /** Most spans the generator itself dropped (queue full or at shutdown). */
    max_generator_drops: z.number().int().min(0).optional(),
    /** Accepted outcomes of an oom fault. */
    oom_outcome: z.preprocess((v) => (typeof v === 'string' ? [v] : v), z.array(z.enum(['killed', 'refused', 'recovered'])).min(1)).optional(),
  })
  .strict();
export type AssertionsSpec = z.output<typeof assertionsSchema>;
export type RoleName = (typeof ROLES)[number];

// ---- the scenario ----

const drainSchema = z
  .object({
    /** Longest wait for the pipeline to empty after the load ended. */
    timeout: duration.default(30_000),
    /** The pipeline counts as empty when nothing moved for this long. */
    settle: duration.default(3000),
  })
  .strict();

const variantSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, - and _'),
    description: z.string().optional(),
    topology: topologySchema.optional(),
    templates: templatesSchema.optional(),
    faults: z.array(faultSchema).optional(),
    assertions: assertionsSchema.optional(),
    sampling: z.boolean().optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    /** Default: the file name without .yaml. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, - and _').optional(),
    description: z.string().optional(),
    topology: topologySchema,
    templates: templatesSchema.prefault({}),
    load: loadSchema,
    faults: z.array(faultSchema).default([]),
    /** A sampling pipeline: a sent trace with nothing received was sampled out, not lost. */
    sampling: z.boolean().default(false),
    drain: drainSchema.prefault({}),
    /** How often collectors' metrics are scraped (for the series; the final scrape is separate). */
    scrape_interval: duration.default(1000),
    /** How often each process's CPU and RSS are read from /proc. */
    sample_interval: duration.default(1000),
    assertions: assertionsSchema.prefault({}),
    /** Runs of the same load with different pipelines (e.g. head vs tail sampling). */
    variants: z.array(variantSchema).min(1).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    checkFaults(ctx, s.topology, s.faults, ['faults']);
    const names = new Set<string>();
    s.variants?.forEach((v, i) => {
      if (names.has(v.name)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'name'], message: `duplicate variant name "${v.name}"` });
      names.add(v.name);
      checkFaults(ctx, v.topology ?? s.topology, v.faults ?? s.faults, v.faults ? ['variants', i, 'faults'] : ['faults']);
    });
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioSpec = z.output<typeof scenarioSchema>;
export type VariantSpec = z.output<typeof variantSchema>;

/** Cross-field checks: fault targets exist in the topology, windows are well formed. */
function checkFaults(ctx: z.RefinementCtx, topology: TopologySpec, faults: readonly FaultSpec[], base: (string | number)[]): void {
  const tiered = topology.kind === 'tiered';
  let netnsHop: Hop | undefined;
  faults.forEach((f, i) => {
    const at = (...p: (string | number)[]) => [...base, i, ...p];
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (f.type === 'backend_down' || f.type === 'network_partition') {
      if ((f.until === undefined) === (f.for === undefined)) issue(at(), 'give exactly one of until (a time) or for (a duration)');
      else if (f.until && !timeAfter(f.until, f.at)) issue(at('until'), 'must be after at');
    }
    if ((f.type === 'gateway_crash' || f.type === 'oom') && f.restart_at && !timeAfter(f.restart_at, f.at)) issue(at('restart_at'), 'must be after at');
    if ((f.type === 'gateway_crash' || f.type === 'oom') && !tiered && f.gateway !== 0) {
      issue(at('gateway'), 'a single topology has one collector (gateway 0)');
    }
    if ((f.type === 'scale_out' || f.type === 'scale_in') && !tiered) issue(at('type'), `${f.type} needs topology.kind: tiered`);
    if (f.type === 'network_partition') {
      const hops = tiered ? TIERED_HOPS : SINGLE_HOPS;
      if (!hops.includes(f.hop)) issue(at('hop'), `not a hop of a ${topology.kind} topology; use one of ${hops.join(', ')}`);
      if (f.gateway !== undefined && f.hop !== 'agent-gateway' && f.hop !== 'gateway-backend') issue(at('gateway'), 'only agent-gateway and gateway-backend links have a gateway');
      if (f.netns) {
        if (f.mode === 'latency' || f.mode === 'bandwidth') issue(at('mode'), 'with netns only drop, blackhole and reset are supported (iptables)');
        if (netnsHop !== undefined && netnsHop !== f.hop) issue(at('hop'), `only one hop per run can use netns (already ${netnsHop})`);
        if (f.hop === 'gateway-backend' && f.gateway !== undefined) issue(at('gateway'), 'a netns partition of gateway-backend cuts the backend off from every gateway; drop gateway or use the proxy (netns: false)');
        netnsHop = f.hop;
      }
    }
  });
}

/** Whether b is certainly after a (only comparable when both are times or both shares). */
function timeAfter(b: TimeSpec, a: TimeSpec): boolean {
  if (a.kind === 'ms' && b.kind === 'ms') return b.ms > a.ms;
  if (a.kind === 'fraction' && b.kind === 'fraction') return b.fraction > a.fraction;
  return true;
}
