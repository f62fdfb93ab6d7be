/**
 * The host's side of the outbox: local writes are kept in the IndexedDB outbox (which the service worker sends)
 * and mirrored in the SQLite table `local_writes`, so that live queries can show each write's delivery state next
 * to the message it concerns (src/sync/DeliveryState.tsx):
 *
 *   pending  in the outbox, not yet accepted by the server (being sent, or retried after a network failure)
 *   sent     accepted by the server (gone from the outbox), its copy not yet back through the inbox
 *   failed   refused by the server; stays until the user retries or discards it
 *   (gone)   confirmed: accepted and the server's copy has come back (the ledger has its seq)
 *
 * The IndexedDB outbox is the truth; `local_writes` follows it whenever the service worker announces a change
 * (`outbox-state`), after each drained batch (an echo may confirm a write), and at start.
 */
import type { NewEvent } from '../../protocol/events';
import { SYNC_CHANNEL, type OutboxEntry, type SyncDb, type SyncNotice } from '../../protocol/sync-store';
import type { Database } from '../sqlite/database';

export type LocalWriteState = 'pending' | 'sent' | 'failed';

/** What the message a write concerns is: itself for a create, the target of an edit, delete or reaction. */
export function messageOf(event: NewEvent): string | null {
  if (event.type === 'message.create') return event.id;
  const payload = event.payload as { messageId?: unknown };
  return typeof payload.messageId === 'string' ? payload.messageId : null;
}

export class LocalWrites {
  /** Rows in local_writes; -1 until counted. When 0, a drained batch skips the confirmation step. */
  private rows = -1;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);
  private reconciling: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly syncDb: SyncDb,
    private readonly db: Database,
  ) {
    this.channel.onmessage = (event: MessageEvent<SyncNotice>) => {
      if (event.data?.type === 'outbox-state') void this.reconcile().catch((e: unknown) => console.warn(e));
    };
  }

  /**
   * Keeps local writes in the outbox (first: once that is done they will be sent even if the host dies), then runs
   * `apply`, which applies them to the local database and must call `markPending` inside that same transaction.
   * The write's effect and its delivery state are then one commit: the live queries of the tab that wrote (its
   * timeline, the message's "sending" mark) are refreshed once, straight after it, instead of once per commit.
   * The service worker hears of the outbox only then, so that the server's echo of the write (an inbox drain)
   * does not queue for the database ahead of that refresh.
   */
  async enqueue<T>(events: readonly NewEvent[], apply: (markPending: () => Promise<void>) => Promise<T>): Promise<T> {
    if (!events.length) return apply(async () => {});
    const now = Date.now();
    const tx = this.syncDb.transaction('outbox', 'readwrite');
    for (const event of events) {
      const entry: OutboxEntry = {
        id: event.id,
        stream: event.stream,
        event,
        state: 'pending',
        attempts: 0,
        lastError: null,
        createdAt: now,
        nextAttemptAt: now,
      };
      void tx.store.put(entry);
    }
    await tx.done;
    let marked = false;
    try {
      const result = await apply(async () => {
        await recordLocalWrites(this.db, events, now);
        marked = true;
      });
      if (marked && this.rows >= 0) this.rows += events.length;
      return result;
    } finally {
      // Whatever happened locally, the outbox holds the events: they must be sent.
      this.channel.postMessage({ type: 'outbox' } satisfies SyncNotice);
    }
  }

  /** After a drained batch: the server's copies it brought may confirm writes. */
  async afterDrain(): Promise<void> {
    if (this.rows === 0) return;
    await this.reconcile();
  }

  /** Brings local_writes in line with the outbox; single-flight, with one more round if asked meanwhile. */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        const outbox = await this.syncDb.getAll('outbox');
        if (!outbox.length && this.rows === 0) continue; // the usual case: nothing written, nothing to follow
        const { discarded, rows } = await this.db.exclusive(() => followOutbox(this.db, outbox));
        this.rows = rows;
        if (discarded.length) {
          const tx = this.syncDb.transaction('outbox', 'readwrite');
          for (const id of discarded) void tx.store.delete(id);
          await tx.done;
        }
      } while (this.again);
    })().finally(() => {
      this.reconciling = null;
    });
    return this.reconciling;
  }

  close() {
    this.channel.close();
  }
}

