import { describe, expect, it } from 'vitest';
import { classifyHttpError, errorBodyMessage, parseRetryAfter, partialSuccessOf } from './http-status.ts';

const NOW = Date.parse('2015-10-21T07:28:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds and the three HTTP-date forms (RFC 9110)', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Wed Oct 21 07:28:05 2015', NOW)).toBe(5_000);
  });

  it('clamps past dates to 0 and ignores anything else', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', NOW)).toBe(0);
    for (const v of [undefined, '', '5.5', '-3', 'soon', '2015-10-21T07:28:30Z', 'Wed, 21 Oct 2015 07:28:30 PST']) {
      expect(parseRetryAfter(v, NOW)).toBeUndefined();
    }
  });
});

describe('classifyHttpError', () => {
  it('gives the throttle hint only on 429 and 503, and only when non-zero', () => {
    expect(classifyHttpError('u', 429, '3', undefined, NOW).retryAfterMs).toBe(3000);
    expect(classifyHttpError('u', 503, '3', undefined, NOW).retryAfterMs).toBe(3000);
    expect(classifyHttpError('u', 504, '3', undefined, NOW).retryAfterMs).toBeUndefined();
    expect(classifyHttpError('u', 429, '0', undefined, NOW).retryAfterMs).toBeUndefined();
    expect(classifyHttpError('u', 400, '3', undefined, NOW)).toMatchObject({ code: 'TP_EXPORT_PERMANENT', retryAfterMs: undefined });
  });
});

describe('response bodies', () => {
  it('reads no message from an empty or unreadable error body', () => {
    expect(errorBodyMessage(Buffer.alloc(0), 'application/x-protobuf')).toBeUndefined();
    expect(errorBodyMessage(Buffer.from('{nope'), 'application/json')).toBeUndefined();
  });

  it('reads a partial success only for the exact OTLP content types', () => {
    const json = Buffer.from(JSON.stringify({ partialSuccess: { rejectedSpans: 3 } }));
    expect(partialSuccessOf(json, 'application/json')).toEqual({ rejectedSpans: 3, errorMessage: '' });
    expect(partialSuccessOf(json, 'application/json; charset=utf-8')).toBeNull();
    expect(partialSuccessOf(Buffer.alloc(0), 'application/x-protobuf')).toBeNull();
    expect(() => partialSuccessOf(Buffer.from('{'), 'application/json')).toThrow(/error parsing json response/);
  });
});
