/**
 * Which batcher a batch belongs to when `metadata_keys` is set: one per distinct combination of
 * those keys' values in the client metadata, as otelcol's multiShardBatcher forms them.
 */
import type { ClientMetadata } from '../../pdata/span-batch.ts';

/** Lower-cased (client metadata keys are lower-case, like HTTP/2 headers) and sorted, as otelcol does. */
export function normalizeMetadataKeys(keys: readonly string[]): string[] {
  return keys.map((k) => k.toLowerCase()).sort();
}

/**
 * A string naming the combination of values of `keys` in `metadata`. Distinct value lists give
 * distinct strings; an unset key (null) and a key set to "" ([""]) are different combinations,
 * as otelcol documents. Allocates one small string per request, not per span.
 */
export function metadataShardKey(keys: readonly string[], metadata: ClientMetadata | null): string {
  const values: (readonly string[] | null)[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) values[i] = metadata?.get(keys[i]!) ?? null;
  return JSON.stringify(values);
}

/**
 * The metadata batches of this combination are sent with: only the configured keys (otelcol's
 * export context carries exactly those), unset keys left out.
 */
export function shardMetadata(keys: readonly string[], metadata: ClientMetadata | null): ClientMetadata {
  const out = new Map<string, readonly string[]>();
  for (const k of keys) {
    const v = metadata?.get(k);
    if (v !== undefined) out.set(k, v.slice());
  }
  return out;
}
