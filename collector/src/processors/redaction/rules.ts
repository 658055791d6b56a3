/**
 * The redaction rules compiled from the config: what happens to an attribute, decided from its
 * key first (cached per distinct key, see key-cache.ts), then from its value.
 *
 * Precedence, for each attribute of a map (otelcol's processAttrs, in this order):
 *   1. key in ignored_keys or matching ignored_key_patterns  -> kept as is, nothing else checked;
 *   2. allow_all_keys false and key not in allowed_keys      -> deleted;
 *   3. value matches allowed_values                          -> kept as is: blocked_key_patterns
 *                                                               and blocked_values are NOT applied;
 *   4. key matches blocked_key_patterns                      -> whole value masked;
 *   5. otherwise every blocked_values match in the value     -> masked, pattern by pattern.
 * The value checked in 3-5 is the string value; other types read as '' unless redact_all_types,
 * which checks their string form (value-string.ts), JSON for arrays and kvlists. Under
 * redact_all_types the strings inside an array or kvlist are also checked one by one (a safety
 * net beyond otelcol, see value-string.ts): a match there masks the value as well.
 */
import type { AnyValue } from '../../pdata/model.ts';
import type { RedactionConfig, SummaryLevel } from './config.ts';
import { KeyClassCache } from './key-cache.ts';
import { createMasker, type Masker } from './masker.ts';
import { PatternList, replaceAllFunc } from './patterns.ts';
import { eachNestedString, jsonWithMaskedStrings } from './value-string.ts';

const MAX_KEY_STRINGS = 4096;

export const KEY_IGNORED = 0;
export const KEY_DELETE = 1;
export const KEY_CHECK_VALUE = 2;
export const KEY_MASK = 3;

// The summary attributes otelcol writes (and always allows, so a second redaction processor in a
// chain keeps and extends them).
export const REDACTED_KEYS = 'redaction.redacted.keys';
export const REDACTED_COUNT = 'redaction.redacted.count';
export const MASKED_KEYS = 'redaction.masked.keys';
export const MASKED_COUNT = 'redaction.masked.count';
export const ALLOWED_KEYS = 'redaction.allowed.keys';
export const ALLOWED_COUNT = 'redaction.allowed.count';
export const IGNORED_COUNT = 'redaction.ignored.count';
/** The log-body summary keys: never written for traces, but allowed like the others, as in otelcol. */
const BODY_SUMMARY_KEYS = [
  'redaction.body.redacted.keys',
  'redaction.body.redacted.count',
  'redaction.body.masked.keys',
  'redaction.body.masked.count',
  'redaction.body.allowed.keys',
  'redaction.body.allowed.count',
  'redaction.body.ignored.count',
];
const SUMMARY_KEYS = [REDACTED_KEYS, REDACTED_COUNT, MASKED_KEYS, MASKED_COUNT, ALLOWED_KEYS, ALLOWED_COUNT, IGNORED_COUNT, ...BODY_SUMMARY_KEYS];

export class RedactionRules {
  readonly allowAllKeys: boolean;
  readonly redactAllTypes: boolean;
  readonly summary: SummaryLevel;
  /** Whether kept-as-is attributes (ignored, allowed values) change a map: only via the summary. */
  readonly summaryCounts: boolean;
  readonly summaryKeys: boolean;
  readonly allowedValues: PatternList;
  readonly blockedValues: PatternList;
  readonly mask: Masker;
  private readonly allowList: ReadonlySet<string>;
  private readonly ignoreList: ReadonlySet<string>;
  private readonly ignoredKeyPatterns: PatternList;
  private readonly blockedKeyPatterns: PatternList;
  private readonly keyCache = new KeyClassCache();
  /** The slow path's key look-ups by string; bounded like keyCache (cleared when full). */
  private readonly keyStrings = new Map<string, number>();

  constructor(config: RedactionConfig) {
    this.allowAllKeys = config.allow_all_keys;
    this.redactAllTypes = config.redact_all_types;
    this.summary = config.summary;
    this.summaryCounts = config.summary === 'info' || config.summary === 'debug';
    this.summaryKeys = config.summary === 'debug';
    this.allowList = new Set([...config.allowed_keys, ...SUMMARY_KEYS]);
    this.ignoreList = new Set(config.ignored_keys);
    this.ignoredKeyPatterns = new PatternList(config.ignored_key_patterns);
    this.blockedKeyPatterns = new PatternList(config.blocked_key_patterns);
    this.allowedValues = new PatternList(config.allowed_values);
    this.blockedValues = new PatternList(config.blocked_values);
    this.mask = createMasker(config.hash_function, config.hmac_key);
  }

  /** Steps 1, 2 and 4 of the precedence: what the key alone decides. */
  classifyKey(key: string): number {
    const cached = this.keyStrings.get(key);
    if (cached !== undefined) return cached;
    const cls = this.evaluateKey(key);
    if (this.keyStrings.size >= MAX_KEY_STRINGS) this.keyStrings.clear();
    this.keyStrings.set(key, cls);
    return cls;
  }

  /** classifyKey for the key's UTF-8 bytes buf[start, end), through the per-key cache. */
  classifyKeyBytes(buf: Buffer, start: number, end: number): number {
    const cached = this.keyCache.get(buf, start, end);
    if (cached >= 0) return cached;
    const cls = this.evaluateKey(buf.toString('utf8', start, end));
    this.keyCache.set(buf, start, end, cls);
    return cls;
  }

  private evaluateKey(key: string): number {
    if (this.ignoreList.has(key) || this.ignoredKeyPatterns.testString(key)) return KEY_IGNORED;
    if (!this.allowAllKeys && !this.allowList.has(key)) return KEY_DELETE;
    return this.blockedKeyPatterns.testString(key) ? KEY_MASK : KEY_CHECK_VALUE;
  }

  /**
   * The whole value masked (blocked_key_patterns), as otelcol masks it with Go's `.*`: `.` stops
   * at a newline, so each line is masked on its own ("a\nb" -> "****\n****"), an empty value too.
   */
  maskWhole(value: string): string {
    if (value.indexOf('\n') === -1) return this.mask(value);
    return value.split('\n').map(this.mask).join('\n');
  }

  /**
   * redact_all_types, array / kvlist value: does a string element or key inside hold a
   * blocked_values match that its JSON form might hide?
   */
  nestedBlocked(v: AnyValue): boolean {
    if (this.blockedValues.isEmpty) return false;
    return eachNestedString(v, (s) => this.blockedValues.testString(s));
  }

  /** The masked string form of such a value: its parts masked, then the JSON as a whole. */
  maskNested(v: AnyValue): string {
    return this.maskBlocked(jsonWithMaskedStrings(v, (s) => this.maskBlocked(s)));
  }

  /** Every blocked_values match masked, pattern after pattern (a later one sees earlier masks). */
  maskBlocked(value: string): string {
    const list = this.blockedValues;
    for (let k = 0; k < list.patterns.length; k++) {
      // Replacing runs the pattern's NFA: skip it where its bounds say it cannot match.
      if (list.mayMatchString(k, value)) value = replaceAllFunc(list.patterns[k]!, value, this.mask);
    }
    return value;
  }
}
