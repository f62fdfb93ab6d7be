/**
 * vfs.bulk and vfs.tx: raw wa-sqlite speed of every VFS in every context that can run it (the dedicated worker with
 * both builds; the SharedWorker and the main thread with the asynchronous build, plus MemoryVFS as the non-durable
 * reference), with the app's PRAGMAs and schema (bench/browser/raw-vfs.ts). Each VFS is set against the best VFS of
 * its context that is as durable as the host needs (its commits flushed to disk: VFS_CATALOG's `flushes`), measured
 * in the same run; the `.default` rows say whether the app's default for the context (db-worker/config.ts) is that
 * best one. A single pass measures each VFS after the other, and on a shared 2-core machine the load drifts by more
 * than the margin between two VFSs; so where the default is not the best, the two are measured again head to head,
 * alternating, and the `.default` row compares the medians of all their figures.
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
  flushes: boolean;
  journalMode: string;
  /** One figure per repeat (the head-to-head rounds add theirs). */
  bulkRowsPerS: number[];
  txPerS: number[];
  /** The same bulk insert through the app's Database wrapper (measured for the app's defaults only). */
  wrapperRowsPerS: number | null;
  error?: string;
}

export interface VfsResults {
  figures: VfsFigure[];
  /** The app's default VFS per context, as the host would choose it there. */
  defaults: Partial<Record<Context, VfsName>>;
  /** Per context, the VFSs measured again head to head with the default, and the rounds. */
  rematches: Partial<Record<Context, { vfs: VfsName[]; rounds: number }>>;
}

const CONTEXTS: Context[] = ['dedicated', 'shared', 'main'];

export async function measureVfs(pages: BenchPages, sizes: Sizes): Promise<VfsResults> {
  const contexts = await pages.contexts();
  const results: VfsResults = { figures: [], defaults: {}, rematches: {} };
  for (const context of CONTEXTS) {
    const available = contexts[context];
    if (!available) {
      progress(`  vfs: no ${context} context in this browser`);
      continue;
    }
    results.defaults[context] = available.appDefault;
    for (const vfs of available.names) {
      results.figures.push(await measureOne(pages, sizes, context, vfs, vfs === available.appDefault));
    }
    const figures = results.figures.filter((f) => f.context === context);
    const chosen = figures.find((f) => f.vfs === available.appDefault);
    const rivals = [
      ...new Set(MEASURES.map((m) => bestFlushing(figures, m)?.vfs).filter((v) => v && v !== available.appDefault)),
    ] as VfsName[];
    if (!chosen || chosen.error || !rivals.length || !sizes.vfs.rematchRounds) continue;
    results.rematches[context] = { vfs: rivals, rounds: sizes.vfs.rematchRounds };
    for (let round = 0; round < sizes.vfs.rematchRounds; round++) {
      for (const vfs of [available.appDefault, ...rivals]) {
        const again = await measureOne(pages, { ...sizes, vfs: { ...sizes.vfs, repeats: 1 } }, context, vfs, false);
        const into = figures.find((f) => f.vfs === vfs)!;
        into.bulkRowsPerS.push(...again.bulkRowsPerS);
        into.txPerS.push(...again.txPerS);
      }
    }
  }
  return results;
}

async function measureOne(
  pages: BenchPages,
  sizes: Sizes,
  context: Context,
  vfs: VfsName,
  wrapper: boolean,
): Promise<VfsFigure> {
  const started = performance.now();
  const base = { context, vfs, build: '', durable: false, flushes: false, journalMode: '' };
  try {
    const r = await pages.vfs(context, {
      vfs,
      rowCount: sizes.vfs.rows,
      warmupRows: sizes.vfs.warmupRows,
      txs: sizes.vfs.txs,
      txBudgetMs: sizes.vfs.txBudgetMs,
      repeats: sizes.vfs.repeats,
      wrapper,
    });
    const phases = Object.entries(r.phases)
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ');
    progress(`  vfs: ${context} ${vfs} in ${Math.round(performance.now() - started)} ms (${phases})`);
    return {
      ...base,
      build: r.build,
      durable: r.durable,
      flushes: r.flushes,
      journalMode: r.journalMode,
      bulkRowsPerS: r.bulkRowsPerS,
      txPerS: r.txPerS,
      wrapperRowsPerS: median(r.wrapperRowsPerS),
    };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    progress(`  vfs: ${context} ${vfs} failed: ${message}`);
    return { ...base, bulkRowsPerS: [], txPerS: [], wrapperRowsPerS: null, error: message };
  }
}

/** The raw insert figure of a context and VFS, for the ingest ratio. */
export function rawInsert(results: VfsResults, context: string, vfs: string): VfsFigure | undefined {
  return results.figures.find((f) => f.context === context && f.vfs === vfs);
}

type Measure = 'bulkRowsPerS' | 'txPerS';
const MEASURES: Measure[] = ['bulkRowsPerS', 'txPerS'];

/** The median of a figure's repeats. */
export const figureOf = (f: VfsFigure, measure: Measure): number | null => median(f[measure]);

/** The fastest VFS whose commits are flushed to disk: the durability the host needs, hence the baseline. */
function bestFlushing(figures: VfsFigure[], measure: Measure): VfsFigure | undefined {
  return figures
    .filter((f) => f.durable && f.flushes && figureOf(f, measure) !== null)
    .sort((a, b) => (figureOf(b, measure) ?? 0) - (figureOf(a, measure) ?? 0))[0];
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
    const rematch = results.rematches[context];
    for (const { metric, measure, unit, size } of kinds) {
      const best = bestFlushing(figures, measure);
      const bestValue = best ? figureOf(best, measure) : null;
      for (const f of figures) {
        const notes = [`${f.build} build`];
        if (f.journalMode) notes.push(`journal_mode=${f.journalMode}`);
        if (!f.durable) notes.push('not durable (reference)');
        else if (!f.flushes) notes.push('commits not flushed to disk (IndexedDB default durability): not a baseline');
        if (f.vfs === appDefault) notes.push('app default');
        if (f[measure].length > sizes.vfs.repeats) notes.push(`median of ${f[measure].length} with the head-to-head`);
        if (f.error) notes.push(`failed: ${f.error}`);
        rows.push(
          makeRow({
            metric: `${metric}.${context}.${f.vfs}`,
            browser,
            size,
            value: figureOf(f, measure),
            unit,
            baseline: bestValue,
            note: `${notes.join(', ')}; baseline: best flushed durable VFS here (${best?.vfs ?? 'none'})`,
          }),
        );
      }
      const chosen = figures.find((f) => f.vfs === appDefault);
      const headToHead = rematch
        ? `; ${rematch.vfs.join(', ')} measured again with the default, alternating, ${rematch.rounds} rounds`
        : '';
      rows.push(
        makeRow({
          metric: `${metric}.${context}.default`,
          browser,
          size,
          value: chosen ? figureOf(chosen, measure) : null,
          unit,
          baseline: bestValue,
          // Within 10 %: repeat runs of one VFS differ by more than that on a busy 2-core machine.
          target: { ratio: { min: 0.9 } },
          note:
            `app default ${appDefault ?? 'unknown'} (median of ${chosen?.[measure].length ?? 0}); best flushed ` +
            `durable ${best?.vfs ?? 'none'} (median of ${best?.[measure].length ?? 0})${headToHead}`,
        }),
      );
    }
  }
  return rows;
}
