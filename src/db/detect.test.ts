import { describe, expect, test } from 'vitest';
import { strategyOrder, type Detection } from './detect';
import { RequestMetrics } from './metrics';

const everything: Detection = { order: ['shared', 'dedicated', 'main'], reasons: [] };
const noShared: Detection = { order: ['dedicated', 'main'], reasons: ['no SharedWorker in this browser'] };

describe('strategyOrder', () => {
  test('auto takes what the browser has, best first', () => {
    expect(strategyOrder('auto', everything)).toEqual(['shared', 'dedicated', 'main']);
    expect(strategyOrder('auto', noShared)).toEqual(['dedicated', 'main']);
  });
  test('a forced strategy falls back only downwards, never up to a host other tabs would fight', () => {
    expect(strategyOrder('dedicated', everything)).toEqual(['dedicated', 'main']);
    expect(strategyOrder('main', everything)).toEqual(['main']);
    expect(strategyOrder('shared', noShared)).toEqual(['shared', 'dedicated', 'main']);
  });
});

describe('RequestMetrics', () => {
  test('counts, errors and percentiles per method', () => {
    const metrics = new RequestMetrics();
    for (let i = 1; i <= 100; i++) metrics.record('query', i, i !== 7);
    metrics.record('write', 3, true);
    const snapshot = metrics.snapshot();
    expect(snapshot.query).toEqual({ count: 100, errors: 1, p50: 51, p99: 100 });
    expect(snapshot.write).toEqual({ count: 1, errors: 0, p50: 3, p99: 3 });
  });
});
