/**
 * The `routing` connector's config: otelcol-contrib's routingconnector keys (`table` of
 * {context, condition | statement, pipelines}, `default_pipelines`, `error_mode`, `match_once`).
 * Conditions are parsed here (condition.ts), so a bad one is a config error at its path.
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';
import { ConditionError, parseCondition, parseStatement, type Node, type RouteContext } from './condition.ts';

const STR = 'expected a string';
const CONTEXTS = ['request', 'resource', 'span'] as const;
const OTELCOL_CONTEXTS = ['metric', 'datapoint', 'log'];
const pipelineList = z.preprocess((v) => v ?? [], z.array(z.string({ error: 'expected a pipeline id' })));

const routeSchema = zStrictObject({
  context: z.string({ error: STR }).default('resource'),
  condition: z.string({ error: STR }).optional(),
  statement: z.string({ error: STR }).optional(),
  pipelines: pipelineList,
});

export const routingConfigSchema = zStrictObject({
  table: z.preprocess((v) => v ?? [], z.array(routeSchema)),
  default_pipelines: pipelineList,
  error_mode: z.enum(['propagate', 'ignore', 'silent'], { error: 'error_mode must be propagate, ignore or silent' }).default('propagate'),
  // Deprecated in otelcol (routing always stops at the first match now); accepted.
  match_once: z.boolean({ error: 'expected true or false' }).optional(),
})
  .superRefine((c, ctx) => {
    if (c.table.length === 0) ctx.addIssue({ code: 'custom', path: ['table'], message: 'invalid route: no routes specified' });
    c.table.forEach((r, i) => {
      const issue = (field: string | null, message: string): void =>
        ctx.addIssue({ code: 'custom', path: field === null ? ['table', i] : ['table', i, field], message });
      if (!(CONTEXTS as readonly string[]).includes(r.context)) {
        issue(
          'context',
          OTELCOL_CONTEXTS.includes(r.context)
            ? `context "${r.context}" is for ${r.context === 'log' ? 'logs' : 'metrics'}; traces use request, resource or span`
            : `invalid context "${r.context}" (expected request, resource or span)`,
        );
        return;
      }
      const hasCondition = r.condition !== undefined && r.condition !== '';
      const hasStatement = r.statement !== undefined && r.statement !== '';
      if (hasCondition === hasStatement) issue(null, 'invalid route: exactly one of "condition" or "statement" must be specified');
      if (hasStatement && r.context === 'request') issue('statement', '"statement" cannot be used with context: request; use "condition"');
      if (r.pipelines.length === 0) issue('pipelines', 'invalid route: no pipelines defined');
      const context = r.context as RouteContext;
      try {
        if (hasCondition) parseCondition(r.condition!, context);
        else if (hasStatement) parseStatement(r.statement!, context);
      } catch (err) {
        if (!(err instanceof ConditionError)) throw err;
        issue(hasCondition ? 'condition' : 'statement', `invalid ${hasCondition ? 'condition' : 'statement'}: ${err.message}`);
      }
    });
  })
  .transform((c) => ({
    ...c,
    routes: c.table.map((r) => {
      const context = r.context as RouteContext;
      const node: Node = r.condition !== undefined && r.condition !== '' ? parseCondition(r.condition, context) : parseStatement(r.statement ?? '', context);
      return { context, node, pipelines: r.pipelines, text: r.condition ?? r.statement ?? '' };
    }),
  }));

export type RoutingConfig = z.output<typeof routingConfigSchema>;
export type CompiledRoute = RoutingConfig['routes'][number];
