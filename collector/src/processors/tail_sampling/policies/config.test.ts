import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { issuesToProblems } from '../../../config/zod-issues.ts';
import { buildPolicies, policiesSchema, type PolicyConfig } from './index.ts';
import { policySettings } from './testdata/make-trace.ts';

function load(file: string): unknown {
  return (parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { policies: unknown }).policies;
}

describe('policies config', () => {
  it('accepts otelcol-contrib README policies unchanged and builds them', () => {
    const r = policiesSchema.safeParse(load('policies.yaml'));
    expect(r.success ? [] : issuesToProblems(r.error.issues, ['policies'])).toEqual([]);
    const cfg = r.data as PolicyConfig[];
    expect(cfg.map((p) => p.type)).toEqual([
      'always_sample', 'latency', 'numeric_attribute', 'probabilistic', 'status_code', 'string_attribute', 'string_attribute',
      'rate_limiting', 'bytes_limiting', 'span_count', 'trace_state', 'boolean_attribute', 'ottl_condition', 'and', 'drop',
      'composite', 'trace_flags', 'endpoint_floor',
    ]);
    expect(cfg[3]).toEqual({ name: 'test-policy-4', type: 'probabilistic', probabilistic: { hash_salt: '', sampling_percentage: 10 } });
    expect(cfg[17]).toMatchObject({ endpoint_floor: { key: ['resource.attributes["service.name"]', 'name'], min_traces_per_minute: 2, max_keys: 5000 } });
    const settings = policySettings();
    const built = buildPolicies(cfg, settings);
    expect(built.map((p) => p.name)[0]).toBe('drop-policy-1'); // drop policies first, as otelcol
    expect(built).toHaveLength(18);
    // The README's composite leaves test-composite-policy-3 without a rate allocation.
    expect(settings.logs.some((l) => l['sub_policy'] === 'test-composite-policy-3')).toBe(true);
  });

  it('reports every problem at its YAML path', () => {
    const r = policiesSchema.safeParse(load('invalid.yaml'));
    expect(r.success).toBe(false);
    const problems = issuesToProblems(r.error!.issues, ['processors', 'tail_sampling', 'policies']);
    const at = (p: string) => problems.filter((x) => x.path === `processors.tail_sampling.policies${p}`).map((x) => x.message);
    expect(at('[0].status_code.status_codes[1]')).toEqual(['unknown status code "FATAL", supported: OK, ERROR, UNSET']);
    expect(at('[1].status_code.status_codes')).toEqual(['expected at least one status code to filter on']);
    expect(at('[2].string_attribute.values[1]')[0]).toContain('backreference \\1 is not supported by RE2');
    expect(at('[3].ottl_condition.span[1]')[0]).toContain('lookahead');
    expect(at('[4].ottl_condition.spanevent[0]')).toEqual(['not supported: converter Len() in Len(name) (supported: IsMatch)']);
    expect(at('[5].numeric_attribute')).toEqual(['at least one of min_value or max_value must be set']);
    expect(at('[6].type')[0]).toMatch(/^unknown policy type "latencyy"; known types: always_sample, and, /);
    expect(at('[7].and.and_sub_policy[0].type')[0]).toMatch(/^unknown and\/drop sub-policy type "composite"/);
    expect(at('[8].endpoint_floor.key[1]')[0]).toContain('not supported: path links');
    expect(at('[8].endpoint_floor.min_traces_per_minute')).toEqual(['expected a whole number >= 1']);
    expect(at('[9].ottl_condition.error_mode')).toEqual(['expected one of propagate, ignore, silent']);
    expect(at('[10].latency.treshold')).toEqual(['unknown key "treshold"']);
    expect(at('[11].name')).toEqual(['duplicate policy name "bad-status"']);
    expect(at('[12].name')).toEqual(['policy name cannot be empty']);
    expect(problems).toHaveLength(14);
  });

  it('names must be unique and non-empty (error at policies[i].name)', () => {
    const r = policiesSchema.safeParse([
      { name: 'a', type: 'always_sample' },
      { name: 'b', type: 'trace_flags' },
      { name: 'c', type: 'always_sample' },
      { name: 'a', type: 'always_sample' },
      { name: '', type: 'always_sample' },
    ]);
    expect(r.success ? [] : issuesToProblems(r.error.issues, ['policies'])).toEqual([
      { path: 'policies[3].name', message: 'duplicate policy name "a"' },
      { path: 'policies[4].name', message: 'policy name cannot be empty' },
    ]);
  });

  it('a type without its section gets the defaults; sections of other types are accepted (otelcol squashes them)', () => {
    const r = policiesSchema.parse([
      { name: 'a', type: 'latency' },
      { name: 'b', type: 'always_sample', latency: { threshold_ms: 5 } },
      { name: 'c', type: 'rate_limiting', rate_limiting: null },
    ]);
    expect(r).toEqual([
      { name: 'a', type: 'latency', latency: { threshold_ms: 0, upper_threshold_ms: 0 } },
      { name: 'b', type: 'always_sample' },
      { name: 'c', type: 'rate_limiting', rate_limiting: { spans_per_second: 0 } },
    ]);
  });
});
