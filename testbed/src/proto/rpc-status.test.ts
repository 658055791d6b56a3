import { describe, expect, it } from 'vitest';
import { decodeRpcStatus, encodeRetryInfoStatus } from './rpc-status.ts';

describe('google.rpc.Status with RetryInfo', () => {
  it('round-trips code, message and delay', () => {
    const s = decodeRpcStatus(encodeRetryInfoStatus(8, 'slow down', 2500));
    expect(s).toEqual({ code: 8, message: 'slow down', retryDelayMs: 2500 });
  });

  it('has no delay when there is no RetryInfo', () => {
    expect(decodeRpcStatus(new Uint8Array([0x08, 0x0e])).retryDelayMs).toBeUndefined();
  });
});
