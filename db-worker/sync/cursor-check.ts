/**
 * The service worker's cursors say which events it has handed over; a host whose database holds less, with no inbox
 * entry to fill the gap, would wait for those events for ever. That happens when a host opens another database
 * than the one that took them: a strategy switch or a fallback moves between OPFS and IndexedDB, or the site's OPFS
 * was cleared under the app. A host looks when it starts, before it applies anything: per stream, a hole is a cursor
 * ahead of what the database holds with no inbox entry starting right after it. (Once the inbox's entries are
 * applied the database ends where the cursor does, and a hole below them can no longer be seen.) The host then moves
 * those cursors back to what its database holds, in one transaction with the look at the inbox (the service worker
 * writes entries and cursors together, so it cannot slip between), and asks the service worker to catch up from
 * there. Events downloaded again that the host already has are no-ops (the ledger).
 */
import type { SyncDb } from '../../protocol/sync-store';
import type { Database } from '../sqlite/database';

/**
 * Per stream, the highest seq of the server's events this database holds (0 for a stream of local writes only):
 * one row per stream, kept by triggers on the ledger (schema.ts, migration 4), so reading it costs nothing however
 * long the ledger is.
 */
export async function heldPositions(db: Database): Promise<Map<string, number>> {
  const rows = await db.exclusive(() =>
    db.all<{ stream: string; seq: number }>('SELECT stream, seq FROM stream_positions'),
  );
  return new Map(rows.map((row) => [row.stream, row.seq]));
}

/**
 * Moves back the cursors that are ahead of `held` (per stream, the highest seq this database holds); returns those
 * it moved, with where they are now.
 */
export async function rewindCursorsAhead(
  syncDb: SyncDb,
  held: ReadonlyMap<string, number>,
): Promise<{ stream: string; seq: number }[]> {
  // No await of anything but this transaction's requests until it ends, or it would commit early.
  const tx = syncDb.transaction(['inbox', 'cursors'], 'readwrite');
  const firstInInbox = new Map<string, number>();
  for (let entry = await tx.objectStore('inbox').openCursor(); entry; entry = await entry.continue()) {
    const { stream, first } = entry.value;
    firstInInbox.set(stream, Math.min(firstInInbox.get(stream) ?? Infinity, first));
  }
  const rewound: { stream: string; seq: number }[] = [];
  for (const cursor of await tx.objectStore('cursors').getAll()) {
    const have = held.get(cursor.stream) ?? 0;
    if (cursor.seq <= have || (firstInInbox.get(cursor.stream) ?? Infinity) <= have + 1) continue;
    void tx.objectStore('cursors').put({ ...cursor, seq: have });
    rewound.push({ stream: cursor.stream, seq: have });
  }
  await tx.done;
  return rewound;
}
