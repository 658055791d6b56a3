/**
 * What a masked match becomes: `****`, or with hash_function set the lower-case hex digest of the
 * match's UTF-8 bytes, as otelcol's maskValue (sha3 is SHA3-256; the hmac-* ones are keyed with
 * hmac_key's UTF-8 bytes).
 *
 * A plain hash of a low-entropy value is no protection: there are about 10^15 valid card numbers
 * and far fewer phone numbers, and a GPU enumerates those hashes in minutes, so md5/sha1/sha3 of a
 * card number is as good as the number. HMAC with a secret key keeps values correlatable (the
 * same input gives the same output) without being reversible by whoever lacks the key.
 */
import { createHash, createHmac } from 'node:crypto';
import type { HashFunction } from './config.ts';

export const MASK = '****';

export type Masker = (match: string) => string;

export function createMasker(hashFunction: HashFunction, hmacKey: string): Masker {
  switch (hashFunction) {
    case '':
      return () => MASK;
    case 'md5':
      return (m) => createHash('md5').update(m, 'utf8').digest('hex');
    case 'sha1':
      return (m) => createHash('sha1').update(m, 'utf8').digest('hex');
    case 'sha3':
      return (m) => createHash('sha3-256').update(m, 'utf8').digest('hex');
    case 'hmac-sha256': {
      const key = Buffer.from(hmacKey, 'utf8');
      return (m) => createHmac('sha256', key).update(m, 'utf8').digest('hex');
    }
    case 'hmac-sha512': {
      const key = Buffer.from(hmacKey, 'utf8');
      return (m) => createHmac('sha512', key).update(m, 'utf8').digest('hex');
    }
  }
}
