import { describe, expect, it } from 'vitest';
import { formatCost, parseCostArgs, parseShare } from './cost-cli.ts';
import { checkCostInput, costTable, sig3, volume } from './cost-model.ts';

const input = { requestsPerSecond: 1000, spansPerRequest: 10, bytesPerSpan: 2048, gzipRatio: 0.2 };

describe('cost model', () => {
  it('requests/s x spans/request x span size -> MB/s, GB/day, TB/month, raw and gzip', () => {
    const v = volume(input);
    expect(v.spansPerSecond).toBe(10_000);
    expect(v.rawMBps).toBeCloseTo(20.48, 10);
    expect(v.gzipMBps).toBeCloseTo(4.096, 10);
    expect(v.rawGBPerDay).toBeCloseTo(1769.472, 9);
    expect(v.gzipGBPerDay).toBeCloseTo(353.8944, 9);
    // A month is 30 days.
    expect(v.rawTBPerMonth).toBeCloseTo(53.08416, 9);
    expect(v.gzipTBPerMonth).toBeCloseTo(10.616832, 9);
  });

  it('sampling scales every figure by the share kept; no-sampling comes first', () => {
    const rows = costTable(input, [
      { label: 'head', keep: 0.1 },
      { label: 'tail', keep: 0.155 },
    ]);
    expect(rows.map((r) => r.label)).toEqual(['no sampling', 'head', 'tail']);
    expect(rows[1]!.volume.rawMBps).toBeCloseTo(2.048, 10);
    expect(rows[2]!.volume.gzipGBPerDay).toBeCloseTo(353.8944 * 0.155, 9);
  });

  it('rejects what cannot be a stream', () => {
    expect(checkCostInput(input, [0.1])).toEqual([]);
    expect(checkCostInput({ ...input, requestsPerSecond: 0, gzipRatio: 3 }, [1.5])).toEqual([
      'requests per second must be a positive number, got 0',
      'gzip ratio must be in (0, 1.5], got 3',
      'a sampling share must be between 0 and 1, got 1.5',
    ]);
  });

  it('sig3 keeps three significant digits without an exponent', () => {
    expect([sig3(1769.472), sig3(20.48), sig3(4.096), sig3(0.0742), sig3(0.000123456), sig3(0)]).toEqual(['1,769', '20.5', '4.1', '0.0742', '0.000123', '0']);
  });
});

describe('cost CLI arguments', () => {
  it('parses --rps --spans --span-bytes and shares as 0.1 or 10%', () => {
    expect(parseShare('0.1')).toBe(0.1);
    expect(parseShare('25%')).toBe(0.25);
    expect(parseShare('ten')).toBeNaN();
    expect(parseCostArgs({ rps: '1000', spans: '10', 'span-bytes': '2048', sample: ['0.1', '25%'], 'gzip-ratio': '0.2' })).toEqual({
      input: { requestsPerSecond: 1000, spansPerRequest: 10, bytesPerSpan: 2048, gzipRatio: 0.2 },
      samples: [
        { label: 'sample 10%', keep: 0.1 },
        { label: 'sample 25%', keep: 0.25 },
      ],
    });
  });

  it('names every missing or bad argument', () => {
    expect(parseCostArgs({ rps: 'fast', sample: ['2'] })).toEqual({ errors: ['--spans is required', '--span-bytes is required'] });
    expect(parseCostArgs({ rps: 'fast', spans: '10', 'span-bytes': '100', sample: ['2'] })).toEqual({
      errors: ['requests per second must be a positive number, got NaN', 'a sampling share must be between 0 and 1, got 2'],
    });
  });

  it('prints the inputs and the table before and after sampling', () => {
    expect(formatCost(input, [{ label: 'sample 10%', keep: 0.1 }], 'given')).toMatchInlineSnapshot(`
      "1,000 requests/s x 10 spans/request x 2,048 bytes/span = 10,000 spans/s
      gzip ratio 0.2 (given); MB = 10^6 bytes, GB = 10^9, TB = 10^12, a month = 30 days

      | sampling    | kept | spans/s | MB/s raw | MB/s gzip | GB/day raw | GB/day gzip | TB/month raw | TB/month gzip |
      |-------------|-----:|--------:|---------:|----------:|-----------:|------------:|-------------:|--------------:|
      | no sampling | 100% |  10,000 |     20.5 |       4.1 |      1,769 |         354 |         53.1 |          10.6 |
      | sample 10%  |  10% |   1,000 |     2.05 |      0.41 |        177 |        35.4 |         5.31 |          1.06 |
      "
    `);
  });
});
