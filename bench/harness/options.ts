/**
 * The command line and the sizes of a run. `--quick` keeps every metric but shrinks what it works on (each row's
 * `size` says which), so that a whole run takes under three minutes on a 2-core machine.
 */
import { parseArgs } from 'node:util';
import type { BrowserName } from './browsers';
import type { Dataset } from './data';

export const METRIC_GROUPS = ['vfs', 'protocol', 'engine', 'backfill', 'latency', 'coldstart'] as const;
export type MetricGroup = (typeof METRIC_GROUPS)[number];

export interface Sizes {
  mode: 'full' | 'quick';
  dataset: Dataset;
  vfs: {
    rows: number;
    warmupRows: number;
    txs: number;
    txBudgetMs: number;
    repeats: number;
    /** Head-to-head rounds of the default against the best, where they differ (bench/metrics/vfs.ts). */
    rematchRounds: number;
  };
  protocol: { iterations: number; repeats: number };
  fanout: { counts: number[]; commitsPerStep: number };
  latest: { sizes: number[]; limits: number[]; commits: number };
  latency: { queries: number; samples: number; warmup: number; pauseMs: number; floorSamples: number };
  coldstart: { runs: number };
  /** Also backfill with the host in a dedicated worker (OPFS), for the ingest comparison between contexts. */
  dedicatedBackfill: boolean;
  backfillTimeoutMs: number;
}

const FULL: Sizes = {
  mode: 'full',
  dataset: { preset: 'roomy-largest', seed: 1, label: 'roomy-largest' },
  vfs: { rows: 10_000, warmupRows: 3_000, txs: 1_000, txBudgetMs: 2_000, repeats: 3, rematchRounds: 3 },
  protocol: { iterations: 2_000, repeats: 7 },
  fanout: { counts: [1, 100, 1_000], commitsPerStep: 100 },
  latest: { sizes: [1_000, 116_000], limits: [50, 500], commits: 200 },
  latency: { queries: 100, samples: 200, warmup: 10, pauseMs: 50, floorSamples: 100 },
  coldstart: { runs: 5 },
  dedicatedBackfill: true,
  backfillTimeoutMs: 15 * 60_000,
};

const QUICK: Sizes = {
  mode: 'quick',
  // The roomy-largest shape scaled down: many rooms (for 100 live queries over distinct rooms), 12k messages.
  dataset: { preset: 'roomy-largest', seed: 1, messages: 12_000, rooms: 120, label: 'roomy-largest-12k' },
  vfs: { rows: 1_000, warmupRows: 500, txs: 50, txBudgetMs: 100, repeats: 3, rematchRounds: 1 },
  protocol: { iterations: 200, repeats: 5 },
  // 40 commits per step (80 per count, taken there and back): the figure is ~2 ms, mostly the IndexedDB VFS's
  // read lock, and 20 samples left the 1,000-against-1 ratio anywhere between 1.0 and 1.35 from run to run.
  fanout: { counts: [1, 100, 1_000], commitsPerStep: 40 },
  latest: { sizes: [1_000, 10_000], limits: [50], commits: 20 },
  latency: { queries: 100, samples: 20, warmup: 3, pauseMs: 30, floorSamples: 20 },
  coldstart: { runs: 2 },
  dedicatedBackfill: false,
  backfillTimeoutMs: 3 * 60_000,
};

export interface Options {
  sizes: Sizes;
  browsers: BrowserName[];
  only: Set<MetricGroup>;
  out: string;
  /** CPU profile of the host during the backfill (Chromium), printed to stderr. */
  profile: boolean;
  /** Keep the temporary folder (profiles, data, builds) for inspection. */
  keep: boolean;
}

const USAGE = `usage: npm run bench -- [--quick] [--browsers chromium,firefox] [--only ${METRIC_GROUPS.join(',')}]
                        [--out FILE] [--profile] [--keep]`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      browsers: { type: 'string', default: 'chromium,firefox' },
      only: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const browsers = values.browsers.split(',').map((b) => b.trim()) as BrowserName[];
  for (const b of browsers) {
    if (!['chromium', 'firefox', 'webkit'].includes(b)) throw new Error(`unknown browser ${b}\n${USAGE}`);
  }
  const only = new Set((values.only?.split(',') ?? [...METRIC_GROUPS]).map((g) => g.trim()) as MetricGroup[]);
  for (const g of only) if (!METRIC_GROUPS.includes(g)) throw new Error(`unknown metric group ${g}\n${USAGE}`);
  const sizes = values.quick ? QUICK : FULL;
  return {
    sizes,
    browsers,
    only,
    out: values.out ?? (values.quick ? 'bench/RESULTS-quick.md' : 'bench/RESULTS.md'),
    profile: values.profile,
    keep: values.keep,
  };
}
