/**
 * One component section (receivers, processors, ...): check each id, find its factory, parse its
 * config with the factory's schema. Every defined component is checked, used or not, as otelcol
 * does; the caller keeps only the used ones.
 */
import type { AnyFactory, ComponentKind } from '../component/types.ts';
import { parseComponentId } from '../component/types.ts';
import type { FactoryRegistry } from '../component/registry.ts';
import type { ConfigProblem, ResolvedComponent } from './types.ts';
import { describeType, isMap, problem } from './path.ts';
import { idError } from './component-ids.ts';
import { issuesToProblems, parseWithExpansionFallback } from './zod-issues.ts';

export const SECTIONS = [
  ['receivers', 'receiver'],
  ['processors', 'processor'],
  ['exporters', 'exporter'],
  ['connectors', 'connector'],
  ['extensions', 'extension'],
] as const satisfies ReadonlyArray<readonly [string, ComponentKind]>;

export type SectionName = (typeof SECTIONS)[number][0];

export interface SectionResult {
  /** Every id written in the section, valid or not: references to them are not "undefined". */
  defined: Set<string>;
  /** Components whose id, type and config are all fine. */
  valid: Map<string, ResolvedComponent<AnyFactory>>;
}

export function resolveSection(
  section: SectionName,
  kind: ComponentKind,
  raw: unknown,
  registry: FactoryRegistry,
  problems: ConfigProblem[],
): SectionResult {
  const result: SectionResult = { defined: new Set(), valid: new Map() };
  if (raw === undefined || raw === null) return result;
  if (!isMap(raw)) {
    problems.push(problem([section], `expected a map of ${kind} ids to their configs, got ${describeType(raw)}`));
    return result;
  }
  for (const [key, value] of Object.entries(raw)) {
    result.defined.add(key);
    const bad = idError(key);
    if (bad !== undefined) {
      problems.push(problem([section, key], bad));
      continue;
    }
    const id = parseComponentId(key);
    const factory = registry.get(kind, id.type);
    if (factory === undefined) {
      const known = registry.known(kind);
      problems.push(problem([section, key], `unknown ${kind} type "${id.type}"; known types: ${known.length > 0 ? known.join(', ') : '(none)'}`));
      continue;
    }
    let parsed: ReturnType<typeof parseWithExpansionFallback>;
    try {
      parsed = parseWithExpansionFallback(factory.configSchema, value ?? undefined);
    } catch (err) {
      // A schema bug (e.g. an async refinement) must not hide the other problems.
      problems.push(problem([section, key], `the ${kind} "${id.type}" config schema failed: ${(err as Error).message}`));
      continue;
    }
    if (!parsed.success) {
      problems.push(...issuesToProblems(parsed.issues, [section, key]));
      continue;
    }
    result.valid.set(key, { id, factory, config: parsed.data });
  }
  return result;
}
