/**
 * The append-only event log: one SQLite file, one row per event, a gap-free `seq` per stream.
 *
 * It is the only writer of `<dataDir>/events.sqlite`. better-sqlite3 is synchronous, so every method runs to the end
 * before any other JavaScript does: an append and the reads that follow it can never interleave half-way, which is
 * what lets the tail (./tail.ts) promise "no gap, no duplicate" with nothing more than a per-stream cursor.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { parseEvent } from '../protocol/events';
import type { RoomyEvent } from '../protocol/events';
import type { AppendResponse, EventsPage, StreamsList } from '../protocol/api';

/** Told after every append that stored at least one new event (not for batches of only duplicates/rejections). */
export type AppendListener = (change: { stream: string; head: number }) => void;

/** A page of events as the stored JSON text, so that HTTP and SSE answers can be built without re-serialising. */
export interface RawEventsPage {
  events: string[];
  head: number;
  hasMore: boolean;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL UNIQUE,
    json TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (stream, seq)
  );
  CREATE TABLE IF NOT EXISTS streams (
    stream TEXT PRIMARY KEY,
    head INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

export class EventStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly listeners = new Set<AppendListener>();
  // Prepared once: preparing is much slower than running, and append/read are the hot paths.
  private readonly stmt: {
    head: Statement<[string], { head: number }>;
    setHead: Statement<[string, number]>;
    byId: Statement<[string], { stream: string; seq: number }>;
    insert: Statement<[string, number, string, string, number]>;
    page: Statement<[string, number, number], { json: string }>;
    streams: Statement<[], { stream: string; head: number }>;
  };
  private readonly appendTx: (
    stream: string,
    inputs: readonly unknown[],
  ) => AppendResponse & { head: number; added: number };

  constructor(path: string) {
    this.path = path;
    this.db = new Database(path);
    // WAL: readers never block the writer and a commit is one sequential write. synchronous=NORMAL is durable
    // against process crashes (a power cut can lose the last commits, never corrupt the file), and it is what makes
    // bulk loads fast.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.stmt = {
      head: this.db.prepare<[string], { head: number }>('SELECT head FROM streams WHERE stream = ?'),
      setHead: this.db.prepare<[string, number]>(
        'INSERT INTO streams (stream, head) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET head = excluded.head',
      ),
      byId: this.db.prepare<[string], { stream: string; seq: number }>('SELECT stream, seq FROM events WHERE id = ?'),
      insert: this.db.prepare<[string, number, string, string, number]>(
        'INSERT INTO events (stream, seq, id, json, received_at) VALUES (?, ?, ?, ?, ?)',
      ),
      page: this.db.prepare<[string, number, number], { json: string }>(
        'SELECT json FROM events WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      streams: this.db.prepare<[], { stream: string; head: number }>(
        'SELECT stream, head FROM streams ORDER BY stream',
      ),
    };
    this.appendTx = this.db.transaction((stream: string, inputs: readonly unknown[]) =>
      this.appendInTransaction(stream, inputs),
    );
  }

  /**
   * Validates and appends events to one stream in a single transaction. Each event is judged on its own: a rejected
   * one never keeps the others out. A known id answers the seq it already has (clients retry after timeouts);
   * the server decides `seq` and `receivedAt`, whatever the client sent.
   */
  append(stream: string, inputs: readonly unknown[]): AppendResponse {
    const { accepted, rejected, head, added } = this.appendTx(stream, inputs);
    // Notify after the commit, so a listener that reads the store sees the new rows.
    if (added > 0) for (const listener of this.listeners) listener({ stream, head });
    return { accepted, rejected };
  }

  private appendInTransaction(stream: string, inputs: readonly unknown[]) {
    const accepted: AppendResponse['accepted'] = [];
    const rejected: AppendResponse['rejected'] = [];
    const start = this.head(stream);
    let head = start;
    const receivedAt = Date.now();
    for (const input of inputs) {
      const parsed = parseEvent(input);
      if (!parsed.ok) {
        rejected.push({ id: idOf(input), error: parsed.error });
        continue;
      }
      const event = parsed.event;
      if (event.stream !== stream) {
        rejected.push({
          id: event.id,
          error: `event.stream ${event.stream} does not match the stream ${stream} it was sent to`,
        });
        continue;
      }
      const existing = this.stmt.byId.get(event.id);
      if (existing) {
        if (existing.stream === stream) accepted.push({ id: event.id, seq: existing.seq });
        else
          rejected.push({ id: event.id, error: `event id ${event.id} is already used in stream ${existing.stream}` });
        continue;
      }
      head += 1;
      // parseEvent's output is a fresh object, ours to complete; assigning beats an object spread by far in bulk loads.
      event.seq = head;
      event.receivedAt = receivedAt;
      this.stmt.insert.run(stream, head, event.id, JSON.stringify(event), receivedAt);
      accepted.push({ id: event.id, seq: head });
    }
    if (head !== start) this.stmt.setHead.run(stream, head);
    return { accepted, rejected, head, added: head - start };
  }

  /** The highest seq of a stream; 0 for a stream with no events (or none yet). */
  head(stream: string): number {
    return this.stmt.head.get(stream)?.head ?? 0;
  }

  /** Events with seq > after, in seq order, as stored JSON text. */
  readRaw(stream: string, after: number, limit: number): RawEventsPage {
    // One synchronous call: head and rows come from the same state of the database.
    const head = this.head(stream);
    const events = after < head ? this.stmt.page.all(stream, after, limit).map((row) => row.json) : [];
    return { events, head, hasMore: after + events.length < head };
  }

  /** Events with seq > after, in seq order. */
  read(stream: string, after: number, limit: number): EventsPage {
    const page = this.readRaw(stream, after, limit);
    return { ...page, events: page.events.map((json) => JSON.parse(json) as RoomyEvent) };
  }

  streams(): StreamsList {
    return { streams: this.stmt.streams.all() };
  }

  /** Calls `listener` after each append that stored new events; returns the function that unsubscribes it. */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Open subscriptions (one per live tail): lets tests and diagnostics see that disconnects clean up. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  close(): void {
    this.listeners.clear();
    if (this.db.open) this.db.close();
  }
}

/** Opens (creating if needed) the store in `<dataDir>/events.sqlite`. */
export function openEventStore(dataDir: string): EventStore {
  mkdirSync(dataDir, { recursive: true });
  return new EventStore(join(dataDir, 'events.sqlite'));
}

/** The id of an event that failed validation, when it has a usable one, so the client can match the rejection. */
function idOf(input: unknown): string | null {
  const id = typeof input === 'object' && input !== null ? (input as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length <= 64 ? id : null;
}
