/**
 * vfs.bulk and vfs.tx: raw wa-sqlite speed of every VFS in every context that can run it (the dedicated worker with
 * both builds; the SharedWorker and the main thread with the asynchronous build, plus MemoryVFS as the non-durable
 * reference), with the app's PRAGMAs and schema (bench/browser/raw-vfs.ts). Each VFS is set against the best durable
 * VFS of its context measured in the same run; the `.default` rows say whether the app's default for the context
 * (db-worker/config.ts) is that best one.
 */
import type { VfsName } from '../../db-worker/sqlite/open-browser';
import type { BenchPages, Context } from '../harness/bench-pages';
import type { Sizes } from '../harness/options';
import { progress } from '../harness/progress';
import { makeRow, type MetricRow } from '../harness/rows';
import { median } from '../harness/stats';

export interface VfsFigure {
  context: Context;
  vfs: VfsName;
  build: string;
  durable: boolean;
  journalMode: string;
  bulkRowsPerS: number | null;
  txPerS: number | null;
  /** The same bulk insert through the app's Database wrapper (measured for the app's defaults only). */
  wrapperRowsPerS: number | null;
  error?: string;
}

export interface VfsResults {
  figures: VfsFigure[];
  /** The app's default VFS per context, as the host would choose it there. */
  defaults: Partial<Record<Context, VfsName>>;
}

const CONTEXTS: Context[] = ['dedicated', 'shared', 'main'];

export async function measureVfs(pages: BenchPages, sizes: Sizes): Promise<VfsResults> {
  const contexts = await pages.contexts();
  const results: VfsResults = { figures: [], defaults: {} };
  for (const context of CONTEXTS) {
    const available = contexts[context];
    if (!available) {
      progress(`  vfs: no ${context} context in this browser`);
      continue;
    }
    results.defaults[context] = available.appDefault;
    for (const vfs of available.names) {
      const started = performance.now();
      const base = { context, vfs, build: '', durable: false, journalMode: '' };
      try {
        const r = await pages.vfs(context, {
          vfs,
          rowCount: sizes.vfs.rows,
          warmupRows: sizes.vfs.warmupRows,
          txs: sizes.vfs.txs,
          txBudgetMs: sizes.vfs.txBudgetMs,
          repeats: sizes.vfs.repeats,
          wrapper: vfs === available.appDefault,
        });
        const phases = Object.entries(r.phases)
          .map(([name, ms]) => `${name} ${ms}`)
          .join(', ');
        progress(`  vfs: ${context} ${vfs} in ${Math.round(performance.now() - started)} ms (${phases})`);
        results.figures.push({
          ...base,
          build: r.build,
          durable: r.durable,
          journalMode: r.journalMode,
          bulkRowsPerS: median(r.bulkRowsPerS),
          txPerS: median(r.txPerS),
          wrapperRowsPerS: median(r.wrapperRowsPerS),
        });
      } catch (error) {
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        progress(`  vfs: ${context} ${vfs} failed: ${message}`);
        results.figures.push({ ...base, bulkRowsPerS: null, txPerS: null, wrapperRowsPerS: null, error: message });
      }
    }
  }
  return results;
}

/** The raw insert figure of a context and VFS, for the ingest ratio. */
export function rawInsert(results: VfsResults, context: string, vfs: string): VfsFigure | undefined {
  return results.figures.find((f) => f.context === context && f.vfs === vfs);
}

type Measure = 'bulkRowsPerS' | 'txPerS';

function bestDurable(figures: VfsFigure[], measure: Measure): VfsFigure | undefined {
  return figures
    .filter((f) => f.durable && f[measure] !== null)
    .sort((a, b) => (b[measure] ?? 0) - (a[measure] ?? 0))[0];
}

export function vfsRows(browser: string, sizes: Sizes, results: VfsResults): MetricRow[] {
  const rows: MetricRow[] = [];
  const kinds = [
    {
      metric: 'vfs.bulk',
      measure: 'bulkRowsPerS' as const,
      unit: 'rows/s',
      size: `${sizes.vfs.rows / 1000}k message rows in 1 transaction, median of ${sizes.vfs.repeats}`,
    },
    {
      metric: 'vfs.tx',
      measure: 'txPerS' as const,
      unit: 'tx/s',
      size: `up to ${sizes.vfs.txs} one-row transactions or ${sizes.vfs.txBudgetMs / 1000} s, median of ${sizes.vfs.repeats}`,
    },
  ];
  for (const context of CONTEXTS) {
    const figures = results.figures.filter((f) => f.context === context);
    if (!figures.length) continue;
    const appDefault = results.defaults[context];
    for (const { metric, measure, unit, size } of kinds) {
      const best = bestDurable(figures, measure);
      for (const f of figures) {
        const notes = [`${f.build} build`];
        if (f.journalMode) notes.push(`journal_mode=${f.journalMode}`);
        if (!f.durable) notes.push('not durable (reference)');
        if (f.vfs === appDefault) notes.push('app default');
        if (f.error) notes.push(`failed: ${f.error}`);
        rows.push(
          makeRow({
            metric: `${metric}.${context}.${f.vfs}`,
            browser,
            size,
            value: f[measure],
            unit,
            baseline: best?.[measure],
            note: `${notes.join(', ')}; baseline: best durable here (${best?.vfs ?? 'none'})`,
          }),
        );
      }
      const chosen = figures.find((f) => f.vfs === appDefault);
      rows.push(
        makeRow({
          metric: `${metric}.${context}.default`,
          browser,
          size,
          value: chosen?.[measure],
          unit,
          baseline: best?.[measure],
          // Within 10 %: repeat runs of one VFS differ by more than that on a busy 2-core machine.
          target: { ratio: { min: 0.9 } },
          note: `app default ${appDefault ?? 'unknown'}; best durable ${best?.vfs ?? 'none'}`,
        }),
      );
    }
  }
  return rows;
}
