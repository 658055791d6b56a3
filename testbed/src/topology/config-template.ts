/**
 * Collector config templates: collector YAML with `${testbed:NAME}` placeholders the testbed fills
 * for each process (its ports, the next hop's endpoint, the gateway list, ...). The rendered file is
 * plain otelcol YAML, so any collector binary can run it.
 *
 * Placeholders are replaced in the parsed YAML, not in the text: a string that is exactly one
 * placeholder takes the value's type (a list of gateway endpoints stays a list, a port a number);
 * placeholders inside a longer string are interpolated. `${env:...}` and other `${...}` are left for
 * the collector.
 *
 * A tier may list alternative templates; the first whose components the collector has is used.
 * The components a template needs are read from it (every receiver, processor, exporter, connector
 * and extension type it configures) plus its `requires`.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { ResolvedTemplateRef } from '../scenario/load-scenario.ts';
import type { CollectorComponents, ComponentKind } from './collector-command.ts';

export type TemplateValue = string | number | boolean | readonly (string | number)[];
export type TemplateValues = Record<string, TemplateValue>;

const PLACEHOLDER = /\$\{testbed:([A-Za-z0-9_]+)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{testbed:([A-Za-z0-9_]+)\}$/;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Reads a template (file or inline) as a YAML mapping. */
export function loadTemplate(ref: ResolvedTemplateRef): Record<string, unknown> {
  let value: unknown;
  if (ref.inline !== undefined && typeof ref.inline === 'object') value = structuredClone(ref.inline);
  else {
    let text: string;
    try {
      text = ref.inline !== undefined ? (ref.inline as string) : readFileSync(ref.file!, 'utf8');
    } catch (e) {
      throw new TemplateError(`template ${ref.source}: cannot read: ${(e as Error).message}`);
    }
    try {
      value = parseYaml(text);
    } catch (e) {
      throw new TemplateError(`template ${ref.source}: not valid YAML: ${(e as Error).message}`);
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TemplateError(`template ${ref.source}: expected a YAML mapping (a collector config)`);
  return value as Record<string, unknown>;
}

const SECTIONS: Record<string, ComponentKind> = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
  extensions: 'extension',
};

/** The component types a config uses, per kind ("otlp/backend" -> otlp). */
export function componentTypesOf(config: Record<string, unknown>): Record<ComponentKind, string[]> {
  const out: Record<ComponentKind, string[]> = { receiver: [], processor: [], exporter: [], connector: [], extension: [] };
  for (const [section, kind] of Object.entries(SECTIONS)) {
    const m = config[section];
    if (m === null || typeof m !== 'object') continue;
    for (const id of Object.keys(m)) {
      const type = id.split('/')[0]!;
      if (!out[kind].includes(type)) out[kind].push(type);
    }
  }
  return out;
}

/** Component types a template needs that the collector lacks ("processor tail_sampling"). */
export function missingComponents(ref: ResolvedTemplateRef, config: Record<string, unknown>, components: CollectorComponents): string[] {
  const missing: string[] = [];
  const used = componentTypesOf(config);
  for (const kind of Object.keys(used) as ComponentKind[]) {
    for (const type of used[kind]) if (!components[kind].includes(type)) missing.push(`${kind} ${type}`);
  }
  const all = Object.values(components).flat();
  for (const type of ref.requires) if (!all.includes(type) && !missing.some((m) => m.endsWith(` ${type}`))) missing.push(type);
  return missing;
}

export interface ChosenTemplate {
  ref: ResolvedTemplateRef;
  config: Record<string, unknown>;
  /** Alternatives passed over, with why (for the run log). */
  passedOver: { source: string; missing: string[] }[];
}

/**
 * The first alternative the collector can run; undefined with the reasons when none fits.
 * components undefined (unknown collector): the first alternative.
 */
export function chooseTemplate(
  refs: readonly ResolvedTemplateRef[],
  components: CollectorComponents | undefined,
): { chosen: ChosenTemplate } | { chosen?: undefined; reasons: { source: string; missing: string[] }[] } {
  const passedOver: { source: string; missing: string[] }[] = [];
  for (const ref of refs) {
    const config = loadTemplate(ref);
    const missing = components ? missingComponents(ref, config, components) : [];
    if (missing.length === 0) return { chosen: { ref, config, passedOver } };
    passedOver.push({ source: ref.source, missing });
  }
  return { reasons: passedOver };
}

/** Replaces every ${testbed:NAME} in the config; throws naming unknown placeholders. */
export function renderTemplate(config: unknown, values: TemplateValues, source = 'template'): unknown {
  const unknown = new Set<string>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = WHOLE_PLACEHOLDER.exec(v);
      if (whole) {
        const value = values[whole[1]!];
        if (value === undefined) unknown.add(whole[1]!);
        return Array.isArray(value) ? [...value] : value;
      }
      return v.replace(PLACEHOLDER, (m, name: string) => {
        const value = values[name];
        if (value === undefined) {
          unknown.add(name);
          return m;
        }
        return Array.isArray(value) ? value.join(',') : String(value);
      });
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      // Keys may hold placeholders too (e.g. a per-gateway exporter id).
      for (const [k, x] of Object.entries(v)) out[walk(k) as string] = walk(x);
      return out;
    }
    return v;
  };
  const out = walk(config);
  if (unknown.size > 0) {
    throw new TemplateError(
      `${source}: unknown placeholder${unknown.size > 1 ? 's' : ''} ${[...unknown].map((n) => `\${testbed:${n}}`).join(', ')}; known here: ${Object.keys(values).sort().join(', ')}`,
    );
  }
  return out;
}

export function toYaml(config: unknown): string {
  return stringifyYaml(config, { lineWidth: 0 });
}

/** The ${testbed:NAME} placeholders a config uses. */
export function placeholdersIn(config: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(PLACEHOLDER)) out.add(m[1]!);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        walk(k);
        walk(x);
      }
    }
  };
  walk(config);
  return out;
}
