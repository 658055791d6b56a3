/**
 * What the redaction processor does to attributes, rule by rule, as otelcol-contrib's
 * redactionprocessor does it (its processor_test.go cases included where they apply to traces).
 */
import { describe, expect, it } from 'vitest';
import { firstSpan, kvs, plain, redactModel, request, SEED_CONFIG, span } from './testdata/harness.ts';

const CARD = '4111 1111 1111 1111';

describe('the seed rules', () => {
  const m = request(
    [
      span(
        kvs({
          'http.request.method': 'GET',
          'http.response.status_code': 200,
          'user.email': 'bob@example.com',
          'user.phone': '+1 555 0100',
          'http.request.header.authorization': 'Bearer abc.def',
          'db.password': 'hunter2',
          'app.api_key': 'k-123',
          'app.session_token': 'tok\nen',
          'payment.note': `paid with ${CARD} and 5500-0000-0000-0004, ref CN110101199003071234`,
          'customer.id': 'cn110101199003071234',
          'url.query': 'card=4111111111111111&page=2',
          'url.path': '/orders/12345678901234567', // 17 digits: no card, no id
        }),
        {
          events: [
            { timeUnixNano: 3n, name: 'payment', attributes: kvs({ 'payment.note': `retry ${CARD}`, 'user.email': 'x@y.z' }), droppedAttributesCount: 0 },
          ],
          links: [{ traceId: Buffer.alloc(16, 9), spanId: Buffer.alloc(8, 9), traceState: '', attributes: kvs({ 'user.email': 'kept@link' }), droppedAttributesCount: 0, flags: 0 }],
        },
      ),
    ],
    kvs({ 'service.name': 'checkout', 'k8s.pod.uid': 'abc' }),
    kvs({ 'app.api_key': 'scope-key' }),
  );
  const { out } = redactModel(SEED_CONFIG, m);
  const s = firstSpan(out);

  it('deletes keys not in allowed_keys, masks blocked keys and blocked values in span attributes', () => {
    expect(plain(s.attributes)).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': 200n,
      'db.password': '****',
      'app.api_key': '****',
      'app.session_token': '****\n****', // Go's `.*` stops at a newline: each line masked
      'payment.note': 'paid with **** and ****, ref ****',
      'customer.id': '****',
      'url.query': 'card=****&page=2',
      'url.path': '/orders/12345678901234567',
      'redaction.redacted.keys': 'http.request.header.authorization,user.email,user.phone',
      'redaction.redacted.count': 3n,
      'redaction.masked.keys': 'app.api_key,app.session_token,customer.id,db.password,payment.note,url.query',
      'redaction.masked.count': 6n,
    });
  });

  it('redacts span event attributes, resource and scope attributes, each with its own summary', () => {
    expect(plain(s.events[0]!.attributes)).toEqual({
      'payment.note': 'retry ****',
      'redaction.redacted.keys': 'user.email',
      'redaction.redacted.count': 1n,
      'redaction.masked.keys': 'payment.note',
      'redaction.masked.count': 1n,
    });
    expect(plain(out.resourceSpans[0]!.resource!.attributes)).toEqual({
      'service.name': 'checkout',
      'redaction.redacted.keys': 'k8s.pod.uid',
      'redaction.redacted.count': 1n,
    });
    expect(plain(out.resourceSpans[0]!.scopeSpans[0]!.scope!.attributes)).toEqual({
      'app.api_key': '****',
      'redaction.masked.keys': 'app.api_key',
      'redaction.masked.count': 1n,
    });
  });

  it('leaves span links alone, as otelcol does', () => {
    expect(plain(s.links[0]!.attributes)).toEqual({ 'user.email': 'kept@link' });
  });
});

