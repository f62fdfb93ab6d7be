import { describe, expect, it } from 'vitest';
import { headlineTable, markdownTable } from './report';
import { describeTarget, failedRows, makeRow, round } from './rows';
import { percentile, summarize } from './stats';

describe('makeRow', () => {
  it('sets the value against its baseline and judges the target', () => {
    const row = makeRow({
      metric: 'ingest.ratio',
      browser: 'chromium',
      size: 'small',
      value: 3000,
      unit: 'events/s',
      baseline: 5000,
      target: { ratio: { min: 0.5 } },
    });
    expect(row).toEqual({
      metric: 'ingest.ratio',
      browser: 'chromium',
      size: 'small',
      value: 3000,
      unit: 'events/s',
      baseline: 5000,
      ratio: 0.6,
      target: 'ratio >= 0.5',
      ok: true,
    });
  });

  it('fails a row that misses any bound of its target', () => {
    const target = { value: { max: 16 }, ratio: { max: 2 } };
    const base = { metric: 'latency.same-tab.p50', browser: 'firefox', size: 's', unit: 'ms', target };
    expect(makeRow({ ...base, value: 12, baseline: 10 }).ok).toBe(true);
    expect(makeRow({ ...base, value: 20, baseline: 15 }).ok).toBe(false);
    expect(makeRow({ ...base, value: 12, baseline: 5 }).ok).toBe(false);
    expect(makeRow({ ...base, value: 12, baseline: 10 }).target).toBe('value <= 16 ms and ratio <= 2');
  });

  it('reports an unmeasured value as a gap, never as a pass', () => {
    const row = makeRow({
      metric: 'memory.host-heap',
      browser: 'firefox',
      size: 's',
      value: null,
      unit: 'MB',
      baseline: 4,
      target: { ratio: { max: 2 } },
    });
    expect(row).toMatchObject({ value: null, ratio: null, ok: false });
    expect(
      makeRow({
        metric: 'x',
        browser: 'b',
        size: 's',
        value: 1,
        unit: 'u',
        baseline: null,
        target: { ratio: { max: 2 } },
      }).ok,
    ).toBe(false);
  });

  it('leaves informational rows unjudged', () => {
    expect(
      makeRow({
        metric: 'vfs.bulk.shared.IDBMirrorVFS',
        browser: 'b',
        size: 's',
        value: 10,
        unit: 'rows/s',
        baseline: 20,
      }),
    ).toMatchObject({ ratio: 0.5, target: null, ok: null });
  });

  it('keeps three significant digits', () => {
    expect(round(123456)).toBe(123456);
    expect(round(12.3456)).toBe(12.3);
    expect(round(0.0123456)).toBe(0.0123);
    expect(describeTarget({ ratio: { min: 4 } }, 'events/s')).toBe('ratio >= 4');
  });

  it('turns a failed measurement into unmeasured rows with the reason', () => {
    const rows = failedRows(
      [{ metric: 'coldstart', unit: 'ms', size: 's', target: { ratio: { max: 1.5 } } }],
      'chromium',
      new Error('boom\nstack'),
    );
    expect(rows).toEqual([
      expect.objectContaining({ metric: 'coldstart', value: null, ok: false, note: 'not measured: boom' }),
    ]);
  });
});

describe('percentile', () => {
  it('takes the nearest rank, ignoring what is not a number', () => {
    expect(percentile([5, 1, 3, NaN], 0.5)).toBe(3);
    expect(percentile([], 0.5)).toBeNull();
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(hundred)).toEqual({ p50: 50, p99: 99, n: 100 });
  });
});

describe('markdownTable', () => {
  it('writes one line per row and escapes what would break the table', () => {
    const table = markdownTable([
      makeRow({
        metric: 'm',
        browser: 'b',
        size: 'a | b',
        value: 1,
        unit: 'ms',
        baseline: 2,
        target: { value: { max: 0 } },
        note: 'x',
      }),
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('| m | b | a \\| b | 1 | ms | 2 | 0.5 | value <= 0 ms | **NO** | x |');
  });
});

describe('headlineTable', () => {
  it('keeps only rows with a target, one line per metric and a column per browser', () => {
    const row = (metric: string, browser: string, value: number | null, target?: { max: number }) =>
      makeRow({ metric, browser, size: 's', value, unit: 'ms', baseline: 10, target: target && { value: target } });
    const lines = headlineTable([
      row('info', 'chromium', 1),
      row('lat', 'chromium', 12, { max: 16 }),
      row('lat', 'firefox', 20, { max: 16 }),
      row('gone', 'firefox', null, { max: 16 }),
    ]).split('\n');
    expect(lines).toEqual([
      '| metric | target | chromium | firefox |',
      '|---|---|---|---|',
      '| lat | value <= 16 ms | 12 ms (1.2×) ✓ | 20 ms (2×) **NO** |',
      '| gone | value <= 16 ms | – | not measured **NO** |',
    ]);
  });
});
