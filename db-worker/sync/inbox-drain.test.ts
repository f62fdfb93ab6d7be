/**
 * The inbox drain over a real wa-sqlite database (MemoryVFS) and an IndexedDB inbox (fake-indexeddb): where a new
 * database stands when the inbox does not start where it ends, and that no wake-up is lost, even after a failure.
 */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type { RoomyEvent } from '../../protocol/events';
import { openSyncDb, SYNC_CHANNEL, type SyncDb, type SyncNotice } from '../../protocol/sync-store';
import { Materializer } from '../materializer/materializer';
import { migrate } from '../schema';
import type { Database } from '../sqlite/database';
import { eventFactory } from '../testing/event-factory';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { InboxDrain, type DrainHooks } from './inbox-drain';

let db: Database;
let syncDb: SyncDb;
let drain: InboxDrain | null = null;
let f: ReturnType<typeof eventFactory>;
let events: RoomyEvent[];

beforeEach(async () => {
  globalThis.indexedDB = new IDBFactory(); // a fresh origin for each test
  db = await openMemoryDatabase();
  await db.exclusive(() => migrate(db));
  syncDb = await openSyncDb();
  f = eventFactory();
  const channel = f.id();
  events = [
    f.make('space.create', { name: 'Space' }),
    f.make('room.create', { kind: 'channel', name: 'general' }, { room: channel }),
    ...Array.from({ length: 8 }, (_, i) => f.make('message.create', { body: `#${i + 3}` }, { room: channel })),
  ];
});

afterEach(async () => {
  await drain?.drain().catch(() => {}); // let a drain under way finish before its channels close
  drain?.close();
  syncDb.close();
});

function start(materializer = new Materializer(db), hooks: DrainHooks = {}) {
  drain = new InboxDrain(syncDb, db, materializer, hooks);
  return drain;
}

/** What the service worker does with a run: one inbox entry, and the cursor moved to its end, in one transaction. */
async function handOver(run: RoomyEvent[]) {
  const tx = syncDb.transaction(['inbox', 'cursors'], 'readwrite');
  const [first, last] = [run[0]!.seq!, run.at(-1)!.seq!];
  void tx.objectStore('inbox').add({
    stream: f.stream,
    first,
    last,
    json: JSON.stringify({ events: run }),
    receivedAt: Date.now(),
  });
  void tx.objectStore('cursors').put({ stream: f.stream, seq: last, head: last });
  await tx.done;
}

const ledgerSeqs = () =>
  db.exclusive(() => db.all<{ seq: number }>('SELECT seq FROM events ORDER BY seq')).then((r) => r.map((x) => x.seq));
const cursor = async () => (await syncDb.get('cursors', f.stream))?.seq;

test('a new database whose inbox starts past its end has the beginning sent again, though the inbox fills the rest', async () => {
  // Another database took events 1-5 and the inbox forgot them; this one holds nothing, and the inbox 6-10.
  await syncDb.put('cursors', { stream: f.stream, seq: 5, head: 10 });
  await handOver(events.slice(5));
  await start().drain();
  expect(await ledgerSeqs()).toEqual([6, 7, 8, 9, 10]);
  expect(await cursor()).toBe(0);
});

test('a database that holds what precedes the inbox keeps its cursor', async () => {
  await handOver(events.slice(0, 5));
  await start().drain();
  await handOver(events.slice(5));
  await start().drain(); // a new host on the same database
  expect(await ledgerSeqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(await cursor()).toBe(10);
});

test('an entry announced while a batch is applied is drained by the same drain', async () => {
  await handOver(events.slice(0, 5));
  let announced = false;
  const drainer = start(new Materializer(db), {
    onBatch: () => {
      if (announced) return;
      announced = true;
      void handOver(events.slice(5)).then(() => drainer.drain());
    },
  });
  await drainer.drain();
  await vi.waitFor(async () => expect(await ledgerSeqs()).toHaveLength(10));
});

test('a drain that fails is tried again by itself, with no notice to wake it', async () => {
  await handOver(events);
  class FailsOnce extends Materializer {
    failed = false;
    override applyBatch(...args: Parameters<Materializer['applyBatch']>) {
      if (this.failed) return super.applyBatch(...args);
      this.failed = true;
      return Promise.reject(new Error('disk I/O error'));
    }
  }
  const failures: unknown[] = [];
  const drainer = start(new FailsOnce(db), { onFailure: (error) => failures.push(error) });
  await expect(drainer.drain()).rejects.toThrow('disk I/O error');
  expect(failures).toHaveLength(1);
  expect(await ledgerSeqs()).toEqual([]);
  await vi.waitFor(async () => expect(await ledgerSeqs()).toHaveLength(10), { timeout: 5_000, interval: 100 });
  expect(await syncDb.count('inbox')).toBe(0);
});

test('a stream the host did not know of at its start is announced at 0 before its first batch is applied', async () => {
  const heard: { stream: string; seq: number }[][] = [];
  const listener = new BroadcastChannel(SYNC_CHANNEL);
  listener.onmessage = (event: MessageEvent<SyncNotice>) => {
    if (event.data.type === 'applied') heard.push(event.data.streams);
  };
  try {
    const drainer = start();
    await drainer.drain(); // the host starts before the service worker has begun the stream
    await handOver(events);
    await drainer.drain();
    await vi.waitFor(() => expect(heard.flat().at(-1)).toEqual({ stream: f.stream, seq: 10 }));
    // Until then, a tab would have counted what the inbox holds as applied, and said "live" during a backfill.
    expect(heard.flat()).toEqual([
      { stream: f.stream, seq: 0 },
      { stream: f.stream, seq: 10 },
    ]);
  } finally {
    listener.close();
  }
});
