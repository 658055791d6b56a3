/**
 * file exporter config, with otelcol-contrib's keys and defaults (exporter/fileexporter).
 * Accepted but not implemented: `rotation` (the file grows without bound; a warning is logged).
 * Refused with a clear message: `compression`, `encoding` and `group_by.enabled: true`, which
 * would change what is written.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';

const rotation = zStrictObject({
  max_megabytes: z.number().int().nonnegative().default(100),
  max_days: z.number().int().nonnegative().default(0),
  max_backups: z.number().int().nonnegative().default(100),
  localtime: z.boolean().default(false),
});

const groupBy = zStrictObject({
  enabled: z.literal(false, { error: 'group_by is not supported here; remove it or set enabled: false' }).default(false),
  resource_attribute: z.string().default('fileexporter.path_segment'),
  max_open_files: z.number().int().positive().default(100),
});

export const fileConfigSchema = zStrictObject({
  path: z.string({ error: 'path is required' }).min(1, { error: 'path must be non-empty' }),
  append: z.boolean().default(false),
  /** Absent = no rotation: otelcol enables rotation when the key is present (even empty). */
  rotation: rotation.optional(),
  format: z.enum(['json', 'proto'], { error: 'format type is not supported; expected json or proto' }).default('json'),
  encoding: z
    .unknown()
    .refine((v) => v === undefined || v === null || v === '', { error: 'encoding extensions are not supported here; use format' })
    .optional(),
  compression: z
    .string()
    .refine((v) => v === '', { error: 'compression is not supported here (otelcol offers zstd); remove it' })
    .optional(),
  // otelcol: 0 means the default (1s); negative is an error.
  flush_interval: zDuration('1s')
    .refine((ms) => ms >= 0, { error: 'flush_interval must be larger than zero' })
    .transform((ms) => (ms === 0 ? 1000 : ms)),
  group_by: groupBy.optional(),
  create_directory: z.boolean().default(false),
  directory_permissions: z
    .string()
    .regex(/^0?[0-7]{1,4}$/, { error: 'directory_permissions value must be a valid octal representation' })
    .refine((s) => (parseInt(s, 8) & ~0o777) === 0, { error: 'directory_permissions contain invalid bits for file access' })
    .optional(),
}).superRefine((c, ctx) => {
  if (c.append && c.rotation !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['append'], message: 'append and rotation enabled at the same time is not supported' });
  }
  if (c.directory_permissions !== undefined && !c.create_directory) {
    ctx.addIssue({ code: 'custom', path: ['directory_permissions'], message: 'directory_permissions requires create_directory to be true' });
  }
});

export type FileConfig = z.infer<typeof fileConfigSchema>;
