/**
 * The IndexedDB database that the service worker and the database host share: the hand-over point between them.
 *
 * - `inbox`: events received from the server, kept until the host has committed them (the host deletes them right
 *   after its commit). One entry holds a contiguous run of one stream's events (a page of a backfill, or a few
 *   live batches), as JSON text: IndexedDB clones one string far faster than thousands of objects, and the host
 *   parses it with the native JSON parser. Nothing received is lost if the host, the tab or the service worker dies:
 *   whatever is here is applied at the next start, and applying twice is harmless (idempotent).
 * - `cursors`: per stream, the highest seq that is safely in the inbox (or beyond): where catch-up resumes. It moves
 *   in the same IndexedDB transaction as the inbox entry that holds the events, so the two never disagree.
 * - `outbox`: local writes not yet accepted by the server; the service worker sends them, with retry.
 * - `rooms`: room id → name and stream, kept by the service worker from the events it stores, so that a push
 *   notification can say "3 new messages in #general" while no tab (and so no SQLite) is running.
 *
 * And a BroadcastChannel, because neither side can call the other: the SW announces "the inbox has events", the
 * host announces "the outbox has writes" (tabs forward that to the SW, since a BroadcastChannel cannot wake it).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const SYNC_DB_NAME = 'roomy-sync';
/** 2: inbox entries hold runs of events as JSON text (1 held one event per entry); the rooms store. */
export const SYNC_DB_VERSION = 2;
export const SYNC_CHANNEL = 'roomy-sync';

export interface InboxEntry {
  stream: string;
  /** seq of the first and last event of the run; the run is contiguous (first..last). */
  first: number;
  last: number;
  /** JSON text of an object whose `events` array holds the run, in seq order, as the server sent it. */
  json: string;
  receivedAt: number;
}

export interface CursorEntry {
  stream: string;
  /** Every event with seq ≤ this is in the inbox or already committed. */
  seq: number;
  /** The server's head when last heard of, for progress. */
  head: number;
}

/**
 * - `pending`: waiting to be sent (or being retried after a network failure);
 * - `failed`: the server refused it; kept, with the reason, until the user retries or discards it;
 * - `discarded`: the user gave up on it; the host undoes its local effect where it can, then deletes the entry.
 */
export type OutboxState = 'pending' | 'failed' | 'discarded';

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

export interface RoomEntry {
  id: string;
  stream: string;
  name: string;
  /** The event that set the name: the latest id wins, whatever the arrival order. */
  nameEventId: string;
}

export interface SyncSchema extends DBSchema {
  inbox: { key: number; value: InboxEntry };
  cursors: { key: string; value: CursorEntry };
  outbox: { key: string; value: OutboxEntry; indexes: { byCreated: number } };
  rooms: { key: string; value: RoomEntry };
}

export type SyncDb = IDBPDatabase<SyncSchema>;

export interface OpenSyncDbOptions {
  /**
   * The connection is gone and will not come back: another context deletes or upgrades the database (it is closed
   * here so as not to block that), or the browser closed it (site data cleared). The caller opens a new one, which
   * is empty after a deletion: that is how the app recovers from its storage being cleared under it (re-sync).
   */
  onGone?: (why: string) => void;
}

/** How long an open may take before it is tried again (see openSyncDb). */
const OPEN_ATTEMPT_MS = 3_000;
/** Failures of an open that the same open, made again a moment later, gets past. */
const PASSING_FAILURES = new Set(['AbortError', 'UnknownError', 'InvalidStateError']);

/**
 * Opens the sync database. While Chromium clears the site's data (DevTools' "Clear site data",
 * `Storage.clearDataForOrigin`), an open fails with "AbortError: The connection was closed", or can stay
 * unanswered: the service worker restarting its sync client on the `close` that the clearing sends would then have
 * no sync client for good. Such an open is made again, after a pause, and a late answer to one given up on closed.
 */
