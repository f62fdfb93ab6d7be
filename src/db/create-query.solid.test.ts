/**
 * createQuery with Solid's real reactivity (browser build, in Node), over the real client (DbClient, superjson
 * messages over a MessageChannel, patches in one `batch`) and the real engine (LiveQueries on wa-sqlite): what a
 * component sees when rows arrive, change, and go.
 */
import {
  batch,
  createComponent,
  createEffect,
  createMemo,
  createRoot,
  createSignal,
  ErrorBoundary,
  mapArray,
  Suspense,
  type Accessor,
} from 'solid-js';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { RoomyEvent } from '../../protocol/events';
import {
  PROTOCOL_VERSION,
  decodeMessage,
  encodeMessage,
  type HostEvents,
  type Message,
  type QuerySpec,
  type RequestMessage,
} from '../../protocol/messages';
import { Materializer } from '../../db-worker/materializer/materializer';
import { LiveQueries, type Subscriber } from '../../db-worker/queries/live-queries';
import { migrate } from '../../db-worker/schema';
import type { Database } from '../../db-worker/sqlite/database';
import { eventFactory } from '../../db-worker/testing/event-factory';
import { openMemoryDatabase } from '../../db-worker/testing/node-sqlite';
import { DbClient, type ClientPort } from './client';
import { createQuery } from './create-query';

interface MessageRow extends Record<string, unknown> {
  id: string;
  body: string;
  edited_at: number | null;
}

let db: Database;
let live: LiveQueries;
let materializer: Materializer;
let client: DbClient;
let hostPort: MessagePort;
let f: ReturnType<typeof eventFactory>;
let rooms: [string, string];
let first: RoomyEvent[];

/** The host's side of the channel: just what live queries need (subscribe, unsubscribe, ping). */
function serve(port: MessagePort) {
  const subscriber: Subscriber = {
    id: 1,
    send<N extends keyof HostEvents>(name: N, data: HostEvents[N]) {
      port.postMessage(encodeMessage({ v: PROTOCOL_VERSION, t: 'evt', name, data } as Message));
    },
  };
  port.on('message', async (data: string) => {
    const request = decodeMessage(data) as RequestMessage;
    const answer = (result: unknown) =>
      port.postMessage(encodeMessage({ v: PROTOCOL_VERSION, t: 'res', id: request.id, ok: true, result }));
    try {
      if (request.method === 'subscribe') {
        const { id, ...spec } = request.params as QuerySpec & { id: string };
        answer({ rows: await live.subscribe(subscriber, id, spec) });
      } else if (request.method === 'unsubscribe') {
        live.unsubscribe(subscriber, (request.params as { id: string }).id);
        answer(null);
      } else {
        answer({ now: Date.now(), hostId: 'test', ready: true });
      }
    } catch (error) {
      port.postMessage(
        encodeMessage({
          v: PROTOCOL_VERSION,
          t: 'res',
          id: request.id,
          ok: false,
          error: { code: 'SQL_ERROR', message: (error as Error).message },
        }),
      );
    }
  });
}

const timeline = (room: string, limit: number): QuerySpec => ({
  sql: 'SELECT id, body, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?',
  params: [room, limit],
});

/** Waits until the host has sent what the last commits produced and the tab has applied it. */
async function settle() {
  await live.settled();
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}
const apply = async (...events: RoomyEvent[]) => {
  await db.exclusive(() => materializer.applyBatch(events));
  await settle();
};
const say = (room: string, body: string) => f.make('message.create', { body }, { room });
/** What a Suspense/ErrorBoundary tree shows now. */
const shown = (view: unknown) => {
  let value = view;
  while (typeof value === 'function') value = (value as () => unknown)();
  return value;
};

beforeEach(async () => {
  db = await openMemoryDatabase();
  await migrate(db);
  materializer = new Materializer(db);
  live = new LiveQueries(db);
  const channel = new MessageChannel();
  hostPort = channel.port2;
  serve(hostPort);
  client = new DbClient(channel.port1 as unknown as ClientPort, {
    requestTimeoutMs: 5_000,
    heartbeatMs: 60_000,
    heartbeatTimeoutMs: 5_000,
    debug: false,
    batch,
  });
  f = eventFactory();
  rooms = [f.id(), f.id()];
  first = [0, 1, 2].map((i) => say(rooms[0], `hello ${i}`));
  await apply(
    f.make('space.create', { name: 'Space' }),
    ...rooms.map((room, i) => f.make('room.create', { kind: 'channel', name: `room ${i}` }, { room })),
    ...first,
  );
});

afterEach(() => {
  client.close();
  hostPort.close();
});

/** A <Suspense> around a text, as a component would render it. */
function suspended(text: () => string) {
  return createComponent(Suspense, {
    fallback: 'loading',
    get children() {
      const label = createMemo(text);
      return label as unknown as string;
    },
  });
}

/** Runs createQuery in a root; returns the query and the root's disposer. */
function mount(spec: Accessor<QuerySpec | false>) {
  return createRoot((dispose) => ({ rows: createQuery<MessageRow>(client, spec), dispose }));
}

