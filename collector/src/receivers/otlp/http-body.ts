/**
 * Reads an HTTP request body under a size limit, inflating gzip/deflate as it streams. The limit
 * holds for the bytes on the wire and again for the inflated bytes, and is enforced while
 * reading: an over-long body is refused as soon as it crosses the limit (never buffered whole),
 * and a compression bomb is cut off at the first output chunk past the limit, long before it
 * would have inflated completely.
 */
import type { IncomingMessage } from 'node:http';
import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import { CollectorError } from '../../errors/codes.ts';

export type BodyEncoding = 'identity' | 'gzip' | 'deflate';

/**
 * The client went away before the body was complete. Not a CollectorError: there is nobody left
 * to answer.
 */
export class ClientAbortError extends Error {
  constructor() {
    super('client closed the connection before the request body was complete');
    this.name = 'ClientAbortError';
  }
}

/**
 * Content-Encoding -> how we decode it, or undefined when unsupported. `allowed` is
 * compression_algorithms; an absent or `identity` encoding is always accepted. otelcol's "zlib"
 * and "deflate" both mean the zlib format (RFC 1950), which is also what HTTP's "deflate" is.
 */
export function bodyEncodingOf(header: string | undefined, allowed: ReadonlySet<string>): BodyEncoding | undefined {
  if (header === undefined) return 'identity';
  const value = header.trim().toLowerCase();
  switch (value) {
    case '':
    case 'identity':
      return 'identity';
    case 'gzip':
    case 'x-gzip':
      return allowed.has('gzip') ? 'gzip' : undefined;
    case 'deflate':
      return allowed.has('deflate') || allowed.has('zlib') ? 'deflate' : undefined;
    case 'zlib':
      return allowed.has('zlib') || allowed.has('deflate') ? 'deflate' : undefined;
    default:
      return undefined; // zstd, snappy, lz4, stacked encodings: not supported (yet)
  }
}

function tooLarge(limit: number): CollectorError {
  return new CollectorError('TP_BODY_TOO_LARGE', `more than ${limit} bytes`);
}

/**
 * The whole (inflated) body. Rejects with CollectorError TP_BODY_TOO_LARGE past `limit`,
 * TP_BAD_REQUEST for a corrupt compressed stream, or ClientAbortError. On a rejection the
 * request stream is left paused: the caller answers with `Connection: close`.
 */
export function readBody(req: IncomingMessage, encoding: BodyEncoding, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return encoding === 'identity' ? readPlain(req, limit) : readInflated(req, encoding, limit);
}

function readPlain(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (err: Error | null): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err === null) {
        // One chunk (the common case for small requests) needs no copy.
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
      } else {
        req.pause();
        chunks.length = 0;
        reject(err);
      }
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(null);
    const onError = (): void => finish(new ClientAbortError());
    const onClose = (): void => {
      if (!req.complete) finish(new ClientAbortError());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function readInflated(req: IncomingMessage, encoding: 'gzip' | 'deflate', limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const inflater: Gunzip | Inflate = encoding === 'gzip' ? createGunzip() : createInflate();
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let inflatedBytes = 0;
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      inflater.off('data', onInflated);
      inflater.off('end', onInflatedEnd);
      inflater.off('drain', onDrain);
      if (err === null) {
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, inflatedBytes));
        return;
      }
      req.pause();
      chunks.length = 0;
      // destroy() stops the inflater at once; an error it emits afterwards has nobody to tell.
      inflater.on('error', () => {});
      inflater.destroy();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      wireBytes += chunk.length;
      if (wireBytes > limit) {
        finish(tooLarge(limit));
        return;
      }
      // Backpressure: do not read from the socket faster than zlib inflates.
      if (!inflater.write(chunk)) req.pause();
    };
    const onDrain = (): void => {
      if (!done) req.resume();
    };
    const onEnd = (): void => {
      inflater.end();
    };
    const onInflated = (chunk: Buffer): void => {
      inflatedBytes += chunk.length;
      // zlib emits output in 16 KiB chunks, so a bomb is stopped within one chunk of the limit.
      if (inflatedBytes > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onInflatedEnd = (): void => finish(null);
    const onInflateError = (err: Error): void => {
      finish(new CollectorError('TP_BAD_REQUEST', `invalid ${encoding} body: ${err.message}`, { cause: err }));
    };
    const onError = (): void => finish(new ClientAbortError());
    const onClose = (): void => {
      if (!req.complete) finish(new ClientAbortError());
    };
    inflater.on('data', onInflated);
    inflater.on('end', onInflatedEnd);
    inflater.on('drain', onDrain);
    inflater.once('error', onInflateError);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
