/**
 * Moves events from the IndexedDB inbox (filled by the service worker) into SQLite. Entries are deleted only after
 * the transaction that applied them has committed; if the host dies in between, they are applied again at the
 * next start, which the materializer's ledger turns into no-ops. So nothing is lost and nothing counts twice.
 */
import type { SyncDb } from '../../protocol/sync-store';
import type { BatchResult, Materializer } from '../materializer/materializer';
import type { Database } from '../sqlite/database';

/** Events per transaction: big enough to amortise the commit, small enough to keep tabs responsive. */
export const DRAIN_BATCH = 1_000;

export interface DrainStats {
  drained: number;
  lastDrainAt: number | null;
  lastResult: BatchResult | null;
}

export class InboxDrain {
  readonly stats: DrainStats = { drained: 0, lastDrainAt: null, lastResult: null };
  private running: Promise<number> | null = null;
  private again = false;

  constructor(
    private readonly syncDb: SyncDb,
    private readonly db: Database,
    private readonly materializer: Materializer,
    private readonly onBatch: (result: BatchResult) => void = () => {},
  ) {}

  /** Drains until the inbox is empty. Calls during a drain make it look once more at the end. */
  drain(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(): Promise<number> {
    let total = 0;
    do {
      this.again = false;
      for (;;) {
        const tx = this.syncDb.transaction('inbox', 'readonly');
        const [keys, entries] = await Promise.all([
          tx.store.getAllKeys(null, DRAIN_BATCH),
          tx.store.getAll(null, DRAIN_BATCH),
        ]);
        if (!keys.length) break;
        const result = await this.db.exclusive(() => this.materializer.applyBatch(entries.map((e) => e.event)));
        const del = this.syncDb.transaction('inbox', 'readwrite');
        await del.store.delete(IDBKeyRange.bound(keys[0]!, keys[keys.length - 1]!));
        await del.done;
        total += keys.length;
        this.stats.drained += keys.length;
        this.stats.lastDrainAt = Date.now();
        this.stats.lastResult = result;
        this.onBatch(result);
      }
    } while (this.again);
    return total;
  }
}
