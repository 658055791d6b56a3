/**
 * The `attributes` processor's config: otelcol-contrib's attributesprocessor keys, i.e.
 * `actions` (coreinternal/attraction.ActionKeyValue) and `include` / `exclude`
 * (filterconfig.MatchProperties, trace-span properties), with otelcol's rules on which fields
 * each action needs. Patterns are Go RE2 syntax, translated once here (tail_sampling's re2.ts).
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';
import { compileRe2, Re2SyntaxError } from '../tail_sampling/policies/re2.ts';
import { captureNames } from './capture-names.ts';

const STR = 'expected a string';
const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert'] as const;
export type ActionKind = (typeof ACTIONS)[number];
const CONVERTED = ['int', 'double', 'string'] as const;

/** A literal `value`: scalars only (what otelcol's attribute values in YAML nearly always are). */
const scalar = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a string, number or boolean value' });

const actionSchema = zStrictObject({
  key: z.string({ error: STR }).optional(),
  pattern: z.string({ error: STR }).optional(),
  action: z.string({ error: STR }).optional(),
  value: scalar.nullish(),
  from_attribute: z.string({ error: STR }).optional(),
  from_context: z.string({ error: STR }).optional(),
  converted_type: z.string({ error: STR }).optional(),
});

const kvMatch = zStrictObject({ key: z.string({ error: STR }), value: scalar.optional() });
const libraryMatch = zStrictObject({ name: z.string({ error: STR }), version: z.string({ error: STR }).optional() });
const strings = z.array(z.string({ error: STR })).optional();

/** filterconfig.MatchProperties. The log and metric properties are refused for spans, as otelcol does. */
const matchSchema = zStrictObject({
  match_type: z.string({ error: STR }).optional(),
  regexp: z.unknown().optional(),
  services: strings,
  span_names: strings,
  span_kinds: strings,
  attributes: z.array(kvMatch).optional(),
  resources: z.array(kvMatch).optional(),
  libraries: z.array(libraryMatch).optional(),
  log_bodies: z.unknown().optional(),
  log_severity_texts: z.unknown().optional(),
  log_severity_number: z.unknown().optional(),
  metric_names: z.unknown().optional(),
}).superRefine((m, ctx) => {
  if (m.match_type !== 'strict' && m.match_type !== 'regexp') {
    ctx.addIssue({ code: 'custom', path: ['match_type'], message: `match_type must be "strict" or "regexp"${m.match_type === undefined ? '' : `, got "${m.match_type}"`}` });
  }
  for (const k of ['log_bodies', 'log_severity_texts', 'log_severity_number', 'metric_names'] as const) {
    if (m[k] !== undefined && m[k] !== null) ctx.addIssue({ code: 'custom', path: [k], message: `${k} should not be specified for trace spans` });
  }
  if (
    (m.services ?? []).length + (m.span_names ?? []).length + (m.span_kinds ?? []).length + (m.attributes ?? []).length +
      (m.resources ?? []).length + (m.libraries ?? []).length === 0
  ) {
    ctx.addIssue({ code: 'custom', message: 'at least one of "services", "span_names", "span_kinds", "attributes", "resources" or "libraries" must be specified' });
  }
  if (m.match_type === 'regexp') {
    const check = (pattern: string, path: (string | number)[]): void => {
      const problem = re2Problem(pattern);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path, message: problem });
    };
    (m.services ?? []).forEach((p, i) => check(p, ['services', i]));
    (m.span_names ?? []).forEach((p, i) => check(p, ['span_names', i]));
    (m.libraries ?? []).forEach((l, i) => {
      check(l.name, ['libraries', i, 'name']);
      if (l.version !== undefined) check(l.version, ['libraries', i, 'version']);
    });
    for (const prop of ['attributes', 'resources'] as const) {
      (m[prop] ?? []).forEach((a, i) => {
        if (a.value === undefined) return;
        if (typeof a.value !== 'string') ctx.addIssue({ code: 'custom', path: [prop, i, 'value'], message: 'match_type=regexp requires string attribute values' });
        else check(a.value, [prop, i, 'value']);
      });
    }
  }
});

export type MatchConfig = z.output<typeof matchSchema>;

function re2Problem(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (err) {
    return err instanceof Re2SyntaxError ? err.message : String(err);
  }
}

export const attributesConfigSchema = zStrictObject({
  actions: z.preprocess((v) => v ?? [], z.array(actionSchema)),
  include: matchSchema.optional(),
  exclude: matchSchema.optional(),
}).superRefine((c, ctx) => {
  if (c.actions.length === 0) ctx.addIssue({ code: 'custom', path: ['actions'], message: 'missing required field "actions"' });
  c.actions.forEach((a, i) => {
    const issue = (field: string | null, message: string): void =>
      ctx.addIssue({ code: 'custom', path: field === null ? ['actions', i] : ['actions', i, field], message });
    if (a.action === undefined || !(ACTIONS as readonly string[]).includes(a.action.toLowerCase())) {
      issue('action', `unsupported action ${JSON.stringify(a.action ?? '')} (expected one of ${ACTIONS.join(', ')})`);
      return;
    }
    const kind = a.action.toLowerCase() as ActionKind;
    const sources = [a.value !== undefined && a.value !== null, a.from_attribute !== undefined, a.from_context !== undefined].filter(Boolean).length;
    const key = a.key !== undefined && a.key !== '';
    const pattern = a.pattern !== undefined && a.pattern !== '';
    if (pattern) {
      const problem = re2Problem(a.pattern!);
      if (problem !== undefined) issue('pattern', problem);
    }
    switch (kind) {
      case 'insert':
      case 'update':
      case 'upsert':
        if (!key) issue('key', `missing required field "key" for action "${kind}"`);
        if (pattern) issue('pattern', `action "${kind}" does not support "pattern"`);
        if (sources !== 1) issue(null, 'exactly one of "value", "from_attribute" or "from_context" must be specified');
        if (a.from_context !== undefined && !a.from_context.startsWith('metadata.')) {
          issue('from_context', `from_context "${a.from_context}" is not supported: only "metadata.<key>" (client metadata, with the receiver's include_metadata) is`);
        }
        break;
      case 'delete':
      case 'hash':
        if (!key && !pattern) issue(null, `action "${kind}" needs "key" or "pattern"`);
        if (sources > 0) issue(null, `action "${kind}" does not take "value", "from_attribute" or "from_context"`);
        break;
      case 'extract':
        if (!key) issue('key', 'missing required field "key" for action "extract"');
        if (!pattern) issue('pattern', 'missing required field "pattern" for action "extract"');
        else if (re2Problem(a.pattern!) === undefined && !captureNames(a.pattern!).some((x) => x !== null)) issue('pattern', 'pattern contains no named groups ((?P<name>...))');
        if (sources > 0) issue(null, 'action "extract" does not take "value", "from_attribute" or "from_context"');
        break;
      case 'convert':
        if (!key) issue('key', 'missing required field "key" for action "convert"');
        if (a.converted_type === undefined || !(CONVERTED as readonly string[]).includes(a.converted_type)) {
          issue('converted_type', `converted_type must be one of int, double, string${a.converted_type === undefined ? '' : `, got "${a.converted_type}"`}`);
        }
        break;
    }
  });
});

export type AttributesConfig = z.output<typeof attributesConfigSchema>;
export type ActionConfig = AttributesConfig['actions'][number];
