/**
 * service.pipelines, with otelcol's rules: each pipeline has receivers and exporters, every
 * reference is defined, no id twice in a list, connectors join pipelines (exporter of one,
 * receiver of another, never only one side) and do not form cycles. Only traces pipelines run
 * here; metrics and logs pipelines are rejected.
 */
import type { ConfigProblem, ResolvedPipeline } from './types.ts';
import { describeType, isMap, problem, formatPath, type PathSegment } from './path.ts';
import { idError } from './component-ids.ts';

export interface DefinedIds {
  receivers: ReadonlySet<string>;
  processors: ReadonlySet<string>;
  exporters: ReadonlySet<string>;
  connectors: ReadonlySet<string>;
}

export interface PipelinesResult {
  pipelines: Map<string, ResolvedPipeline>;
  /** Ids referenced by the supported pipelines, per section. */
  used: { receivers: Set<string>; processors: Set<string>; exporters: Set<string>; connectors: Set<string> };
}

const LIST_KEYS = ['receivers', 'processors', 'exporters'] as const;
type ListKey = (typeof LIST_KEYS)[number];
const SINGULAR: Record<ListKey, string> = { receivers: 'receiver', processors: 'processor', exporters: 'exporter' };
const UNSUPPORTED_SIGNALS = new Set(['metrics', 'logs', 'profiles']);

interface Reference {
  pipeline: string;
  path: PathSegment[];
}

/** The strings of a list value; non-lists and non-strings are reported when `problems` is given. */
function readList(value: unknown, path: PathSegment[], problems: ConfigProblem[] | undefined): { id: string; index: number }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems?.push(problem(path, `expected a list of component ids, got ${describeType(value)}`));
    return [];
  }
  const out: { id: string; index: number }[] = [];
  value.forEach((item, index) => {
    if (typeof item === 'string') out.push({ id: item, index });
    else problems?.push(problem([...path, index], `expected a component id, got ${describeType(item)}`));
  });
  return out;
}

export function resolvePipelines(raw: unknown, defined: DefinedIds, problems: ConfigProblem[]): PipelinesResult {
  const base: PathSegment[] = ['service', 'pipelines'];
  const result: PipelinesResult = {
    pipelines: new Map(),
    used: { receivers: new Set(), processors: new Set(), exporters: new Set(), connectors: new Set() },
  };
  if (raw === undefined || raw === null || (isMap(raw) && Object.keys(raw).length === 0)) {
    problems.push(problem(base, 'at least one pipeline is required'));
    return result;
  }
  if (!isMap(raw)) {
    problems.push(problem(base, `expected a map of pipeline ids to pipelines, got ${describeType(raw)}`));
    return result;
  }

  // Connector uses across all pipelines, unsupported signals included, so a connector feeding a
  // (rejected) metrics pipeline is not also reported as "never used as a receiver".
  const connectorAsExporter = new Map<string, Reference[]>();
  const connectorAsReceiver = new Map<string, Reference[]>();
  const isConnector = (id: string) => defined.connectors.has(id);
  const note = (m: Map<string, Reference[]>, id: string, ref: Reference) => m.set(id, [...(m.get(id) ?? []), ref]);

  for (const [pid, value] of Object.entries(raw)) {
    const ppath = [...base, pid];
    const bad = idError(pid);
    if (bad !== undefined) {
      problems.push(problem(ppath, bad));
      continue;
    }
    const signal = pid.split('/')[0]!;
    const supported = signal === 'traces';
    if (!supported) {
      problems.push(
        problem(ppath, UNSUPPORTED_SIGNALS.has(signal) ? `${signal} pipelines are not supported yet (only traces)` : `unknown pipeline signal "${signal}"; expected traces`),
      );
    }
    if (value !== undefined && value !== null && !isMap(value)) {
      if (supported) problems.push(problem(ppath, `expected a map with receivers, processors and exporters, got ${describeType(value)}`));
      continue;
    }
    const p = value ?? {};
    // Problems inside unsupported pipelines are not reported: the pipeline itself already is.
    const report = supported ? problems : undefined;
    for (const k of Object.keys(p)) {
      if (!(LIST_KEYS as readonly string[]).includes(k)) report?.push(problem([...ppath, k], `unknown key "${k}"; expected receivers, processors or exporters`));
    }

    const lists: Record<ListKey, string[]> = { receivers: [], processors: [], exporters: [] };
    for (const key of LIST_KEYS) {
      const lpath = [...ppath, key];
      const seen = new Set<string>();
      for (const { id, index } of readList(p[key], lpath, report)) {
        const ipath = [...lpath, index];
        if (seen.has(id)) {
          report?.push(problem(ipath, `references ${SINGULAR[key]} "${id}" more than once`));
          continue;
        }
        seen.add(id);
        lists[key].push(id);
        if (key !== 'processors' && isConnector(id) && !defined[key].has(id)) {
          note(key === 'exporters' ? connectorAsExporter : connectorAsReceiver, id, { pipeline: pid, path: ipath });
          if (supported) result.used.connectors.add(id);
          continue;
        }
        if (!defined[key].has(id)) {
          const where = key === 'processors' ? 'processors' : `${key} or connectors`;
          report?.push(problem(ipath, `references ${SINGULAR[key]} "${id}" which is not defined in ${where}`));
          continue;
        }
        if (supported) result.used[key].add(id);
      }
    }
    if (!supported) continue;
    if (lists.receivers.length === 0 && !hasListProblem(problems, ppath, 'receivers')) {
      problems.push(problem([...ppath, 'receivers'], 'a pipeline must have at least one receiver'));
    }
    if (lists.exporters.length === 0 && !hasListProblem(problems, ppath, 'exporters')) {
      problems.push(problem([...ppath, 'exporters'], 'a pipeline must have at least one exporter'));
    }
    result.pipelines.set(pid, { id: pid, ...lists });
  }

  for (const [id, refs] of connectorAsExporter) {
    if (connectorAsReceiver.has(id)) continue;
    for (const r of refs) problems.push(problem(r.path, `connector "${id}" is used as an exporter but not as a receiver in any pipeline`));
  }
  for (const [id, refs] of connectorAsReceiver) {
    if (connectorAsExporter.has(id)) continue;
    for (const r of refs) problems.push(problem(r.path, `connector "${id}" is used as a receiver but not as an exporter in any pipeline`));
  }
  findCycles(result.pipelines, defined.connectors, problems);
  return result;
}

/** A list that was not a list already has a problem; "must have one" on top would be noise. */
function hasListProblem(problems: readonly ConfigProblem[], ppath: PathSegment[], key: string): boolean {
  const p = formatPath([...ppath, key]);
  return problems.some((x) => x.path === p);
}

/**
 * Connectors make a graph of pipelines (A exports to connector C, B receives from C: A -> B).
 * Data would loop forever around a cycle, so otelcol refuses them; so do we.
 */
function findCycles(pipelines: ReadonlyMap<string, ResolvedPipeline>, connectors: ReadonlySet<string>, problems: ConfigProblem[]): void {
  const next = new Map<string, string[]>();
  for (const a of pipelines.values()) {
    const outs = a.exporters.filter((e) => connectors.has(e));
    next.set(
      a.id,
      [...pipelines.values()].filter((b) => b.receivers.some((r) => outs.includes(r))).map((b) => b.id),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const n of next.get(id) ?? []) {
      if (state.get(n) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(n)), n];
        problems.push(problem(['service', 'pipelines', n], `pipelines form a cycle through connectors: ${cycle.join(' -> ')}`));
      } else if (state.get(n) === undefined) visit(n);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of pipelines.keys()) if (state.get(id) === undefined) visit(id);
}
