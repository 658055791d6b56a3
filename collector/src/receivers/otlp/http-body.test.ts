/** Body reading under limits, on in-process streams (the socket-level cases are in http.test.ts). */
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import { bodyEncodingOf, readBody } from './http-body.ts';
import { DEFAULT_COMPRESSION_ALGORITHMS } from './config.ts';

/** A request body produced on demand, `count` pieces long, counting how many were pulled. */
class LazyBody extends Readable {
  pulled = 0;
  readonly headers: Record<string, string> = {};
  complete = false;
  constructor(
    private readonly piece: Buffer,
    private readonly count: number,
  ) {
    super();
  }
  override _read(): void {
    if (this.pulled === this.count) {
      this.complete = true;
      this.push(null);
      return;
    }
    this.pulled++;
    this.push(this.piece);
  }
}

const asRequest = (b: LazyBody) => b as unknown as IncomingMessage;
const MiB = 1024 * 1024;

describe('readBody', () => {
  it('stops a gzip bomb at the limit, long before it inflates (1 GiB in 100 gzip members)', async () => {
    // Concatenated gzip members are one valid gzip stream; each inflates to 10 MiB.
    const member = gzipSync(Buffer.alloc(10 * MiB), { level: 9 });
    const body = new LazyBody(member, 100);
    await expect(readBody(asRequest(body), 'gzip', MiB)).rejects.toMatchObject({ code: 'TP_BODY_TOO_LARGE', httpStatus: 413 });
    // Only the first member or so was needed to cross 1 MiB (plus stream read-ahead).
    expect(body.pulled).toBeLessThan(10);
  });

  it('inflates a multi-member gzip body under the limit', async () => {
    const part = Buffer.from('0123456789'.repeat(1000));
    const body = new LazyBody(gzipSync(part), 5);
    const out = await readBody(asRequest(body), 'gzip', MiB);
    // Buffer.equals: vitest's deep equality walks 50 000 bytes one by one.
    expect(out.equals(Buffer.concat([part, part, part, part, part]))).toBe(true);
  });

  it('stops reading a plain body at the limit', async () => {
    const body = new LazyBody(Buffer.alloc(64 * 1024), 1000); // 64 MB if read to the end
    await expect(readBody(asRequest(body), 'identity', MiB)).rejects.toMatchObject({ code: 'TP_BODY_TOO_LARGE' });
    expect(body.pulled).toBeLessThan(40);
  });

  it('refuses on Content-Length alone, without reading', async () => {
    const body = new LazyBody(Buffer.alloc(10), 1);
    body.headers['content-length'] = String(MiB + 1);
    await expect(readBody(asRequest(body), 'identity', MiB)).rejects.toMatchObject({ code: 'TP_BODY_TOO_LARGE' });
    expect(body.pulled).toBe(0);
  });

  it('a corrupt deflate stream is a bad request', async () => {
    const body = new LazyBody(Buffer.from('definitely not zlib'), 1);
    await expect(readBody(asRequest(body), 'deflate', MiB)).rejects.toMatchObject({ code: 'TP_BAD_REQUEST' });
  });

  it('returns an exact-size plain body', async () => {
    const body = new LazyBody(Buffer.from('abc'), 3);
    expect((await readBody(asRequest(body), 'identity', 9)).toString()).toBe('abcabcabc');
  });
});

describe('bodyEncodingOf', () => {
  const all = new Set(DEFAULT_COMPRESSION_ALGORITHMS);
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['gzip', 'gzip'],
    ['GZIP ', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['zlib', 'deflate'],
    ['zstd', undefined],
    ['snappy', undefined],
    ['gzip, deflate', undefined],
  ])('%s -> %s', (header, expected) => {
    expect(bodyEncodingOf(header, all)).toBe(expected);
  });

  it('honours compression_algorithms', () => {
    expect(bodyEncodingOf('gzip', new Set(['', 'zstd']))).toBeUndefined();
    expect(bodyEncodingOf(undefined, new Set(['gzip']))).toBe('identity');
  });
});
