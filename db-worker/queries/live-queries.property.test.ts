/**
 * The engine's promise, checked over random histories: after every commit, every live subscription's rows (as its
 * tab holds them, patched) equal a fresh run of its SQL. Events are created, edited, deleted, reacted to, read
 * marks move, rooms are renamed and moved, profiles change; they arrive out of order and twice, in batches of
 * random sizes, through the real Materializer. Windows grow and shrink on the way. Both ways of keeping a result
 * (incremental and re-run) are exercised, and the test checks that they were.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import type { QuerySpec } from '../../protocol/messages';
import { applyPatch, type Key, type ResultRow } from '../../protocol/patch';
import type { RoomyEvent } from '../../protocol/events';
import { Materializer } from '../materializer/materializer';
import { migrate } from '../schema';
import type { Params } from '../sqlite/database';
import { eventFactory } from '../testing/event-factory';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { LiveQueries, type Subscriber } from './live-queries';

const USERS = ['did:plc:alice', 'did:plc:bob', 'did:plc:carol'];
const EMOJIS = ['👍', '🎉', '👀'];

type Intent =
  | { t: 'message'; room: number; user: number; reply: number | null }
  | { t: 'edit'; message: number; byAuthor: boolean }
  | { t: 'delete'; message: number }
  | { t: 'react'; message: number; user: number; emoji: number }
  | { t: 'unreact'; message: number; user: number; emoji: number }
  | { t: 'mark'; user: number; room: number; message: number }
  | { t: 'move'; room: number; parent: number | null }
  | { t: 'rename'; room: number }
  | { t: 'room'; parent: number | null }
  | { t: 'profile'; user: number }
  | { t: 'resize'; sub: number; limit: number }
  /** Many messages in one commit (a backfill): windows re-run rather than fetch each row. */
  | { t: 'bulk'; room: number }
  /** `DELETE FROM reactions`: the truncate case, where the changed rows are unknown. */
  | { t: 'wipe' };