describe('createQuery', () => {
  test('the first result suspends; then the rows are there', async () => {
    const { view, rows, dispose } = createRoot((dispose) => {
      const rows = createQuery<MessageRow>(client, () => timeline(rooms[0], 10));
      const view = suspended(() =>
        rows()
          .map((row) => row.body)
          .join(', '),
      );
      return { view, rows, dispose };
    });
    expect(shown(view)).toBe('loading');
    expect(rows.loading()).toBe(true);
    await settle();
    expect(shown(view)).toBe('hello 2, hello 1, hello 0');
    expect(rows.loading()).toBe(false);
    dispose();
  });

  test('a failing query goes to the ErrorBoundary', async () => {
    const { view, dispose } = createRoot((dispose) => {
      const rows = createQuery(client, () => ({ sql: 'SELECT id FROM no_such_table' }));
      const view = createComponent(ErrorBoundary, {
        fallback: (error: Error) => `failed: ${error.message}`,
        get children() {
          return suspended(() => String(rows().length));
        },
      });
      return { view, dispose };
    });
    await settle();
    expect(shown(view)).toMatch(/^failed: .*no such table/);
    dispose();
  });

  test('unchanged rows keep their identity; a changed row is the same object with new fields', async () => {
    const { rows, dispose } = mount(() => timeline(rooms[0], 10));
    await settle();
    const [newest, middle, oldest] = rows();
    await apply(say(rooms[0], 'news'));
    expect(rows().map((row) => row.body)).toEqual(['news', 'hello 2', 'hello 1', 'hello 0']);
    expect(rows()[1]).toBe(newest);
    expect(rows()[2]).toBe(middle);
    expect(rows()[3]).toBe(oldest);
    await apply(f.make('message.edit', { messageId: first[1]!.id, body: 'better' }, { room: rooms[0] }));
    expect(rows()[2]).toBe(middle);
    expect(middle!.body).toBe('better');
    dispose();
  });

  test('fine-grained: a new message creates one row; an edit re-runs only what reads the edited row', async () => {
    const { created, runs, dispose } = createRoot((dispose) => {
      const rows = createQuery<MessageRow>(client, () => timeline(rooms[0], 10));
      const created = new Map<string, number>();
      const runs = new Map<string, number>();
      // What <For> does: one mapping per row object, kept while the object stays in the list.
      const mapped = mapArray(rows, (row) => {
        created.set(row.id, (created.get(row.id) ?? 0) + 1);
        createEffect(() => {
          void row.body;
          void row.edited_at;
          runs.set(row.id, (runs.get(row.id) ?? 0) + 1);
        });
        return row.id;
      });
      createEffect(() => mapped());
      return { created, runs, dispose };
    });
    await settle();
    const news = say(rooms[0], 'news');
    await apply(news);
    expect(Object.fromEntries(created)).toEqual({
      [first[0]!.id]: 1,
      [first[1]!.id]: 1,
      [first[2]!.id]: 1,
      [news.id]: 1,
    });
    const before = Object.fromEntries(runs);
    await apply(f.make('message.edit', { messageId: first[0]!.id, body: 'edited' }, { room: rooms[0] }));
    expect(Object.fromEntries(runs)).toEqual({ ...before, [first[0]!.id]: before[first[0]!.id]! + 1 });
    expect(Math.max(...created.values())).toBe(1);
    dispose();
  });

  test('the patches of one commit are applied in one batch', async () => {
    const { seen, dispose } = createRoot((dispose) => {
      const a = createQuery<MessageRow>(client, () => timeline(rooms[0], 10));
      const b = createQuery<MessageRow>(client, () => timeline(rooms[1], 10));
      const seen: string[] = [];
      createEffect(() => seen.push(`${a().length}/${b().length}`));
      return { seen, dispose };
    });
    await settle();
    seen.length = 0;
    await apply(say(rooms[0], 'to a'), say(rooms[1], 'to b'));
    expect(seen).toEqual(['4/1']); // never 4/0: both patches landed together
    dispose();
  });

  test('reactive parameters: a window that grows keeps the rows it had', async () => {
    await apply(...[3, 4, 5, 6].map((i) => say(rooms[0], `hello ${i}`)));
    const [limit, setLimit] = createSignal(3);
    // eslint-disable-next-line solid/reactivity -- createQuery tracks its spec
    const { rows, dispose } = mount(() => timeline(rooms[0], limit()));
    await settle();
    const shownBefore = [...rows()];
    setLimit(6);
    expect(rows()).toEqual(shownBefore); // the old rows stay while the new result loads
    await settle();
    expect(rows().map((row) => row.body)).toEqual(['hello 6', 'hello 5', 'hello 4', 'hello 3', 'hello 2', 'hello 1']);
    shownBefore.forEach((row, i) => expect(rows()[i]).toBe(row));
    expect(live.size).toBe(1);
    dispose();
  });

  test('a new spec keeps the rows on screen instead of suspending again', async () => {
    const [room, setRoom] = createSignal(rooms[0]);
    const { view, rows, dispose } = createRoot((dispose) => {
      const rows = createQuery<MessageRow>(client, () => timeline(room(), 10));
      const view = suspended(() => `${rows().length} rows`);
      return { view, rows, dispose };
    });
    await settle();
    expect(shown(view)).toBe('3 rows');
    setRoom(rooms[1]);
    expect(shown(view)).toBe('3 rows');
    expect(rows.loading()).toBe(true);
    await settle();
    expect(shown(view)).toBe('0 rows');
    dispose();
  });

  test('no spec, no rows; disposal ends the subscription', async () => {
    const [room, setRoom] = createSignal<string | null>(rooms[0]);
    // eslint-disable-next-line solid/reactivity -- createQuery tracks its spec
    const { rows, dispose } = mount(() => {
      const r = room();
      return r ? timeline(r, 10) : false;
    });
    await settle();
    expect(rows()).toHaveLength(3);
    setRoom(null);
    await settle();
    expect(rows()).toEqual([]);
    expect(live.size).toBe(0);
    setRoom(rooms[1]);
    await settle();
    expect(live.size).toBe(1);
    dispose();
    await settle();
    expect(live.size).toBe(0);
  });
});
