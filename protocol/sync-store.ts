/**
 * The IndexedDB database that the service worker and the database host share: the hand-over point between them.
 *
 * - `inbox`: events received from the server, in arrival order, kept until the host has committed them (the host
 *   deletes them in the same breath as it commits). Nothing received is lost if the host, the tab or the service
 *   worker dies: whatever is here is applied at the next start, and applying twice is harmless (idempotent).
 * - `cursors`: per stream, the highest seq that is safely in the inbox (or beyond): where catch-up resumes.
 * - `outbox`: local writes not yet confirmed by the server; the service worker sends them, with retry.
 *
 * And a BroadcastChannel, because neither side can call the other: the SW announces "the inbox has events", the
 * host announces "the outbox has writes" (tabs forward that to the SW, since a BroadcastChannel cannot wake it).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const SYNC_DB_NAME = 'roomy-sync';
export const SYNC_DB_VERSION = 1;
export const SYNC_CHANNEL = 'roomy-sync';

export interface InboxEntry {
  /** The event as the server sent it; validated by the host, not here. */
  event: unknown;
  stream: string;
  seq: number | null;
  receivedAt: number;
}

export interface CursorEntry {
  stream: string;
  /** Every event with seq ≤ this is in the inbox or already committed. */
  seq: number;
  /** The server's head when last heard of, for progress. */
  head: number;
}

export type OutboxState = 'pending' | 'failed';

export interface OutboxEntry {
  id: string;
  stream: string;
  event: unknown;
  state: OutboxState;
  attempts: number;
  lastError: string | null;
  createdAt: number;
  nextAttemptAt: number;
}

export interface SyncSchema extends DBSchema {
  inbox: { key: number; value: InboxEntry };
  cursors: { key: string; value: CursorEntry };
  outbox: { key: string; value: OutboxEntry; indexes: { byCreated: number } };
}

export type SyncDb = IDBPDatabase<SyncSchema>;

export function openSyncDb(): Promise<SyncDb> {
  return openDB<SyncSchema>(SYNC_DB_NAME, SYNC_DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('inbox', { autoIncrement: true });
        db.createObjectStore('cursors', { keyPath: 'stream' });
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
      }
    },
    // Another context wants a newer version (an app update): close, so that it is not blocked.
    blocking(_current, _blocked, event) {
      (event.target as IDBDatabase).close();
    },
  });
}

/** What goes over SYNC_CHANNEL. */
export type SyncNotice =
  | { type: 'inbox' }
  | { type: 'outbox' }
  /** The SW's view of catch-up, for progress bars: per stream, cursor and head. */
  | { type: 'progress'; streams: { stream: string; seq: number; head: number }[]; live: boolean }
  | { type: 'outbox-state'; pending: number; failed: number; lastError: string | null };

/** Messages a tab posts to its service worker (postMessage wakes it; a BroadcastChannel would not). */
export type ToServiceWorker = { type: 'hello' } | { type: 'keepalive' } | { type: 'outbox' } | { type: 'status' };