export async function openSyncDb(options: OpenSyncDbOptions = {}): Promise<SyncDb> {
  for (let attempt = 1; ; attempt++) {
    const opening = openOnce(options);
    const pause = OPEN_ATTEMPT_MS * Math.min(attempt, 5);
    const answer = await Promise.race([
      opening,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), pause)),
    ]).catch((error: unknown) => {
      if (!(error instanceof DOMException && PASSING_FAILURES.has(error.name))) throw error;
      return error;
    });
    if (answer && !(answer instanceof DOMException)) return answer;
    console.warn(`[roomy] opening ${SYNC_DB_NAME} failed (${answer?.message ?? 'no answer'}); trying again`);
    void opening.then((late) => late.close()).catch(() => {});
    if (answer) await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, pause)));
  }
}

function openOnce(options: OpenSyncDbOptions): Promise<SyncDb> {
  return openDB<SyncSchema>(SYNC_DB_NAME, SYNC_DB_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore('cursors', { keyPath: 'stream' });
        db.createObjectStore('outbox', { keyPath: 'id' }).createIndex('byCreated', 'createdAt');
      }
      if (oldVersion < 2) {
        // Version 1 kept one event per inbox entry. Rather than convert entries, forget them and move the cursors
        // back to what is committed... which this side cannot know: so restart catch-up from scratch. The host's
        // ledger makes the second delivery of already-applied events a no-op, so nothing is lost or doubled.
        if (db.objectStoreNames.contains('inbox')) db.deleteObjectStore('inbox');
        db.createObjectStore('inbox', { autoIncrement: true });
        if (oldVersion >= 1) void tx.objectStore('cursors').clear();
        db.createObjectStore('rooms', { keyPath: 'id' });
      }
    },
    // Another context wants a newer version (an app update): close, so that it is not blocked.
    blocking(_current, blocked, event) {
      (event.target as IDBDatabase).close();
      options.onGone?.(blocked === null ? 'the database was deleted' : 'a newer version of the database was opened');
    },
    terminated() {
      options.onGone?.('the browser closed the database (site data cleared?)');
    },
  });
}

/** Per stream, how far something has got: the SW's cursor (downloaded) or the host's last committed seq. */
export interface StreamPosition {
  stream: string;
  seq: number;
  head: number;
}

/** The host's inbox drain so far: where its time went (for measurements). */
export interface DrainTimings {
  events: number;
  batches: number;
  /** Reading entries from IndexedDB and parsing them (overlaps applying). */
  readMs: number;
  /** Applying in SQLite, commit included. */
  applyMs: number;
  /** Deleting the applied entries from the inbox. */
  deleteMs: number;
}

/** What goes over SYNC_CHANNEL. */
export type SyncNotice =
  | { type: 'inbox' }
  | { type: 'outbox' }
  /** The SW's view of catch-up: per stream, what is safely in the inbox, and the server's head. */
  | { type: 'progress'; streams: StreamPosition[]; live: boolean }
  /** The host's: per stream, the highest seq committed to SQLite by the last drained batch. */
  | { type: 'applied'; streams: { stream: string; seq: number }[]; drain: DrainTimings }
  /**
   * The host's database lacks events that the cursors of these streams say were handed over (another database
   * than the one that took them): it moved their cursors back to what it holds (`seq`), and the service worker
   * catches up from there.
   */
  | { type: 'rewound'; streams: { stream: string; seq: number }[] }
  | { type: 'outbox-state'; pending: number; failed: number; lastError: string | null }
  /** The host could not save to the device's storage (quota exhausted, a write refused); for the user. */
  | { type: 'storage-error'; message: string }
  /** A new service worker version is taking over: the old one ends its keepalives and its tail. */
  | { type: 'sw-retire' };

/** Messages a tab posts to its service worker (postMessage wakes it; a BroadcastChannel would not). */
export type ToServiceWorker =
  | { type: 'hello' }
  | { type: 'keepalive' }
  /** Send the outbox now; `force` ignores the retry backoff (the user pressed Retry, or the network is back). */
  | { type: 'outbox'; force?: boolean }
  | { type: 'status' }
  | { type: 'SKIP_WAITING' };
