/**
 * The reactive-query engine's own measurements (db-worker/queries/benchmarks.ts), run in a browser worker on the
 * VFS (and so the wa-sqlite build) the app's host uses, each on a freshly migrated database.
 */
import { defaultVfs } from '../../db-worker/config';
import { measureFanout, measureLatestN } from '../../db-worker/queries/benchmarks';
import { migrate } from '../../db-worker/schema';
import { openBrowserDatabase } from '../../db-worker/sqlite/open-browser';

export interface EngineOptions {
  /** Where this runs (see bench/browser/main.ts). */
  context: 'shared' | 'dedicated' | 'main';
  /** Whose VFS to use: the app's default for the host in this strategy (db-worker/config.ts). */
  hostStrategy: 'shared' | 'dedicated' | 'main';
  fanout: { counts: number[]; commitsPerStep: number } | null;
  latest: { sizes: number[]; limits: number[]; commits: number } | null;
}

async function freshDatabase(strategy: EngineOptions['hostStrategy']) {
  const vfs = defaultVfs(strategy);
  const db = await openBrowserDatabase(
    vfs,
    `bench-engine-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  );
  await db.exclusive(() => migrate(db));
  return { db, vfs };
}

export async function runEngine(options: EngineOptions, onProgress: (message: string) => void) {
  let vfs = defaultVfs(options.hostStrategy);
  let fanout: Awaited<ReturnType<typeof measureFanout>> | null = null;
  let latest: Awaited<ReturnType<typeof measureLatestN>> | null = null;
  if (options.fanout) {
    const fresh = await freshDatabase(options.hostStrategy);
    vfs = fresh.vfs;
    try {
      fanout = await measureFanout(fresh.db, { ...options.fanout, onProgress });
    } finally {
      await fresh.db.close();
    }
  }
  if (options.latest) {
    const fresh = await freshDatabase(options.hostStrategy);
    try {
      latest = await measureLatestN(fresh.db, { ...options.latest, onProgress });
    } finally {
      await fresh.db.close();
    }
  }
  return { vfs, fanout, latest };
}
