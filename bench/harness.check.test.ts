/**
 * The harness works end to end: a complete `npm run bench -- --quick` prints only result lines on stdout, each a
 * well-formed row, with every metric of the issue for Chromium and Firefox, and writes the results table. About
 * three minutes: runs only with BENCH_CHECK=1, so that `npx vitest run` (and `npm test`) stays fast.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricRow } from './harness/rows';

const METRICS = [
  'vfs.bulk.',
  'vfs.tx.',
  'ingest.ratio',
  'backfill.roomy-largest',
  'latency.same-tab.p50',
  'latency.same-tab.p99',
  'latency.cross-tab.p50',
  'latency.cross-tab.p99',
  'invalidation.scaling',
  'incremental.',
  'protocol.overhead',
  'coldstart',
  'memory.host-heap',
  'memory.db-size',
];

describe.skipIf(!process.env.BENCH_CHECK)('npm run bench -- --quick', () => {
  it(
    'prints every metric for Chromium and Firefox, as JSON lines, and writes the table',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'roomy-bench-check-'));
      const out = join(dir, 'RESULTS.md');
      try {
        const started = Date.now();
        const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], {
          encoding: 'utf8',
          maxBuffer: 64 * 2 ** 20,
        });
        expect(run.status, run.stderr.slice(-4000)).toBe(0);
        const rows = run.stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as MetricRow);
        for (const row of rows) {
          expect(Object.keys(row).slice(0, 9)).toEqual([
            'metric',
            'browser',
            'size',
            'value',
            'unit',
            'baseline',
            'ratio',
            'target',
            'ok',
          ]);
          expect(row.size, row.metric).not.toBe('');
          if (row.value !== null && row.baseline) expect(row.ratio).toBeCloseTo(row.value / row.baseline, 1);
          if (row.target === null) expect(row.ok).toBeNull();
          else expect(typeof row.ok).toBe('boolean');
        }
        for (const browser of ['chromium', 'firefox']) {
          const names = rows.filter((r) => r.browser === browser).map((r) => r.metric);
          for (const metric of METRICS) {
            expect(
              names.some((n) => n.startsWith(metric)),
              `${metric} in ${browser}`,
            ).toBe(true);
          }
        }
        const table = readFileSync(out, 'utf8');
        expect(table).toContain('| metric | browser | size |');
        const everyRow = table.slice(table.indexOf('## Every row'));
        expect(everyRow.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| metric'))).toHaveLength(
          rows.length,
        );
        console.info(`quick run: ${rows.length} rows in ${Math.round((Date.now() - started) / 1000)} s`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    10 * 60_000,
  );
});
