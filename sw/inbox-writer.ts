/**
 * Puts events from the server into the IndexedDB inbox and moves the stream's cursor in the same transaction, so
 * the two can never disagree: after a crash, catch-up resumes exactly after the last event that is safely stored.
 * Batches that arrive while a write is under way are merged into the next write (one transaction for many SSE
 * messages during a long backfill).
 */
import type { RoomyEvent } from '../protocol/events';
import { SYNC_CHANNEL, type SyncDb, type SyncNotice } from '../protocol/sync-store';

export interface IncomingBatch {
  stream: string;
  events: RoomyEvent[];
  head: number;
}

/** Thrown when a batch does not continue its stream's cursor: the caller must re-read from the cursor. */
export class GapError extends Error {}

export class InboxWriter {
  private queue: IncomingBatch[] = [];
  private writing: Promise<void> | null = null;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);

  constructor(
    private readonly db: SyncDb,
    private readonly onWritten: (cursors: Map<string, { seq: number; head: number }>) => void = () => {},
  ) {}

  /** Queues a batch; resolves when it (and everything queued before it) is durable in the inbox. */
  write(batch: IncomingBatch): Promise<void> {
    this.queue.push(batch);
    this.writing ??= this.flush()
      .catch((error: unknown) => {
        this.queue = []; // what was queued after a gap is stale too: the tail re-reads from the cursor
        throw error;
      })
      .finally(() => {
        this.writing = null;
      });
    return this.writing;
  }

  private async flush() {
    while (this.queue.length) {
      const batches = this.queue;
      this.queue = [];
      const tx = this.db.transaction(['inbox', 'cursors'], 'readwrite');
      const inbox = tx.objectStore('inbox');
      const cursorStore = tx.objectStore('cursors');
      const cursors = new Map<string, { seq: number; head: number }>();
      let added = 0;
      for (const { stream, events, head } of batches) {
        let cursor = cursors.get(stream) ?? (await cursorStore.get(stream)) ?? { seq: 0, head: 0 };
        for (const event of events) {
          const seq = event.seq ?? 0;
          if (seq <= cursor.seq) continue; // already stored: a replay after reconnect
          if (seq !== cursor.seq + 1) {
            tx.abort();
            throw new GapError(`stream ${stream}: got seq ${seq} after ${cursor.seq}`);
          }
          void inbox.add({ event, stream, seq, receivedAt: Date.now() });
          cursor = { seq, head: Math.max(head, seq) };
          added++;
        }
        cursor = { seq: cursor.seq, head: Math.max(cursor.head, head) };
        cursors.set(stream, cursor);
        void cursorStore.put({ stream, ...cursor });
      }
      await tx.done;
      this.onWritten(cursors);
      if (added) this.channel.postMessage({ type: 'inbox' } satisfies SyncNotice);
    }
  }
}