const index = fc.nat({ max: 40 });
/** Rooms 0 and 1 get most of the traffic, so that windows fill up and overflow. */
const busyRoom = fc.oneof(fc.constant(0), fc.constant(1), index);
const intent: fc.Arbitrary<Intent> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('message' as const),
      room: busyRoom,
      user: fc.nat(2),
      reply: fc.option(index),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('edit' as const), message: index, byAuthor: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('delete' as const), message: index }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('react' as const), message: index, user: fc.nat(2), emoji: fc.nat(2) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('unreact' as const), message: index, user: fc.nat(2), emoji: fc.nat(2) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('mark' as const), user: fc.nat(2), room: busyRoom, message: index }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('move' as const), room: index, parent: fc.option(index) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rename' as const), room: index }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('room' as const), parent: fc.option(index) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('profile' as const), user: fc.nat(2) }) },
  {
    weight: 1,
    arbitrary: fc.record({ t: fc.constant('resize' as const), sub: fc.nat(), limit: fc.integer({ min: 1, max: 12 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bulk' as const), room: busyRoom }) },
  { weight: 1, arbitrary: fc.constant({ t: 'wipe' as const }) },
);

const history = fc.record({
  intents: fc.array(intent, { minLength: 1, maxLength: 80 }),
  /** How far each event may be delivered from its place (0: in order). */
  jitter: fc.array(fc.nat(6), { minLength: 60, maxLength: 60 }),
  /** Batch sizes, used in turn. */
  batches: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 10 }),
  /** Events delivered a second time. */
  duplicates: fc.array(fc.nat(), { maxLength: 4 }),
});

/** Subscriptions over the app's kinds of queries; `limit` marks the windows that resize. */
function specsFor(space: string, rooms: readonly string[], firstMessage: string): (QuerySpec & { limit?: number })[] {
  const [a, b] = rooms as [string, string];
  return [
    // "latest N": incremental
    {
      sql: 'SELECT id, room, author, body, reply_to, created_at, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?',
      params: [a, 3],
      limit: 1,
    },
    {
      sql: 'SELECT id, room, author, body, reply_to, created_at, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?',
      params: [b, 2],
      limit: 1,
    },
    {
      sql: 'SELECT id, room, author, body, reply_to, created_at, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?',
      params: [b, 50],
      limit: 1,
    },
    { sql: 'SELECT id, body FROM messages WHERE room = ? ORDER BY id ASC LIMIT ?', params: [a, 2], limit: 1 },
    {
      sql: `SELECT m.id, m.body, coalesce(p.display_name, m.author) AS author_name FROM messages m
            LEFT JOIN profiles p ON p.user = m.author WHERE m.room = ? ORDER BY m.id DESC LIMIT ?`,
      params: [a, 2],
      limit: 1,
    },
    // grouped by a key: incremental
    {
      sql: `SELECT m.room AS id, count(*) AS unread FROM messages m
            LEFT JOIN read_marks r ON r.room = m.room AND r.user = ?
            WHERE m.id > coalesce(r.up_to, '') GROUP BY m.room`,
      params: [USERS[1]!],
    },
    // the same counts driven from the rooms, so that a read mark's partition is counted from the mark on; new
    // messages (an INNER JOINed table) are added to their groups
    {
      sql: `SELECT rm.id AS id, count(*) AS unread FROM rooms rm
            LEFT JOIN read_marks r ON r.room = rm.id AND r.user = ?
            JOIN messages m ON m.room = rm.id AND m.id > coalesce(r.up_to, '')
            GROUP BY rm.id`,
      params: [USERS[0]!],
    },
    {
      sql: `SELECT message || ' ' || emoji AS id, message, emoji, count(*) AS count, max(user = ?) AS mine,
                   min(event_id) AS first FROM reactions WHERE message >= ? GROUP BY message, emoji`,
      params: [USERS[0]!, firstMessage],
    },
    {
      sql: `SELECT room AS id, count(*) AS messages, max(id) AS latest FROM messages
            WHERE room IN (SELECT id FROM rooms WHERE parent = ? AND kind = 'thread') GROUP BY room`,
      params: [a],
    },
    {
      sql: `SELECT m.room AS id, count(*) AS n FROM messages m
            WHERE m.id > coalesce((SELECT up_to FROM read_marks WHERE user = ? AND room = m.room), '')
            GROUP BY m.room ORDER BY m.room DESC`,
      params: [USERS[2]!],
    },
    // re-run and diff
    {
      sql: 'SELECT id, kind, name, parent FROM rooms WHERE space = ? AND deleted = 0 ORDER BY name, id',
      params: [space],
    },
    { sql: 'SELECT user AS id, display_name, avatar_url FROM profiles' },
    {
      sql: `WITH recent AS (SELECT id, room, author FROM messages WHERE room = ? ORDER BY id DESC LIMIT 5)
            SELECT r.id, r.author, (SELECT count(*) FROM reactions x WHERE x.message = r.id) AS reactions FROM recent r`,
      params: [b],
    },
    {
      sql: `SELECT r.message || ' ' || r.emoji AS id, count(*) AS n FROM reactions r
            WHERE r.message IN (SELECT id FROM messages WHERE room = ? ORDER BY id DESC LIMIT 3)
            GROUP BY r.message, r.emoji ORDER BY r.message, min(r.event_id)`,
      params: [a],
    },
  ];
}

/** Totals over every run, to check that both paths were taken. */
const totals = { incremental: 0, reruns: 0, fallbacks: 0, checks: 0 };

async function run(h: HistoryValue) {
  const db = await openMemoryDatabase();
  await migrate(db);
  const materializer = new Materializer(db);
  const live = new LiveQueries(db);
  const f = eventFactory();
  const apply = (events: unknown[]) => db.exclusive(() => materializer.applyBatch(events));

  // The starting point: a space, a channel with two threads under it, another channel, a few messages.
  const rooms = [f.id(), f.id(), f.id()];
  const threads = [f.id(), f.id()];
  const messages: { id: string; author: string; room: string }[] = [];
  const setup: RoomyEvent[] = [
    f.make('space.create', { name: 'Space' }),
    ...rooms.map((room, i) => f.make('room.create', { kind: 'channel', name: `room ${i}` }, { room })),
    ...threads.map((room, i) =>
      f.make('room.create', { kind: 'thread', name: `thread ${i}`, parent: rooms[0]! }, { room }),
    ),
  ];
  for (let i = 0; i < 6; i++) {
    const room = i < 4 ? rooms[i % 3]! : threads[i % 2]!;
    const event = f.make('message.create', { body: `hello ${i}` }, { room, user: USERS[i % 3]! });
    setup.push(event);
    messages.push({ id: event.id, author: event.user, room });
  }
  rooms.push(...threads);
  expect((await apply(setup)).rejected).toEqual([]);

  // Subscriptions, each with the rows its tab holds.
  const held = new Map<string, ResultRow[]>();
  const specs = new Map<string, QuerySpec & { limit?: number }>();
  const keyOf = (row: ResultRow) => row.id as Key;
  const subscriber: Subscriber = {
    id: 1,
    send(name, data) {
      if (name === 'query-error') throw new Error(`query-error ${JSON.stringify(data)}`);
      if (name !== 'patches') return;
      for (const { id, patch } of (data as { items: { id: string; patch: never }[] }).items) {
        applyPatch(held.get(id)!, patch, keyOf);
      }
    },
  };
  let nextId = 0;
  const subscribe = async (spec: QuerySpec & { limit?: number }) => {
    const id = `s${nextId++}`;
    specs.set(id, spec);
    held.set(id, await live.subscribe(subscriber, id, spec));
    return id;
  };
  for (const spec of specsFor(f.stream, rooms, messages[0]!.id)) await subscribe(spec);

  const check = async (when: string) => {
    await live.settled();
    for (const [id, spec] of specs) {
      const fresh = await db.exclusive(() => db.all(spec.sql, (spec.params ?? []) as Params));
      expect(held.get(id), `${when}: ${spec.sql}`).toEqual(fresh);
      totals.checks++;
    }
  };

  // The history, in logical order (ids increase), then delivered with jitter, duplicates and batches.
  const logical: RoomyEvent[] = [];
  const actions: (RoomyEvent | { resize: number; limit: number } | { bulk: RoomyEvent[] } | { wipe: true })[] = [];
  for (const it of h.intents) {
    const pick = <T>(list: readonly T[], i: number) => (list.length ? list[i % list.length] : undefined);
    let event: RoomyEvent | undefined;
    switch (it.t) {
      case 'message': {
        const room = pick(rooms, it.room)!;
        const reply = it.reply === null ? undefined : pick(messages, it.reply)?.id;
        event = f.make(
          'message.create',
          { body: `m${logical.length}`, ...(reply ? { replyTo: reply } : {}) },
          { room, user: USERS[it.user]! },
        );
        messages.push({ id: event.id, author: event.user, room });
        break;
      }
      case 'edit': {
        const m = pick(messages, it.message)!;
        const user = it.byAuthor ? m.author : USERS[(USERS.indexOf(m.author) + 1) % 3]!;
        event = f.make('message.edit', { messageId: m.id, body: `edited ${logical.length}` }, { room: m.room, user });
        break;
      }
      case 'delete': {
        const m = pick(messages, it.message)!;
        event = f.make('message.delete', { messageId: m.id }, { room: m.room, user: m.author });
        break;
      }
      case 'react':
      case 'unreact': {
        const m = pick(messages, it.message)!;
        const type = it.t === 'react' ? 'reaction.add' : 'reaction.remove';
        event = f.make(type, { messageId: m.id, emoji: EMOJIS[it.emoji]! }, { room: m.room, user: USERS[it.user]! });
        break;
      }
      case 'mark': {
        const m = pick(messages, it.message)!;
        event = f.make('read.mark', { upTo: m.id }, { room: pick(rooms, it.room)!, user: USERS[it.user]! });
        break;
      }
      case 'move': {
        const room = pick(rooms, it.room)!;
        const parent = it.parent === null ? null : pick(rooms, it.parent)!;
        if (parent === room) continue;
        event = f.make('room.update', { parent }, { room });
        break;
      }
      case 'rename':
        event = f.make('room.update', { name: `renamed ${logical.length}` }, { room: pick(rooms, it.room)! });
        break;
      case 'room': {
        const room = f.id();
        const parent = it.parent === null ? undefined : pick(rooms, it.parent);
        event = f.make(
          'room.create',
          { kind: parent ? 'thread' : 'channel', name: `new ${logical.length}`, ...(parent ? { parent } : {}) },
          { room },
        );
        rooms.push(room);
        break;
      }
      case 'profile':
        event = f.make('profile.update', { displayName: `name ${logical.length}` }, { user: USERS[it.user]! });
        break;
      case 'resize':
        actions.push({ resize: it.sub, limit: it.limit });
        continue;
      case 'bulk': {
        const room = pick(rooms, it.room)!;
        const bulk = Array.from({ length: 70 }, (_, i) => {
          const e = f.make('message.create', { body: `bulk ${i}` }, { room, user: USERS[i % 3]! });
          messages.push({ id: e.id, author: e.user, room });
          return e;
        });
        logical.push(...bulk);
        actions.push({ bulk });
        continue;
      }
      case 'wipe':
        actions.push({ wipe: true });
        continue;
    }
    logical.push(event);
    actions.push(event);
  }
  // Delivery order: each action moves back by up to its jitter; some events come twice.
  const order = actions.map((action, i) => ({ action, at: i + (h.jitter[i % h.jitter.length] ?? 0) }));
  order.sort((x, y) => x.at - y.at);
  const delivered = order.map((o) => o.action);
  for (const d of h.duplicates) if (logical.length) delivered.push(logical[d % logical.length]!);

  let batch: RoomyEvent[] = [];
  let b = 0;
  const flush = async () => {
    if (!batch.length) return;
    await apply(batch);
    batch = [];
    await check(`after batch ${b}`);
  };
  for (const action of delivered) {
    if ('bulk' in action) {
      await flush();
      await apply(action.bulk);
      await check('after a bulk commit');
      continue;
    }
    if ('wipe' in action) {
      await flush();
      await db.exclusive(() => db.run('DELETE FROM reactions'));
      await check('after DELETE FROM reactions');
      continue;
    }
    if ('resize' in action) {
      await flush();
      // A window grows or shrinks: the tab replaces its subscription with one of another N.
      const windows = [...specs].filter(([, spec]) => spec.limit !== undefined);
      const [id, spec] = windows[action.resize % windows.length]!;
      live.unsubscribe(subscriber, id);
      specs.delete(id);
      held.delete(id);
      await subscribe({ ...spec, params: [spec.params![0]!, action.limit] });
      await check('after a resize');
      continue;
    }
    batch.push(action);
    if (batch.length >= h.batches[b % h.batches.length]!) {
      b++;
      await flush();
    }
  }
  await flush();
  for (const info of live.describe()) {
    totals.incremental += info.incremental;
    totals.reruns += info.runs - 1;
    // An incremental subscription that had to run again (a bulk commit, a truncate) and went on incrementally.
    if (info.mode === 'incremental' && info.runs > 1) totals.fallbacks++;
  }
  await db.close();
}

type HistoryValue = typeof history extends fc.Arbitrary<infer T> ? T : never;

describe('live queries: property', () => {
  test('after every commit, every subscription equals a fresh run of its query', async () => {
    await fc.assert(
      fc.asyncProperty(history, (h) => run(h)),
      { numRuns: 100 },
    );
  }, 240_000);

  afterAll(() => {
    // Both paths were taken: results were maintained incrementally, and re-run.
    expect(totals.checks).toBeGreaterThan(1000);
    expect(totals.incremental).toBeGreaterThan(100);
    expect(totals.reruns).toBeGreaterThan(100);
    expect(totals.fallbacks).toBeGreaterThan(10);
  });
});
