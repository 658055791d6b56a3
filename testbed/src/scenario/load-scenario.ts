/**
 * Reading scenario files: YAML -> validated ScenarioSpec (every problem with its path), the run
 * plans of its variants, and the list of scenarios in a directory.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import {
  scenarioSchema,
  type AssertionsSpec,
  type FaultSpec,
  type ScenarioSpec,
  type TemplateRef,
  type TemplatesSpec,
  type TopologySpec,
} from './scenario-schema.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCENARIOS_DIR = join(REPO_ROOT, 'scenarios');
export const DEFAULT_TEMPLATES_DIR = join(SCENARIOS_DIR, 'templates');

export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid scenario:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

export interface LoadedScenario {
  name: string;
  /** The file it came from (undefined for text parsed directly). */
  file?: string;
  /** Template file references are relative to this directory. */
  dir: string;
  spec: ScenarioSpec;
}

/** "faults[1].at" from ["faults", 1, "at"]. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const out: string[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') for (const k of i.keys) out.push(`${formatPath([...i.path, k])}: unknown key`);
    else out.push(`${formatPath(i.path)}: ${i.message}`);
  }
  return out;
}

/** Parses and validates scenario YAML; throws ScenarioError listing every problem. */
export function parseScenario(text: string, o: { source?: string; dir?: string; defaultName?: string } = {}): LoadedScenario {
  const source = o.source ?? '(scenario)';
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) throw new ScenarioError(source, doc.errors.map((e) => `YAML: ${e.message}`));
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ScenarioError(source, ['(top level): expected a mapping']);
  const r = scenarioSchema.safeParse(raw);
  if (!r.success) throw new ScenarioError(source, formatIssues(r.error.issues));
  const name = r.data.name ?? o.defaultName;
  if (!name) throw new ScenarioError(source, ['name: required when the scenario does not come from a file']);
  return { name, spec: r.data, dir: o.dir ?? process.cwd() };
}

export function loadScenarioFile(file: string): LoadedScenario {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(file, [`cannot read: ${(e as Error).message}`]);
  }
  return { ...parseScenario(text, { source: file, dir: dirname(path), defaultName: basename(path, extname(path)) }), file: path };
}

export interface ScenarioListing {
  name: string;
  file: string;
  description?: string;
  topology?: string;
  faults?: string[];
  variants?: string[];
  /** Set when the file does not validate. */
  error?: string;
}

/** The scenarios in a directory (*.yaml / *.yml, not in subdirectories), validated. */
export function listScenarios(dir = SCENARIOS_DIR): ScenarioListing[] {
  const out: ScenarioListing[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const file = join(dir, entry);
    if (!/\.ya?ml$/.test(entry) || !statSync(file).isFile()) continue;
    try {
      const s = loadScenarioFile(file);
      out.push({
        name: s.name,
        file,
        description: s.spec.description,
        topology: describeTopology(s.spec.topology),
        faults: s.spec.faults.map((f) => f.type),
        variants: s.spec.variants?.map((v) => v.name),
      });
    } catch (e) {
      out.push({ name: basename(entry, extname(entry)), file, error: (e as Error).message });
    }
  }
  return out;
}

export function describeTopology(t: TopologySpec): string {
  return t.kind === 'single' ? 'single' : `tiered (${t.agents} agent${t.agents > 1 ? 's' : ''}, ${t.gateways} gateway${t.gateways > 1 ? 's' : ''})`;
}

/** A template reference with its file made absolute. */
export type ResolvedTemplateRef = TemplateRef & { source: string };

export interface ResolvedTemplates {
  collector: ResolvedTemplateRef[];
  agent: ResolvedTemplateRef[];
  gateway: ResolvedTemplateRef[];
}

/**
 * The testbed's default templates (scenarios/templates/). The agent prefers the loadbalancing
 * exporter over every gateway, and falls back to one otlp exporter to the first gateway while the
 * collector has no loadbalancing exporter.
 */
export function defaultTemplates(): TemplatesSpec {
  const t = (file: string, extra: Partial<TemplateRef> = {}): TemplateRef => ({ file: join(DEFAULT_TEMPLATES_DIR, file), requires: [], single_gateway: false, ...extra });
  return {
    collector: [t('collector.yaml')],
    agent: [t('agent-loadbalancing.yaml'), t('agent.yaml', { single_gateway: true })],
    gateway: [t('gateway.yaml')],
  };
}

function resolveRefs(refs: readonly TemplateRef[], dir: string): ResolvedTemplateRef[] {
  return refs.map((r) => {
    if (r.file !== undefined) {
      const file = resolve(dir, r.file);
      return { ...r, file, source: file };
    }
    return { ...r, source: 'inline' };
  });
}

/** One run of a scenario: the scenario itself, or one of its variants. */
export interface RunPlan {
  scenario: string;
  variant?: string;
  description?: string;
  /** The scenario file, for the report. */
  file?: string;
  topology: TopologySpec;
  templates: ResolvedTemplates;
  load: ScenarioSpec['load'];
  faults: FaultSpec[];
  sampling: boolean;
  assertions: AssertionsSpec;
  drain: ScenarioSpec['drain'];
  scrapeIntervalMs: number;
  sampleIntervalMs: number;
}

/** The runs of a scenario: one per variant (merged over the scenario), or the scenario itself. */
export function runPlans(s: LoadedScenario): RunPlan[] {
  const base = s.spec;
  const defaults = defaultTemplates();
  const merged = (over?: TemplatesSpec): ResolvedTemplates => ({
    collector: over?.collector ? resolveRefs(over.collector, s.dir) : base.templates.collector ? resolveRefs(base.templates.collector, s.dir) : resolveRefs(defaults.collector!, DEFAULT_TEMPLATES_DIR),
    agent: over?.agent ? resolveRefs(over.agent, s.dir) : base.templates.agent ? resolveRefs(base.templates.agent, s.dir) : resolveRefs(defaults.agent!, DEFAULT_TEMPLATES_DIR),
    gateway: over?.gateway ? resolveRefs(over.gateway, s.dir) : base.templates.gateway ? resolveRefs(base.templates.gateway, s.dir) : resolveRefs(defaults.gateway!, DEFAULT_TEMPLATES_DIR),
  });
  const common = {
    scenario: s.name,
    file: s.file,
    load: base.load,
    drain: base.drain,
    scrapeIntervalMs: base.scrape_interval,
    sampleIntervalMs: base.sample_interval,
  };
  if (!base.variants) {
    return [{ ...common, description: base.description, topology: base.topology, templates: merged(), faults: base.faults, sampling: base.sampling, assertions: base.assertions }];
  }
  return base.variants.map((v) => ({
    ...common,
    variant: v.name,
    description: v.description ?? base.description,
    topology: v.topology ?? base.topology,
    templates: merged(v.templates),
    faults: v.faults ?? base.faults,
    sampling: v.sampling ?? base.sampling,
    assertions: { ...base.assertions, ...v.assertions },
  }));
}
