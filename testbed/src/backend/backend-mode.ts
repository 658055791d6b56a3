/**
 * The mock backend's fault modes, as the admin API takes them (POST /mode with one of these JSON
 * objects):
 *  - up: accept and store;
 *  - down: listening sockets and open connections closed; the same ports reopen on the next mode;
 *  - refuse: gRPC UNAVAILABLE / HTTP 503;
 *  - throttle: gRPC RESOURCE_EXHAUSTED with google.rpc.RetryInfo / HTTP 429 with Retry-After;
 *  - slow: accept and store after latency_ms;
 *  - blackhole: accept connections and requests, never answer.
 */
import { z } from 'zod';

export const backendModeSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('up') }).strict(),
  z.object({ mode: z.literal('down') }).strict(),
  z.object({ mode: z.literal('refuse') }).strict(),
  z.object({ mode: z.literal('throttle'), retry_after_s: z.number().int().min(0).default(1) }).strict(),
  z.object({ mode: z.literal('slow'), latency_ms: z.number().min(0) }).strict(),
  z.object({ mode: z.literal('blackhole') }).strict(),
]);

export type BackendMode = z.output<typeof backendModeSchema>;
export type BackendModeInput = z.input<typeof backendModeSchema>;
export type BackendModeName = BackendMode['mode'];

export function parseBackendMode(value: unknown): BackendMode {
  const r = backendModeSchema.safeParse(value);
  if (!r.success) throw new Error(`invalid backend mode: ${r.error.issues.map((i) => `${i.path.join('.') || 'mode'}: ${i.message}`).join('; ')}`);
  return r.data;
}