describe('precedence', () => {
  const base = { allow_all_keys: true, blocked_values: ['\\b\\d{16}\\b'], summary: 'debug' };

  it('allowed_values beats blocked_values: an unanchored allow pattern keeps a card number that shares the value', () => {
    // The otelcol trap: allowed_values matches anywhere in the value and then skips ALL masking.
    const config = { ...base, allowed_values: ['@example\\.com'] };
    const { out } = redactModel(config, request([span(kvs({ note: 'card 4111111111111111 for bob@example.com', other: 'card 4111111111111111' }))]));
    expect(plain(firstSpan(out).attributes)).toMatchObject({
      note: 'card 4111111111111111 for bob@example.com',
      other: 'card ****',
      'redaction.allowed.keys': 'note',
      'redaction.allowed.count': 1n,
    });
  });

  it('an anchored allowed_values pattern only keeps values that are wholly allowed', () => {
    const config = { ...base, allowed_values: ['^[^@\\s]+@example\\.com$'] };
    const { out } = redactModel(config, request([span(kvs({ note: 'card 4111111111111111 for bob@example.com', email: 'bob@example.com' }))]));
    expect(plain(firstSpan(out).attributes)).toMatchObject({ note: 'card **** for bob@example.com', email: 'bob@example.com' });
  });

  it('allowed_values beats blocked_key_patterns too', () => {
    const config = { allow_all_keys: true, blocked_key_patterns: ['password'], allowed_values: ['^redacted$'] };
    const { out } = redactModel(config, request([span(kvs({ password: 'redacted', 'old.password': 'hunter2' }))]));
    expect(plain(firstSpan(out).attributes)).toEqual({ password: 'redacted', 'old.password': '****' });
  });

  it('ignored keys beat everything: not deleted, not masked, not checked', () => {
    const config = {
      allowed_keys: ['id'],
      ignored_keys: ['safe_attribute'],
      ignored_key_patterns: ['^internal\\.'],
      blocked_key_patterns: ['.'],
      blocked_values: ['4111'],
      summary: 'info',
    };
    const { out } = redactModel(config, request([span(kvs({ safe_attribute: '4111111111111112', 'internal.secret': 'x', id: 5, dropped: 'y' }))]));
    expect(plain(firstSpan(out).attributes)).toEqual({
      safe_attribute: '4111111111111112',
      'internal.secret': 'x',
      id: '****', // a blocked key pattern masks any type: otelcol replaces the value with a string
      'redaction.redacted.count': 1n,
      'redaction.masked.count': 1n,
      'redaction.ignored.count': 2n,
    });
  });

  it('key patterns are unanchored: `token` also matches `tokenizer.name`', () => {
    const { out } = redactModel({ allow_all_keys: true, blocked_key_patterns: ['token'] }, request([span(kvs({ 'tokenizer.name': 'bpe', tok: 'x' }))]));
    expect(plain(firstSpan(out).attributes)).toEqual({ 'tokenizer.name': '****', tok: 'x' });
  });

  it('an empty allowed_keys list deletes every attribute (fails closed), as otelcol', () => {
    const { out } = redactModel(null, request([span(kvs({ a: '1', b: 2 }))], kvs({ 'service.name': 's' })));
    expect(firstSpan(out).attributes).toEqual([]);
    expect(out.resourceSpans[0]!.resource!.attributes).toEqual([]);
  });
});

describe('value types', () => {
  const CARD_RE = '\\b\\d{4}[- ]?\\d{4}[- ]?\\d{4}[- ]?\\d{4}\\b';
  const nested = {
    'an.int': 4111111111111111,
    'an.array': { arrayValue: [{ stringValue: CARD }, { stringValue: 'ok' }] },
    'a.kvlist': { kvlistValue: [{ key: 'z', value: { stringValue: CARD } }, { key: 'a', value: { intValue: 1n } }] },
    'a.double': 4.5,
  };

  it('without redact_all_types only string values are checked: nested and numeric values pass (otelcol)', () => {
    const { out } = redactModel({ allow_all_keys: true, blocked_values: [CARD_RE] }, request([span(kvs(nested))]));
    expect(plain(firstSpan(out).attributes)).toEqual({
      'an.int': 4111111111111111n,
      'an.array': nested['an.array'],
      'a.kvlist': nested['a.kvlist'],
      'a.double': 4.5,
    });
  });

  it('with redact_all_types values are checked in their string form; a match turns the value into the masked string', () => {
    const { out } = redactModel({ allow_all_keys: true, blocked_values: [CARD_RE], redact_all_types: true }, request([span(kvs(nested))]));
    expect(plain(firstSpan(out).attributes)).toEqual({
      'an.int': '****',
      'an.array': '["****","ok"]',
      'a.kvlist': '{"a":1,"z":"****"}', // Go's json: keys sorted
      'a.double': 4.5,
    });
  });
});

