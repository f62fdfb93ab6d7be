/**
 * Moves events from the IndexedDB inbox (filled by the service worker) into SQLite. Entries are deleted only after
 * the transaction that applied them has committed; if the host dies in between, they are applied again at the
 * next start, which the materializer's ledger turns into no-ops. So nothing is lost and nothing counts twice.
 *
 * Speed: one SQLite transaction takes whole inbox entries up to DRAIN_EVENTS events (a commit costs the same
 * for 100 events as for 10,000), and the next batch is read from IndexedDB and parsed while SQLite applies the
 * current one. The service worker keeps writing pages into the inbox at the same time, from its own thread.
 */
import { SYNC_CHANNEL, type InboxEntry, type SyncDb, type SyncNotice } from '../../protocol/sync-store';
import type { BatchResult, Materializer } from '../materializer/materializer';
import type { Database } from '../sqlite/database';
import { heldPositions, rewindCursorsAhead } from './cursor-check';
import { LocalWrites } from './local-writes';

/** Events per SQLite transaction (whole entries are taken, so a batch can be one page larger). */
export const DRAIN_EVENTS = 10_000;
/** Inbox entries looked at per read: live entries are small (one SSE message), backfill entries a page. */
const ENTRIES_PER_READ = 256;

export interface DrainStats {
  drained: number;
  lastDrainAt: number | null;
  lastResult: BatchResult | null;
  batches: number;
  /** Reading the inbox and parsing entries (overlaps applying). */
  readMs: number;
  /** Applying in SQLite, commit included. */
  applyMs: number;
  deleteMs: number;
}

interface ReadBatch {
  keys: number[];
  events: unknown[];
  /** Highest seq per stream in the batch, for progress. */
  reached: Map<string, number>;
}

export interface DrainHooks {
  onBatch?: (result: BatchResult) => void;
  /** Around each batch's last steps (ledger rows and COMMIT): true before, false after (HostEvents['busy']). */
  onBusy?: (busy: boolean) => void;
  /** A drain failed (the disk full, a storage error): its entries stay in the inbox, and it is tried again later. */
  onFailure?: (error: unknown) => void;
}

/** After a failed drain, the wait before the next try: doubled each time it fails again, back to `first` once one works. */
const RETRY_MS = { first: 1_000, max: 30_000 };

