/**
 * What the user can do about a write the server refused: try it again, or give it up. Both change the outbox entry
 * in IndexedDB (the outbox is the truth) and wake the service worker; its report (`outbox-state`) makes the
 * database host update the delivery state (and, for a discard, undo the write locally where it can).
 */
import { openSyncDb, type OutboxEntry, type SyncDb } from '../../protocol/sync-store';
import { postToServiceWorker } from './service-worker';

let syncDb: Promise<SyncDb> | undefined;
// A connection that went away (storage cleared) is replaced at the next use.
const getSyncDb = () => (syncDb ??= openSyncDb({ onGone: () => (syncDb = undefined) }));

async function change(ids: readonly string[], edit: (entry: OutboxEntry) => OutboxEntry) {
  const db = await getSyncDb();
  const tx = db.transaction('outbox', 'readwrite');
  for (const id of ids) {
    const entry = await tx.store.get(id);
    if (entry) void tx.store.put(edit(entry));
  }
  await tx.done;
  postToServiceWorker({ type: 'outbox', force: true });
}

/** Sends the writes again now (attempts keep counting: the devtools show how often a write was tried). */
export function retryWrites(ids: readonly string[]) {
  return change(ids, (entry) => ({ ...entry, state: 'pending', nextAttemptAt: 0 }));
}

/** Gives the writes up: they are never sent, and what they did locally is undone where possible. */
export function discardWrites(ids: readonly string[]) {
  return change(ids, (entry) => ({ ...entry, state: 'discarded' }));
}
