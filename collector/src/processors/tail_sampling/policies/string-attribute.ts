/**
 * string_attribute: the key on any resource or span with a value in `values` (exact), or
 * matching one of them as a Go regexp (enabled_regex_matching: RE2 syntax, unanchored search,
 * see re2.ts), with otelcol's details:
 * - the value is read with pcommon's Value.Str(): a non-string value is "";
 * - a span's empty value never matches; a resource's is tested (only a regex can match it);
 * - empty strings in `values` are ignored for exact matching;
 * - regex results are cached per value in an LRU of cache_max_size entries (default 128).
 *
 * Exact matching compares bytes against values encoded once (no string per span) while there
 * are few values; past EXACT_BYTES_MAX values, one decoded string and a Set look-up is cheaper.
 */
import type { Logger } from 'pino';
import { AV_STRING, AttributeRef } from '../../../pdata/attributes.ts';
import { anyAttributeMatch, attributeDecision, type AttributeMatcher } from './attribute-match.ts';
import type { StringAttributeConfig } from './config.ts';
import type { Decision, PolicyEvaluator, TraceView } from './policy.ts';
import { compileRe2 } from './re2.ts';

const EXACT_BYTES_MAX = 8;
const DEFAULT_CACHE_SIZE = 128;

export class StringAttributePolicy implements PolicyEvaluator, AttributeMatcher {
  readonly type = 'string_attribute';
  private readonly key: Buffer;
  private readonly ref = new AttributeRef();
  private readonly invert: boolean;
  private readonly exactBytes: Buffer[] = [];
  private readonly exactSet: Set<string> | null = null;
  private readonly regexes: RegExp[] | null = null;
  private readonly cache = new Map<string, boolean>();
  private readonly cacheMax: number;

  constructor(
    readonly name: string,
    cfg: StringAttributeConfig,
    logger: Logger,
  ) {
    this.key = Buffer.from(cfg.key, 'utf8');
    this.invert = cfg.invert_match;
    this.cacheMax = cfg.cache_max_size > 0 ? cfg.cache_max_size : DEFAULT_CACHE_SIZE;
    if (cfg.enabled_regex_matching) {
      this.regexes = cfg.values.map((v) => {
        const c = compileRe2(v);
        if (c.mayBacktrack) {
          logger.warn({ policy: name, pattern: v }, 'regex has nested unbounded repetition: RE2 runs it in linear time, JS may backtrack exponentially on long values');
        }
        return c.regex;
      });
    } else {
      const values = [...new Set(cfg.values.filter((v) => v !== ''))];
      if (values.length > EXACT_BYTES_MAX) this.exactSet = new Set(values);
      else for (const v of values) this.exactBytes.push(Buffer.from(v, 'utf8'));
    }
  }

  matchResource(ref: AttributeRef): boolean {
    if (ref.type !== AV_STRING) return this.regexes !== null && this.regexMatch('');
    return this.match(ref);
  }

  matchSpan(ref: AttributeRef): boolean {
    if (ref.type !== AV_STRING || ref.end === ref.start) return false;
    return this.match(ref);
  }

  private match(ref: AttributeRef): boolean {
    if (this.regexes !== null) return this.regexMatch(ref.stringValue());
    if (this.exactSet !== null) return this.exactSet.has(ref.stringValue());
    const bytes = this.exactBytes;
    for (let k = 0; k < bytes.length; k++) if (ref.stringEquals(bytes[k]!)) return true;
    return false;
  }

  private regexMatch(s: string): boolean {
    const cache = this.cache;
    const hit = cache.get(s);
    if (hit !== undefined) {
      // Most recently used goes last; the first key in insertion order is the eviction victim.
      cache.delete(s);
      cache.set(s, hit);
      return hit;
    }
    let matched = false;
    const rs = this.regexes!;
    for (let k = 0; k < rs.length; k++) {
      if (rs[k]!.test(s)) {
        matched = true;
        break;
      }
    }
    cache.set(s, matched);
    if (cache.size > this.cacheMax) cache.delete(cache.keys().next().value!);
    return matched;
  }

  evaluate(trace: TraceView): Decision {
    return attributeDecision(anyAttributeMatch(trace.batch, this.key, this.ref, this), this.invert);
  }
}
