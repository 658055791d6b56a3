/**
 * file_storage extension config, with otelcol-contrib's keys and defaults
 * (extension/storage/filestorage). Our storage is a segment log rather than a bbolt database, so
 * the `compaction` section is accepted for compatibility and has nothing to do: fully
 * acknowledged segments are deleted as they go, which is what compaction reclaims in bbolt.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';

/** otelcol's default on Linux and macOS (%ProgramData%\Otelcol\FileStorage on Windows). */
export const DEFAULT_DIRECTORY = '/var/lib/otelcol/file_storage';

const BOOL_MESSAGE = 'expected true or false';
const zBool = (d: boolean) => z.boolean({ error: BOOL_MESSAGE }).default(d);
const INT_MESSAGE = 'expected a whole number';
/**
 * go-yaml reads `65_536` as a number (otelcol's own README writes max_transaction_size so); our
 * YAML parser reads it as a string, so digits with underscores are taken as the number here.
 */
const underscoredInt = (v: unknown): unknown => (typeof v === 'string' && /^-?\d[\d_]*$/.test(v) ? Number(v.replace(/_/g, '')) : v);
const zInt = (d: number) => z.preprocess(underscoredInt, z.number({ error: INT_MESSAGE }).int({ error: INT_MESSAGE }).optional()).transform((v) => v ?? d);

const compactionSchema = zStrictObject({
  on_start: zBool(false),
  on_rebound: zBool(false),
  directory: z.string({ error: 'expected a directory path' }).optional(),
  max_transaction_size: zInt(65536),
  rebound_needed_threshold_mib: zInt(100),
  rebound_trigger_threshold_mib: zInt(10),
  check_interval: zDuration('5s'),
  cleanup_on_start: zBool(false),
});

export const fileStorageConfigSchema = zStrictObject({
  directory: z.string({ error: 'expected a directory path' }).min(1, { error: 'directory must not be empty' }).default(DEFAULT_DIRECTORY),
  timeout: zDuration('1s'),
  fsync: zBool(false),
  create_directory: zBool(false),
  // Unquoted 0750 arrives as the number 750 from YAML 1.2: take its digits.
  directory_permissions: z.preprocess(
    (v) => (typeof v === 'number' && Number.isInteger(v) ? String(v) : v),
    z.string({ error: 'expected octal permissions like "0750"' }).default('0750'),
  ),
  recreate: zBool(false),
  compaction: compactionSchema,
}).superRefine((c, ctx) => {
  if (c.timeout < 0) ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'timeout must be non-negative' });
  if (c.compaction.max_transaction_size < 0) {
    ctx.addIssue({ code: 'custom', path: ['compaction', 'max_transaction_size'], message: 'max transaction size for compaction cannot be less than 0' });
  }
  if (c.compaction.on_rebound && c.compaction.check_interval <= 0) {
    ctx.addIssue({ code: 'custom', path: ['compaction', 'check_interval'], message: 'compaction check interval must be positive when rebound compaction is set' });
  }
  if (!/^0?[0-7]{3,4}$/.test(c.directory_permissions)) {
    ctx.addIssue({ code: 'custom', path: ['directory_permissions'], message: `invalid directory_permissions "${c.directory_permissions}": expected octal like "0750"` });
  }
});

export type FileStorageConfig = z.output<typeof fileStorageConfigSchema>;
