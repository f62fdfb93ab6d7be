/**
 * The local database's schema, as an append-only list of migrations. `PRAGMA user_version` records how many have
 * run; each runs in its own transaction, so a database is always at one version or the next, never between.
 * Never edit a migration that has shipped: add a new one.
 *
 * Every table is a rowid table on purpose: update_hook (which drives change notices) does not report changes to
 * WITHOUT ROWID tables.
 */
import type { Database } from './sqlite/database';

export const MIGRATIONS: readonly string[] = [
  // 1: the event ledger and the chat domain.
  `
  -- Every event the host has seen, whatever became of it: the idempotency ledger.
  CREATE TABLE events (
    id TEXT PRIMARY KEY,
    stream TEXT NOT NULL,
    seq INTEGER,                      -- null for a local write until the server's copy arrives
    type TEXT NOT NULL,
    status TEXT NOT NULL              -- 'applied' | 'waiting' | 'rejected'
  );
  -- Events whose reference (message, room, space) has not arrived yet; applied when it does.
  CREATE TABLE waiting_events (
    id TEXT PRIMARY KEY,
    waits_for TEXT NOT NULL,
    event TEXT NOT NULL,              -- JSON
    since INTEGER NOT NULL
  );
  CREATE INDEX waiting_events_for ON waiting_events(waits_for);
  -- Events that could not be applied, with the reason; shown in the devtools.
  CREATE TABLE rejected_events (
    event_id TEXT,                    -- null when the event had no usable id
    stream TEXT,
    seq INTEGER,
    type TEXT,
    reason TEXT NOT NULL,
    event TEXT NOT NULL,              -- JSON, truncated
    at INTEGER NOT NULL
  );

  CREATE TABLE spaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    creator TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_id TEXT                   -- the event that last changed it: last writer wins by event id
  );
  CREATE TABLE members (
    space TEXT NOT NULL,
    user TEXT NOT NULL,
    joined_at INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    present INTEGER NOT NULL,         -- 0 once the user left; kept so a late join cannot undo a later leave
    PRIMARY KEY (space, user)
  );
  CREATE TABLE rooms (
    id TEXT PRIMARY KEY,
    space TEXT NOT NULL,
    kind TEXT NOT NULL,               -- 'category' | 'channel' | 'thread'
    name TEXT NOT NULL,
    parent TEXT,
    creator TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    updated_id TEXT
  );
  CREATE INDEX rooms_space ON rooms(space, parent);
  CREATE TABLE messages (
    id TEXT PRIMARY KEY,              -- a ULID: sorting by id sorts by creation time
    room TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    reply_to TEXT,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    edit_id TEXT                      -- the edit that won (highest event id)
  );
  CREATE INDEX messages_room ON messages(room, id);
  -- Deleted messages: late edits and reactions to them are no-ops instead of waiting forever.
  CREATE TABLE message_tombstones (
    id TEXT PRIMARY KEY,
    room TEXT NOT NULL,
    deleted_at INTEGER NOT NULL
  );
  CREATE TABLE reactions (
    message TEXT NOT NULL,
    user TEXT NOT NULL,
    emoji TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (message, user, emoji)
  );
  -- The latest removal of each reaction, so that an add older than it (arriving late) stays removed.
  CREATE TABLE reaction_removals (
    message TEXT NOT NULL,
    user TEXT NOT NULL,
    emoji TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (message, user, emoji)
  );
  CREATE TABLE profiles (
    user TEXT PRIMARY KEY,
    display_name TEXT,
    avatar_url TEXT,
    updated_id TEXT NOT NULL
  );
  CREATE TABLE read_marks (
    user TEXT NOT NULL,
    room TEXT NOT NULL,
    up_to TEXT NOT NULL,
    PRIMARY KEY (user, room)
  );
  `,
  // 2: delivery state of local writes, mirrored from the IndexedDB outbox (db-worker/sync/local-writes.ts).
  `
  CREATE TABLE local_writes (
    id TEXT PRIMARY KEY,              -- the event id
    stream TEXT NOT NULL,
    room TEXT,
    type TEXT NOT NULL,
    message TEXT,                     -- the message it creates, edits, deletes or reacts to
    state TEXT NOT NULL,              -- 'pending' | 'sent' | 'failed'; the row goes once the server's copy is back
    error TEXT,                       -- the last network error (pending) or the server's refusal (failed)
    created_at INTEGER NOT NULL
  );
  CREATE INDEX local_writes_message ON local_writes(message);
  `,
  // 3: where the database stands per stream (read at every host start and by the cursor check) and the health
  // report's counts, read through indexes: a scan of the whole ledger took about a second at 126k events, on a
  // thread that must answer heartbeats. (The first index is replaced by migration 4.)
  `
  CREATE INDEX events_stream_seq ON events(stream, seq);
  CREATE INDEX events_not_applied ON events(status) WHERE status <> 'applied';
  `,
  // 4: where the database stands per stream, kept by triggers instead of read from the (stream, seq) index of
  // migration 3: the index made the database 10% larger (55.2 against 49.9 MB at 126k events, over the 1.5x of the
  // server's JSON that memory.db-size allows) to answer a question with one row per stream. A local write (seq
  // still null) puts its stream in at 0, as the index did.
  `
  CREATE TABLE stream_positions (
    stream TEXT PRIMARY KEY,
    seq INTEGER NOT NULL              -- the highest seq of the stream's events in the ledger; 0 for local writes only
  );
  INSERT INTO stream_positions (stream, seq) SELECT stream, coalesce(max(seq), 0) FROM events GROUP BY stream;
  CREATE TRIGGER events_position_on_insert AFTER INSERT ON events BEGIN
    INSERT INTO stream_positions (stream, seq) VALUES (new.stream, coalesce(new.seq, 0))
    ON CONFLICT (stream) DO UPDATE SET seq = max(seq, excluded.seq);
  END;
  CREATE TRIGGER events_position_on_seq AFTER UPDATE OF seq ON events WHEN new.seq IS NOT NULL BEGIN
    INSERT INTO stream_positions (stream, seq) VALUES (new.stream, new.seq)
    ON CONFLICT (stream) DO UPDATE SET seq = max(seq, excluded.seq);
  END;
  DROP INDEX events_stream_seq;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to the newest schema. Returns the versions it went from and to. */
export async function migrate(db: Database): Promise<{ from: number; to: number }> {
  const row = await db.get<{ user_version: number }>('PRAGMA user_version');
  const from = Number(row?.user_version ?? 0);
  if (from > MIGRATIONS.length) {
    throw new Error(
      `the local database is at schema version ${from}, newer than this app (${MIGRATIONS.length}); reload to update`,
    );
  }
  for (let version = from; version < MIGRATIONS.length; version++) {
    await db.exec(`BEGIN; ${MIGRATIONS[version]}; PRAGMA user_version = ${version + 1}; COMMIT;`);
  }
  return { from, to: MIGRATIONS.length };
}