/** Marks local writes pending (one statement for the lot). The caller holds a transaction. */
export async function recordLocalWrites(db: Database, events: readonly NewEvent[], now = Date.now()): Promise<void> {
  await db.run(
    `INSERT OR IGNORE INTO local_writes (id, stream, room, type, message, state, error, created_at)
     SELECT value->>0, value->>1, value->>2, value->>3, value->>4, 'pending', NULL, value->>5
     FROM json_each(?)`,
    [JSON.stringify(events.map((e) => [e.id, e.stream, e.room ?? null, e.type, messageOf(e), now]))],
  );
}

/**
 * Updates local_writes from the outbox entries, in one transaction, and undoes what the user discarded where that
 * can be undone (a message they wrote, a reaction they added; an edit or delete cannot be taken back locally
 * without the state before it). Returns the discarded entries, which the caller deletes from the outbox, and the
 * rows left.
 */
export async function followOutbox(
  db: Database,
  outbox: readonly OutboxEntry[],
): Promise<{ discarded: string[]; rows: number }> {
  const byId = new Map(outbox.map((entry) => [entry.id, entry]));
  const discarded = outbox.filter((e) => e.state === 'discarded').map((e) => e.id);
  return db.transaction(async () => {
    const rows = await db.all<{
      id: string;
      type: string;
      state: LocalWriteState;
      error: string | null;
      seq: number | null;
    }>(`SELECT l.id, l.type, l.state, l.error, e.seq FROM local_writes l LEFT JOIN events e ON e.id = l.id`);
    let left = rows.length;
    for (const row of rows) {
      const entry = byId.get(row.id);
      if (!entry) {
        // Accepted by the server: confirmed once its copy is back (the ledger then has its seq).
        if (row.seq !== null) {
          await db.run('DELETE FROM local_writes WHERE id = ?', [row.id]);
          left--;
        } else if (row.state !== 'sent') {
          await db.run(`UPDATE local_writes SET state = 'sent', error = NULL WHERE id = ?`, [row.id]);
        }
        continue;
      }
      if (entry.state === 'discarded') {
        await undo(db, row.id, row.type, entry.lastError);
        await db.run('DELETE FROM local_writes WHERE id = ?', [row.id]);
        left--;
        continue;
      }
      // A pending write shows its last network error too ("server answered 503"), a failed one the refusal.
      if (row.state !== entry.state || row.error !== entry.lastError) {
        await db.run('UPDATE local_writes SET state = ?, error = ? WHERE id = ?', [
          entry.state,
          entry.lastError,
          row.id,
        ]);
      }
    }
    return { discarded, rows: left };
  });
}

/** Takes back the local effect of a discarded write where that is possible, and records why in the ledger. */
async function undo(db: Database, id: string, type: string, error: string | null) {
  if (type === 'message.create') {
    await db.run('DELETE FROM reactions WHERE message = ?', [id]);
    await db.run('DELETE FROM messages WHERE id = ?', [id]);
  } else if (type === 'reaction.add') {
    await db.run('DELETE FROM reactions WHERE event_id = ?', [id]);
  }
  await db.run('DELETE FROM waiting_events WHERE id = ?', [id]);
  await db.run(`UPDATE events SET status = 'rejected' WHERE id = ?`, [id]);
  await db.run(
    `INSERT INTO rejected_events (event_id, stream, seq, type, reason, event, at)
     SELECT id, stream, seq, type, ?, '{}', ? FROM events WHERE id = ?`,
    [`discarded by the user after the server refused it: ${error ?? 'no reason given'}`, Date.now(), id],
  );
}
