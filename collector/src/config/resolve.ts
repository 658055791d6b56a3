/**
 * From the merged, expanded config tree to a ResolvedConfig: every component parsed by its
 * factory's schema, pipelines checked, telemetry settings filled in. Collects every problem
 * rather than stopping at the first, and returns a config only when there are none.
 */
import type { FactoryRegistry } from '../component/registry.ts';
import type { AnyFactory } from '../component/types.ts';
import type { ConfigProblem, ResolvedComponent, ResolvedConfig, ResolveResult } from './types.ts';
import { describeType, isMap, problem } from './path.ts';
import { resolveSection, SECTIONS, type SectionName, type SectionResult } from './resolve-components.ts';
import { resolvePipelines } from './resolve-pipelines.ts';
import { resolveTelemetry } from './telemetry.ts';
import { sortByAppearance } from './problem-order.ts';

const TOP_KEYS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions', 'service'];
const SERVICE_KEYS = ['extensions', 'pipelines', 'telemetry'];

function unknownKeys(obj: Record<string, unknown>, allowed: readonly string[], prefix: string[], problems: ConfigProblem[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) problems.push(problem([...prefix, k], `unknown key "${k}"; expected one of ${allowed.join(', ')}`));
  }
}

/** service.extensions: a list of defined extension ids, each once. */
function resolveServiceExtensions(raw: unknown, defined: ReadonlySet<string>, problems: ConfigProblem[]): string[] {
  if (raw === undefined || raw === null) return [];
  const path = ['service', 'extensions'];
  if (!Array.isArray(raw)) {
    problems.push(problem(path, `expected a list of extension ids, got ${describeType(raw)}`));
    return [];
  }
  const out: string[] = [];
  raw.forEach((id, i) => {
    if (typeof id !== 'string') problems.push(problem([...path, i], `expected an extension id, got ${describeType(id)}`));
    else if (out.includes(id)) problems.push(problem([...path, i], `references extension "${id}" more than once`));
    else if (!defined.has(id)) problems.push(problem([...path, i], `references extension "${id}" which is not defined in extensions`));
    else out.push(id);
  });
  return out;
}

/** The used subset of a section, typed by kind (resolveSection looked factories up by kind). */
function used<F extends AnyFactory>(section: SectionResult, ids: ReadonlySet<string> | readonly string[]): Map<string, ResolvedComponent<F>> {
  const out = new Map<string, ResolvedComponent<F>>();
  for (const id of ids) {
    const c = section.valid.get(id);
    if (c !== undefined) out.set(id, c as ResolvedComponent<F>);
  }
  return out;
}

export function resolveConfig(raw: unknown, registry: FactoryRegistry): ResolveResult {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const root = raw ?? {};
  if (!isMap(root)) {
    return { problems: [{ path: '', message: `the configuration must be a map, got ${describeType(root)}` }], warnings };
  }
  unknownKeys(root, TOP_KEYS, [], problems);

  const sections = {} as Record<SectionName, SectionResult>;
  for (const [section, kind] of SECTIONS) sections[section] = resolveSection(section, kind, root[section], registry, problems);

  // A pipeline's `receivers: [forward]` must name one thing (otelcol: "ambiguous ID").
  for (const id of sections.connectors.defined) {
    for (const other of ['receivers', 'exporters'] as const) {
      if (sections[other].defined.has(id)) {
        problems.push(problem(['connectors', id], `ambiguous id: "${id}" is defined both as a connector and in ${other}; rename one`));
      }
    }
  }

  const service = root.service ?? {};
  let serviceMap: Record<string, unknown> = {};
  if (!isMap(service)) problems.push(problem(['service'], `expected a map, got ${describeType(service)}`));
  else {
    serviceMap = service;
    unknownKeys(service, SERVICE_KEYS, ['service'], problems);
  }

  const extensionIds = resolveServiceExtensions(serviceMap.extensions, sections.extensions.defined, problems);
  const pipelines = resolvePipelines(
    serviceMap.pipelines,
    {
      receivers: sections.receivers.defined,
      processors: sections.processors.defined,
      exporters: sections.exporters.defined,
      connectors: sections.connectors.defined,
    },
    problems,
  );
  const telemetry = resolveTelemetry(serviceMap.telemetry, ['service', 'telemetry']);
  problems.push(...telemetry.problems);
  warnings.push(...telemetry.warnings);

  if (problems.length > 0 || telemetry.settings === undefined) {
    return { problems: sortByAppearance(problems, root), warnings: sortByAppearance(warnings, root) };
  }
  // Defined-but-unused components are valid (otelcol ignores them) but are not built.
  const config: ResolvedConfig = {
    receivers: used(sections.receivers, pipelines.used.receivers),
    processors: used(sections.processors, pipelines.used.processors),
    exporters: used(sections.exporters, pipelines.used.exporters),
    connectors: used(sections.connectors, pipelines.used.connectors),
    extensions: used(sections.extensions, extensionIds),
    service: { pipelines: pipelines.pipelines, extensions: extensionIds, telemetry: telemetry.settings },
  };
  return { config, problems: [], warnings: sortByAppearance(warnings, root) };
}
