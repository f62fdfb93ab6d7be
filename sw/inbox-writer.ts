/**
 * Puts events from the server into the IndexedDB inbox and moves the stream's cursor in the same transaction, so
 * the two can never disagree: after a crash, catch-up resumes exactly after the last event that is safely stored.
 *
 * A run (a page of a backfill or one SSE message) becomes one inbox entry holding its JSON text as the server sent
 * it: no re-serialisation, and one IndexedDB record instead of thousands. Runs that arrive while a write is under way
 * are written together in the next transaction.
 */
import type { RoomyEvent } from '../protocol/events';
import { SYNC_CHANNEL, type CursorEntry, type SyncDb, type SyncNotice } from '../protocol/sync-store';

export interface IncomingRun {
  stream: string;
  /** Events of `stream` in seq order, contiguous. Some may already be stored (a replay after a reconnect). */
  events: RoomyEvent[];
  head: number;
  /** The JSON text the events were parsed from: an object with this `events` array. Stored as it is. */
  json: string;
}

interface Queued {
  run: IncomingRun;
  /** Filled in once written: the events of the run that were new. */
  fresh: RoomyEvent[];
}

/** Thrown when a run does not continue its stream's cursor: the caller must re-read from the cursor. */
export class GapError extends Error {}

/** Time spent, for the backfill measurements (`status` message of the service worker). */
export interface WriterStats {
  entries: number;
  events: number;
  transactions: number;
  writeMs: number;
}

export class InboxWriter {
  readonly stats: WriterStats = { entries: 0, events: 0, transactions: 0, writeMs: 0 };
  private queue: Queued[] = [];
  private writing: Promise<void> | null = null;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);

  constructor(
    private readonly db: SyncDb,
    private readonly onWritten: (cursors: Map<string, CursorEntry>) => void = () => {},
  ) {}

  /**
   * Queues a run; resolves with the events of it that were new (the others were stored before) once it, and
   * everything queued before it, is durable in the inbox.
   */
  async write(run: IncomingRun): Promise<RoomyEvent[]> {
    const queued: Queued = { run, fresh: [] };
    this.queue.push(queued);
    this.writing ??= this.flush()
      .catch((error: unknown) => {
        this.queue = []; // what was queued after a gap is stale too: the caller re-reads from the cursor
        throw error;
      })
      .finally(() => {
        this.writing = null;
      });
    await this.writing;
    return queued.fresh;
  }

  private async flush() {
    while (this.queue.length) {
      const batch = this.queue;
      this.queue = [];
      const started = performance.now();
      const tx = this.db.transaction(['inbox', 'cursors', 'rooms'], 'readwrite');
      const inbox = tx.objectStore('inbox');
      const cursorStore = tx.objectStore('cursors');
      const rooms = tx.objectStore('rooms');
      const cursors = new Map<string, CursorEntry>();
      const fresh = new Map<Queued, RoomyEvent[]>();
      let added = 0;
      for (const queued of batch) {
        const { run } = queued;
        const { stream, events, head } = run;
        const cursor = cursors.get(stream) ?? (await cursorStore.get(stream)) ?? { stream, seq: 0, head: 0 };
        const news = freshEvents(events, cursor.seq);
        const gap = firstGap(news, cursor.seq);
        if (gap) {
          tx.done.catch(() => {}); // the abort rejects it; the GapError below is what the caller hears
          tx.abort();
          throw new GapError(`stream ${stream}: got seq ${gap.seq} after ${gap.after}`);
        }
        if (news.length) {
          const json = news.length === events.length ? run.json : JSON.stringify({ events: news });
          const last = news[news.length - 1]!.seq!;
          void inbox.add({ stream, first: news[0]!.seq!, last, json, receivedAt: Date.now() });
          // Room names for notifications; the event with the highest id wins, as in the host's materializer.
          for (const event of news) {
            if ((event.type !== 'room.create' && event.type !== 'room.update') || !event.payload.name) continue;
            const known = await rooms.get(event.room);
            if (known && known.nameEventId > event.id) continue;
            void rooms.put({ id: event.room, stream, name: event.payload.name, nameEventId: event.id });
          }
          cursor.seq = last;
          added += news.length;
          this.stats.entries++;
        }
        cursor.head = Math.max(cursor.head, head, cursor.seq);
        cursors.set(stream, cursor);
        fresh.set(queued, news);
      }
      for (const cursor of cursors.values()) void cursorStore.put(cursor);
      await tx.done;
      this.stats.transactions++;
      this.stats.events += added;
      this.stats.writeMs += performance.now() - started;
      for (const [queued, news] of fresh) queued.fresh = news;
      this.onWritten(cursors);
      if (added) this.channel.postMessage({ type: 'inbox' } satisfies SyncNotice);
    }
  }
}

/** The events after `cursor` (a replay after a reconnect resends some that are already stored). */
export function freshEvents(events: RoomyEvent[], cursor: number): RoomyEvent[] {
  if (!events.length || (events[0]!.seq ?? 0) > cursor) return events;
  return events.filter((e) => (e.seq ?? 0) > cursor);
}

/** The first event that does not continue the cursor by exactly one, if any. */
export function firstGap(events: RoomyEvent[], cursor: number): { seq: number; after: number } | null {
  let expected = cursor + 1;
  for (const event of events) {
    if (event.seq !== expected) return { seq: event.seq ?? 0, after: expected - 1 };
    expected++;
  }
  return null;
}
