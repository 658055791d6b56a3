import { describe, expect, it } from 'vitest';
import { encodeSpan } from '../../pdata/encode-model.ts';
import { decodeSpan } from '../../pdata/decode-model.ts';
import { newSpan, type KeyValue } from '../../pdata/model.ts';
import { PRIORITY_DEFER, PRIORITY_MUST, PRIORITY_NEVER, SpanScan } from './span-scan.ts';
import { withTraceState } from './rewrite-trace-state.ts';

function scan(bytes: Buffer): SpanScan {
  const s = new SpanScan();
  s.scan(bytes, 0, bytes.length);
  return s;
}

const prio = (value: KeyValue['value']): KeyValue => ({ key: 'sampling.priority', value });

describe('SpanScan', () => {
  it('finds trace_state and the first sampling.priority (as pcommon Map.Get)', () => {
    const bytes = encodeSpan(newSpan({ name: 'n', traceState: 'a=1', attributes: [{ key: 'x', value: { intValue: 0n } }, prio({ intValue: 3n }), prio({ intValue: 0n })] }));
    const s = scan(bytes);
    expect(bytes.toString('latin1', s.tsStart, s.tsEnd)).toBe('a=1');
    expect(s.priority).toBe(PRIORITY_MUST);
  });

  it.each([
    [{ intValue: 0n }, PRIORITY_NEVER],
    [{ intValue: 1n }, PRIORITY_MUST],
    [{ intValue: 1n << 40n }, PRIORITY_MUST],
    [{ intValue: -1n }, PRIORITY_DEFER],
    [{ doubleValue: -0.0 }, PRIORITY_NEVER],
    [{ doubleValue: 2 }, PRIORITY_MUST],
    [{ stringValue: '0.0' }, PRIORITY_NEVER],
    [{ stringValue: 'Infinity' }, PRIORITY_MUST],
    [{ boolValue: true }, PRIORITY_DEFER],
    [{ arrayValue: [{ intValue: 1n }] }, PRIORITY_DEFER],
    [{}, PRIORITY_DEFER],
  ] as const)('value %# -> %s', (value, want) => {
    expect(scan(encodeSpan(newSpan({ attributes: [prio(value as KeyValue['value'])] }))).priority).toBe(want);
  });

  it('a later empty trace_state field wins (protobuf: last occurrence)', () => {
    const bytes = Buffer.concat([encodeSpan(newSpan({ traceState: 'a=1' })), Buffer.from([0x1a, 0x00])]);
    expect(decodeSpan(bytes).traceState).toBe('');
    expect(scan(bytes).tsStart).toBe(-1);
  });

  it('the rewriter handles many trace_state fields (slow path) and keeps the other bytes', () => {
    const base = encodeSpan(newSpan({ name: 'n', attributes: [{ key: 'k', value: { stringValue: 'v' } }] }));
    const extra = Buffer.concat(Array.from({ length: 6 }, (_, i) => Buffer.from([0x1a, 3, 0x61, 0x3d, 0x30 + i])));
    const out = withTraceState(Buffer.concat([extra, base]), 'z=9');
    expect(decodeSpan(out)).toEqual({ ...decodeSpan(base), traceState: 'z=9' });
    expect(out.length).toBe(base.length + 5);
  });
});