export class InboxDrain {
  readonly stats: DrainStats = {
    drained: 0,
    lastDrainAt: null,
    lastResult: null,
    batches: 0,
    readMs: 0,
    applyMs: 0,
    deleteMs: 0,
  };
  readonly localWrites: LocalWrites;
  private running: Promise<number> | null = null;
  private again = false;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);
  private prologueDone = false;
  /** Streams whose position this host has announced (see announce). */
  private readonly announced = new Set<string>();
  private closed = false;
  private retry: { timer: ReturnType<typeof setTimeout> | null; delayMs: number } = {
    timer: null,
    delayMs: RETRY_MS.first,
  };

  constructor(
    private readonly syncDb: SyncDb,
    private readonly db: Database,
    private readonly materializer: Materializer,
    private readonly hooks: DrainHooks = {},
  ) {
    this.localWrites = new LocalWrites(syncDb, db);
  }

  /**
   * Drains until the inbox is empty. Calls during a drain make it look once more at the end. A drain that fails is
   * tried again later by itself: no notice may come to wake it (the last event that arrived may be the one waiting).
   */
  drain(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.again = false;
    if (this.retry.timer) clearTimeout(this.retry.timer);
    this.retry.timer = null;
    const running = this.loop();
    running.then(
      () => (this.retry.delayMs = RETRY_MS.first),
      (error: unknown) => {
        this.hooks.onFailure?.(error);
        if (this.closed) return;
        this.retry.timer = setTimeout(() => void this.drain().catch(() => {}), this.retry.delayMs);
        this.retry.delayMs = Math.min(this.retry.delayMs * 2, RETRY_MS.max);
      },
    );
    this.running = running.finally(() => {
      this.running = null;
      // A call that came too late for the loop to see it (after its last look, or while it failed): the notice
      // behind it must not be lost, or the entry it announced would wait for the next one, maybe for ever.
      if (this.again && !this.closed) void this.drain().catch(() => {});
    });
    return this.running;
  }

  private async loop(): Promise<number> {
    let total = 0;
    if (!this.prologueDone) {
      await this.prologue();
      this.prologueDone = true;
    }
    do {
      this.again = false;
      let next: Promise<ReadBatch> | null = this.read(null);
      while (next) {
        const batch = await next;
        next = null;
        if (!batch.keys.length) break;
        const lastKey = batch.keys[batch.keys.length - 1]!;
        // Read the next batch while this one is applied.
        next = this.read(lastKey);
        next.catch(() => {}); // awaited below unless applying fails
        this.announceNewStreams(batch.reached);
        const applyStarted = performance.now();
        // Busy only for the batch's last steps: while its events are applied the event loop still turns (pings are
        // answered), and a host that dies then must be noticed at the heartbeat's pace, not after the busy grace.
        const result = await this.db
          .exclusive(() =>
            this.materializer.applyBatch(batch.events, { beforeCommit: () => this.hooks.onBusy?.(true) }),
          )
          .finally(() => this.hooks.onBusy?.(false));
        const deleteStarted = performance.now();
        this.stats.applyMs += deleteStarted - applyStarted;
        const del = this.syncDb.transaction('inbox', 'readwrite');
        void del.store.delete(IDBKeyRange.bound(batch.keys[0]!, lastKey));
        await del.done;
        this.stats.deleteMs += performance.now() - deleteStarted;
        total += batch.events.length;
        this.stats.drained += batch.events.length;
        this.stats.batches++;
        this.stats.lastDrainAt = Date.now();
        this.stats.lastResult = result;
        this.hooks.onBatch?.(result);
        this.announce(batch.reached);
        await this.localWrites.afterDrain();
      }
    } while (this.again);
    return total;
  }

  /** Whole entries after `afterKey`, up to DRAIN_EVENTS events (at least one entry), parsed. */
  private async read(afterKey: number | null): Promise<ReadBatch> {
    const started = performance.now();
    const range = afterKey === null ? null : IDBKeyRange.lowerBound(afterKey, true);
    const tx = this.syncDb.transaction('inbox', 'readonly');
    const [keys, entries] = await Promise.all([
      tx.store.getAllKeys(range, ENTRIES_PER_READ),
      tx.store.getAll(range, ENTRIES_PER_READ),
    ]);
    const batch: ReadBatch = { keys: [], events: [], reached: new Map() };
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (batch.keys.length && batch.events.length + (entry.last - entry.first + 1) > DRAIN_EVENTS) break;
      batch.keys.push(keys[i]!);
      for (const event of parseEntry(entry)) batch.events.push(event);
      batch.reached.set(entry.stream, Math.max(batch.reached.get(entry.stream) ?? 0, entry.last));
    }
    this.stats.readMs += performance.now() - started;
    return batch;
  }

  /** Per stream the service worker follows or this database holds, the highest seq this database holds (or 0). */
  private async startingPositions(): Promise<Map<string, number>> {
    const positions = await heldPositions(this.db);
    for (const stream of await this.syncDb.getAllKeys('cursors')) {
      if (!positions.has(stream)) positions.set(stream, 0);
    }
    return positions;
  }

  /**
   * The first steps of a host's first drain (done again at the next drain until they all go through): the outbox
   * followed, where this database stands announced, and the cursors checked against it.
   */
  private async prologue() {
    // The service worker may have sent or failed writes while no host listened.
    await this.localWrites.reconcile();
    // Where this database stands, before the first batch: until a host reports, tabs count what the inbox holds
    // as applied, and would say "live" while a long backfill still waits in the inbox.
    const held = await this.startingPositions();
    this.announce(held);
    for (const stream of held.keys()) this.announced.add(stream);
    // Before the first batch, not after the inbox is drained: what this database lacks below the inbox's first
    // entry is a hole only until that entry is applied; after it, the database ends where the cursor does, and a
    // new database that took over during an ingest would lack the beginning for good (see cursor-check.ts).
    const streams = await rewindCursorsAhead(this.syncDb, held);
    if (streams.length) {
      console.warn('[roomy host] this database lacks events the service worker handed over; syncing them again');
      this.channel.postMessage({ type: 'rewound', streams } satisfies SyncNotice);
    }
  }

  /**
   * A stream the start did not know of (the service worker had not begun it yet) is announced at 0 before its first
   * batch: until the host speaks of a stream, tabs count what the inbox holds of it as applied, and would say "live".
   */
  private announceNewStreams(reached: Map<string, number>) {
    const unannounced = [...reached.keys()].filter((stream) => !this.announced.has(stream));
    if (!unannounced.length) return;
    this.announce(new Map(unannounced.map((stream) => [stream, 0])));
    for (const stream of unannounced) this.announced.add(stream);
  }

  private announce(reached: Map<string, number>) {
    const streams = [...reached].map(([stream, seq]) => ({ stream, seq }));
    const { drained: events, batches, readMs, applyMs, deleteMs } = this.stats;
    const drain = { events, batches, readMs, applyMs, deleteMs };
    this.channel.postMessage({ type: 'applied', streams, drain } satisfies SyncNotice);
  }

  close() {
    this.closed = true;
    if (this.retry.timer) clearTimeout(this.retry.timer);
    this.channel.close();
    this.localWrites.close();
  }
}

/** The events of an entry; a malformed one yields nothing (the materializer would reject its events anyway). */
function parseEntry(entry: InboxEntry): unknown[] {
  try {
    const events = (JSON.parse(entry.json) as { events?: unknown }).events;
    return Array.isArray(events) ? events : [];
  } catch {
    console.warn('[roomy host] an inbox entry is not valid JSON; its events are skipped', entry.stream, entry.first);
    return [];
  }
}
