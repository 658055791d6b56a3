/**
 * The `headers_setter` extension's config: otelcol-contrib's headerssetterextension keys,
 * `headers: [{key, value | from_context, default_value, action}]`, with its validation messages.
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';

const STR = 'expected a string';

const headerSchema = zStrictObject({
  key: z.string({ error: STR }).optional(),
  value: z.union([z.string(), z.number(), z.boolean()], { error: STR }).transform(String).optional(),
  from_context: z.string({ error: STR }).optional(),
  // Newer otelcol-contrib: a value from the request's auth data; we have no auth data on batches.
  from_attribute: z.string({ error: STR }).optional(),
  default_value: z.union([z.string(), z.number(), z.boolean()], { error: STR }).transform(String).optional(),
  action: z.enum(['insert', 'update', 'upsert', 'delete'], { error: 'action must be insert, update, upsert or delete' }).default('upsert'),
});

export const headersSetterConfigSchema = zStrictObject({
  headers: z.preprocess((v) => v ?? [], z.array(headerSchema)),
}).superRefine((c, ctx) => {
  if (c.headers.length === 0) ctx.addIssue({ code: 'custom', path: ['headers'], message: 'missing headers configuration' });
  c.headers.forEach((h, i) => {
    const issue = (field: string | null, message: string): void =>
      ctx.addIssue({ code: 'custom', path: field === null ? ['headers', i] : ['headers', i, field], message });
    if (h.key === undefined || h.key === '') issue('key', 'missing header name');
    if (h.from_attribute !== undefined) issue('from_attribute', 'from_attribute is not supported (no auth data travels with spans here); use from_context');
    if (h.action === 'delete') return;
    const sources = (h.value !== undefined ? 1 : 0) + (h.from_context !== undefined ? 1 : 0);
    if (sources === 0) issue(null, 'missing header value');
    if (sources > 1) issue(null, 'invalid header source, must either `value` or `from_context`');
  });
});

export type HeadersSetterConfig = z.output<typeof headersSetterConfigSchema>;
