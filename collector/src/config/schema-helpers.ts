/**
 * zod building blocks for component config schemas, so every component spells durations, sizes,
 * percentages, endpoints and "strict map with defaults" the same way otelcol does.
 */
import { z } from 'zod';
import { describeType } from './path.ts';

export { zDuration, parseGoDuration, DURATION_MESSAGE } from './duration.ts';

export const SIZE_MIB_MESSAGE = 'expected a size in MiB (a whole number >= 0)';
export const PERCENTAGE_MESSAGE = 'expected a percentage between 0 and 100';
export const ENDPOINT_MESSAGE = 'expected an endpoint like "localhost:4317"';

const sizeMiB = z
  .number({ error: SIZE_MIB_MESSAGE })
  .int({ error: SIZE_MIB_MESSAGE })
  .nonnegative({ error: SIZE_MIB_MESSAGE });

/** A whole number of MiB (memory_limiter's limit_mib and friends). */
export function zSizeMiB(defaultValue?: number) {
  return defaultValue === undefined ? sizeMiB : sizeMiB.default(defaultValue);
}

const percentage = z.number({ error: PERCENTAGE_MESSAGE }).min(0, { error: PERCENTAGE_MESSAGE }).max(100, { error: PERCENTAGE_MESSAGE });

/** 0-100, fractions allowed (probabilistic_sampler's sampling_percentage is a float). */
export function zPercentage(defaultValue?: number) {
  return defaultValue === undefined ? percentage : percentage.default(defaultValue);
}

// host may be empty (":4317" = all interfaces, as Go's net.Listen), a name/IPv4, or [IPv6].
const ENDPOINT = /^(\[[^\][]+\]|[^:[\]\s]*):(\d{1,5})$/;

/** Splits "host:port" / "[::1]:4317" / ":4317"; undefined if it is not an endpoint. */
export function splitEndpoint(endpoint: string): { host: string; port: number } | undefined {
  const m = ENDPOINT.exec(endpoint);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  let host = m[1] ?? '';
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host, port };
}

const endpoint = z.string({ error: ENDPOINT_MESSAGE }).refine((s) => splitEndpoint(s) !== undefined, { error: ENDPOINT_MESSAGE });

/**
 * A listening address "host:port". The output stays the string as written (otelcol keeps it a
 * string too); call splitEndpoint() where host and port are needed.
 */
export function zEndpoint(defaultValue?: string) {
  return defaultValue === undefined ? endpoint : endpoint.default(defaultValue);
}

/**
 * A strict map: unknown keys are errors (`unknown key "foo"`, like otelcol's "has invalid keys"),
 * and null/undefined parse as `{}`, i.e. all defaults. That is how otelcol reads `batch:` with
 * nothing after it, and how an absent nested section gets its defaults.
 */
export function zStrictObject<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  return z.preprocess(
    (v) => v ?? {},
    z.strictObject(shape, {
      error: (iss) => {
        if (iss.code === 'unrecognized_keys') return iss.keys.map((k) => `unknown key "${k}"`).join('; ');
        if (iss.code === 'invalid_type') return `expected a map, got ${describeType(iss.input)}`;
        return undefined;
      },
    }),
  );
}