describe('summary', () => {
  const config = { allowed_keys: ['name'], blocked_values: ['4[0-9]{12}(?:[0-9]{3})?'], ignored_keys: ['safe'] };
  const m = () => request([span(kvs({ name: 'placeholder 4111111111111111', credit_card: '4111111111111111', safe: 'x' }))]);

  it('info writes counts only', () => {
    expect(plain(firstSpan(redactModel({ ...config, summary: 'info' }, m()).out).attributes)).toEqual({
      name: 'placeholder ****',
      safe: 'x',
      'redaction.redacted.count': 1n,
      'redaction.masked.count': 1n,
      'redaction.ignored.count': 1n,
    });
  });

  it('silent and the default write nothing', () => {
    for (const summary of ['silent', undefined]) {
      expect(plain(firstSpan(redactModel({ ...config, summary }, m()).out).attributes)).toEqual({ name: 'placeholder ****', safe: 'x' });
    }
  });

  it('a second processor in the chain merges its summary into the first one', () => {
    const first = redactModel({ ...config, summary: 'debug' }, m()).out;
    const second = redactModel({ allow_all_keys: true, blocked_values: ['placeholder'], summary: 'debug' }, first).out;
    expect(plain(firstSpan(second).attributes)).toMatchObject({
      name: '**** ****',
      'redaction.redacted.keys': 'credit_card',
      'redaction.masked.keys': 'name,name',
      'redaction.masked.count': 2n,
    });
  });
});

describe('hash_function', () => {
  const cases: [string, string, string][] = [
    ['md5', '', '900150983cd24fb0d6963f7d28e17f72'],
    ['sha1', '', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha3', '', '3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532'],
  ];
  for (const [fn, key, digest] of cases) {
    it(`${fn} replaces each match with its hex digest`, () => {
      const { out } = redactModel({ allow_all_keys: true, blocked_values: ['abc'], hash_function: fn, hmac_key: key }, request([span(kvs({ v: 'x abc y' }))]));
      expect(plain(firstSpan(out).attributes)).toEqual({ v: `x ${digest} y` });
    });
  }

  it('hmac-sha256 / hmac-sha512 are keyed (RFC 4231-style vectors)', () => {
    const fox = 'The quick brown fox jumps over the lazy dog';
    const run = (fn: string) =>
      plain(firstSpan(redactModel({ allow_all_keys: true, blocked_key_patterns: ['^v$'], hash_function: fn, hmac_key: 'key' }, request([span(kvs({ v: fox }))])).out).attributes);
    expect(run('hmac-sha256')).toEqual({ v: 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8' });
    expect(run('hmac-sha512')).toEqual({
      v: 'b42af09057bac1e2d41708e48a902e09b5ff7f12ab428a4fe86653c73dd248fb82f948a549f7b791a5b41915ee4d1ec3935357e4e2317250d0372afa2ebeeb3a',
    });
  });
});

describe('hostile patterns and values', () => {
  it('a pattern that backtracks exponentially in JS runs in linear time', () => {
    // (a+)+$ against "aaaa...!" takes exponential time in a backtracking engine; 40 characters
    // would already take hours there. Here it is one pass.
    const value = `${'a'.repeat(50_000)}!`;
    const { out } = redactModel(
      { allow_all_keys: true, blocked_values: ['(a+)+$'], blocked_key_patterns: ['(x+x+)+y'] },
      request([span(kvs({ v: value, [`${'x'.repeat(5000)}`]: 'kept' }))]),
    );
    expect(plain(firstSpan(out).attributes)).toEqual({ v: value, [`${'x'.repeat(5000)}`]: 'kept' });
  });
});
