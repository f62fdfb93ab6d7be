/**
 * The live-query engine on real wa-sqlite: which subscriptions a commit wakes (column- and key-level), the
 * patches tabs receive, key pins, the incremental shapes it recognises, and growing windows.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import type { HostEvents, QuerySpec, SubscriptionInfo } from '../../protocol/messages';
import { applyPatch, type Key, type ResultRow, type RowPatch } from '../../protocol/patch';
import type { RoomyEvent } from '../../protocol/events';
import { Materializer } from '../materializer/materializer';
import { migrate } from '../schema';
import type { Database, Params } from '../sqlite/database';
import { eventFactory } from '../testing/event-factory';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { LiveQueries, type Subscriber } from './live-queries';

const ALICE = 'did:plc:alice';
const BOB = 'did:plc:bob';

const timeline = (room: string, limit: number): QuerySpec => ({
  sql: `SELECT id, room, author, body, reply_to, created_at, edited_at
        FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?`,
  params: [room, limit],
});
const unread = (user: string): QuerySpec => ({
  sql: `SELECT m.room AS id, count(*) AS unread
        FROM messages m LEFT JOIN read_marks r ON r.room = m.room AND r.user = ?
        WHERE m.id > coalesce(r.up_to, '')
        GROUP BY m.room`,
  params: [user],
});
/** The same counts as the app writes them: driven from the rooms, so that a room is counted from its mark on. */
const unreadByRoom = (user: string): QuerySpec => ({
  sql: `SELECT rm.id AS id, count(*) AS unread
        FROM rooms rm
        LEFT JOIN read_marks r ON r.room = rm.id AND r.user = ?
        JOIN messages m ON m.room = rm.id AND m.id > coalesce(r.up_to, '')
        GROUP BY rm.id`,
  params: [user],
});
const reactions = (user: string, from: string): QuerySpec => ({
  sql: `SELECT message || ' ' || emoji AS id, message, emoji, count(*) AS count, max(user = ?) AS mine,
               min(event_id) AS first
        FROM reactions WHERE message >= ? GROUP BY message, emoji`,
  params: [user, from],
});

let db: Database;
let live: LiveQueries;
let materializer: Materializer;
let f: ReturnType<typeof eventFactory>;
let rooms: [string, string];
let messages: RoomyEvent[];

/** A tab: it holds the rows of its subscriptions and applies the patches it receives, as the client does. */
class Tab implements Subscriber {
  static next = 1;
  readonly id = Tab.next++;
  readonly rows = new Map<string, ResultRow[]>();
  readonly keys = new Map<string, string>();
  readonly received: HostEvents['patches'][] = [];
  send<N extends keyof HostEvents>(name: N, data: HostEvents[N]) {
    if (name === 'query-error') throw new Error(JSON.stringify(data));
    if (name !== 'patches') return;
    const message = data as HostEvents['patches'];
    this.received.push(message);
    for (const { id, patch } of message.items) {
      const key = this.keys.get(id)!;
      applyPatch(this.rows.get(id)!, patch, (row) => row[key] as Key);
    }
  }
  async subscribe(id: string, spec: QuerySpec) {
    this.keys.set(id, spec.key ?? 'id');
    this.rows.set(id, await live.subscribe(this, id, spec));
    return this.rows.get(id)!;
  }
  /** The patches received for one subscription since the last call. */
  patchesFor(id: string): RowPatch[] {
    const patches = this.received.flatMap((m) => m.items.filter((item) => item.id === id).map((item) => item.patch));
    this.received.length = 0;
    return patches;
  }
}

const apply = async (...events: RoomyEvent[]) => {
  const result = await db.exclusive(() => materializer.applyBatch(events));
  expect(result.rejected).toEqual([]);
  await live.settled();
};
const info = (tab: Tab, id: string): SubscriptionInfo => live.describe().find((s) => s.id === `${tab.id}:${id}`)!;
const fresh = (spec: QuerySpec) => db.exclusive(() => db.all(spec.sql, (spec.params ?? []) as Params));
const say = (room: string, body: string, user = ALICE) => f.make('message.create', { body }, { room, user });

beforeEach(async () => {
  db = await openMemoryDatabase();
  await migrate(db);
  materializer = new Materializer(db);
  live = new LiveQueries(db);
  f = eventFactory();
  rooms = [f.id(), f.id()];
  messages = [0, 1, 2, 3].map((i) => say(rooms[i % 2]!, `hello ${i}`));
  await apply(
    f.make('space.create', { name: 'Space' }),
    ...rooms.map((room, i) => f.make('room.create', { kind: 'channel', name: `room ${i}` }, { room })),
    ...messages,
  );
});

describe('invalidation', () => {
  test('key-level: a message in another room wakes nothing that is pinned to this one', async () => {
    const tab = new Tab();
    await tab.subscribe('a', timeline(rooms[0], 10));
    await tab.subscribe('b', timeline(rooms[1], 10));
    await apply(say(rooms[1], 'only for b'));
    expect(info(tab, 'a').wakeups).toBe(0);
    expect(info(tab, 'b').wakeups).toBe(1);
    expect(info(tab, 'a').pins).toEqual({ messages: { column: 'room', values: [rooms[0]] } });
  });

  test('column-level: an edit does not wake a query that never reads the edited columns', async () => {
    const tab = new Tab();
    await tab.subscribe('authors', { sql: 'SELECT id, author FROM messages WHERE room = ?', params: [rooms[0]] });
    await tab.subscribe('bodies', { sql: 'SELECT id, body FROM messages WHERE room = ?', params: [rooms[0]] });
    await apply(f.make('message.edit', { messageId: messages[0]!.id, body: 'changed' }, { room: rooms[0] }));
    expect(info(tab, 'authors').wakeups).toBe(0);
    expect(info(tab, 'bodies').wakeups).toBe(1);
    expect(tab.rows.get('bodies')).toEqual(
      await fresh({ sql: 'SELECT id, body FROM messages WHERE room = ?', params: [rooms[0]] }),
    );
  });

  test('of a thousand subscriptions, only the one affected is touched', async () => {
    const tab = new Tab();
    const many: string[] = [];
    for (let i = 0; i < 1000; i++) many.push(f.id());
    for (const [i, room] of many.entries()) await tab.subscribe(`s${i}`, timeline(room, 5));
    await tab.subscribe('mine', timeline(rooms[0], 5));
    await apply(say(rooms[0], 'news'));
    const woken = live.describe().filter((s) => s.wakeups > 0);
    expect(woken.map((s) => s.id)).toEqual([`${tab.id}:mine`]);
  });

  test('the truncate case wakes readers of the table', async () => {
    const tab = new Tab();
    await apply(f.make('reaction.add', { messageId: messages[0]!.id, emoji: '👍' }, { room: rooms[0] }));
    await tab.subscribe('r', reactions(ALICE, messages[0]!.id));
    await db.exclusive(() => db.run('DELETE FROM reactions'));
    await live.settled();
    expect(tab.rows.get('r')).toEqual([]);
  });

  test('a schema change re-runs every subscription', async () => {
    const tab = new Tab();
    await tab.subscribe('t', timeline(rooms[0], 10));
    await db.exclusive(() => db.exec('BEGIN; CREATE TABLE notes (id TEXT PRIMARY KEY); COMMIT;'));
    await live.settled();
    expect(info(tab, 't').runs).toBe(2);
    await apply(say(rooms[0], 'after the migration'));
    expect(tab.rows.get('t')).toEqual(await fresh(timeline(rooms[0], 10)));
    expect(info(tab, 't').incremental).toBe(1);
  });
});

describe('patches', () => {
  test('a new message inserts one row and touches no other', async () => {
    const tab = new Tab();
    const before = [...(await tab.subscribe('t', timeline(rooms[0], 10)))];
    const event = say(rooms[0], 'new');
    await apply(event);
    const [patch, ...more] = tab.patchesFor('t');
    expect(more).toEqual([]);
    expect(patch!.removed).toEqual([]);
    expect(patch!.order).toBeUndefined();
    expect(patch!.upserted.map(({ index, row }) => [index, row.id])).toEqual([[0, event.id]]);
    // The rows that were there are the same objects.
    const rows = tab.rows.get('t')!;
    expect(rows.slice(1)).toEqual(before);
    before.forEach((row, i) => expect(rows[i + 1]).toBe(row));
  });

  test('an edit sends only that row', async () => {
    const tab = new Tab();
    await tab.subscribe('t', timeline(rooms[0], 10));
    await apply(f.make('message.edit', { messageId: messages[2]!.id, body: 'better' }, { room: rooms[0] }));
    const [patch] = tab.patchesFor('t');
    expect(patch!.upserted).toHaveLength(1);
    expect(patch!.upserted[0]!.row).toMatchObject({ id: messages[2]!.id, body: 'better' });
  });

  test("a reaction changes only that message's reaction rows", async () => {
    const tab = new Tab();
    await apply(
      f.make('reaction.add', { messageId: messages[0]!.id, emoji: '👍' }, { room: rooms[0] }),
      f.make('reaction.add', { messageId: messages[2]!.id, emoji: '🎉' }, { room: rooms[0] }),
    );
    await tab.subscribe('r', reactions(ALICE, messages[0]!.id));
    await apply(f.make('reaction.add', { messageId: messages[2]!.id, emoji: '🎉' }, { room: rooms[0], user: BOB }));
    const [patch] = tab.patchesFor('r');
    expect(patch).toEqual({
      removed: [],
      upserted: [{ index: 1, row: expect.objectContaining({ message: messages[2]!.id, emoji: '🎉', count: 2 }) }],
    });
    expect(info(tab, 'r')).toMatchObject({ mode: 'incremental', incremental: 1, runs: 1 });
  });
});

describe('incremental shapes', () => {
  test("the app's queries: latest N and grouped counts are maintained; the others are re-run", async () => {
    const tab = new Tab();
    await tab.subscribe('timeline', timeline(rooms[0], 50));
    await tab.subscribe('unread', unread(BOB));
    await tab.subscribe('unreadByRoom', unreadByRoom(BOB));
    await tab.subscribe('reactions', reactions(ALICE, messages[0]!.id));
    await tab.subscribe('threads', {
      sql: `SELECT room AS id, count(*) AS messages, max(id) AS latest FROM messages
            WHERE room IN (SELECT id FROM rooms WHERE parent = ? AND kind = 'thread') GROUP BY room`,
      params: [rooms[0]],
    });
    await tab.subscribe('rooms', {
      sql: 'SELECT id, kind, name, parent FROM rooms WHERE space = ? AND deleted = 0 ORDER BY name, id',
      params: [f.stream],
    });
    const modes = Object.fromEntries(live.describe().map((s) => [s.id.split(':')[1], [s.mode, s.shape]]));
    expect(modes).toEqual({
      timeline: ['incremental', 'top-n'],
      unread: ['incremental', 'group-aggregate'],
      unreadByRoom: ['incremental', 'group-aggregate'],
      reactions: ['incremental', 'group-aggregate'],
      threads: ['incremental', 'group-aggregate'],
      rooms: ['rerun', null],
    });
    expect(info(tab, 'unread').pins).toEqual({ read_marks: { column: 'user', values: [BOB] } });
  });

  test('shapes it does not maintain fall back to re-running, and say why', async () => {
    const tab = new Tab();
    const cases: [string, string][] = [
      ['SELECT id FROM messages WHERE room = ? ORDER BY created_at DESC LIMIT 5', 'not unique'],
      ['SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room WHERE r.space = ? ORDER BY m.id LIMIT 5', 'LEFT'],
      ['SELECT id FROM messages WHERE room = ? ORDER BY id LIMIT 5 OFFSET 2', 'LIMIT'],
      ['SELECT room AS id, author, count(*) AS n FROM messages WHERE ? IS NOT NULL GROUP BY room', 'neither grouped'],
      [
        'SELECT room AS id, count(*) AS n FROM messages WHERE author IN (SELECT user FROM members WHERE space = ?) GROUP BY room',
        'not tied',
      ],
    ];
    for (const [i, [sql]] of cases.entries()) await tab.subscribe(`q${i}`, { sql, params: [rooms[0]] });
    for (const [i, [, why]] of cases.entries()) {
      expect(info(tab, `q${i}`).mode).toBe('rerun');
      expect(info(tab, `q${i}`).note).toContain(why);
    }
  });

  test('latest N: deletes refill the window from its frontier; late edits of older rows leave it alone', async () => {
    const tab = new Tab();
    const more = [0, 1, 2, 3, 4].map((i) => say(rooms[0], `more ${i}`));
    await apply(...more);
    const spec = timeline(rooms[0], 3);
    await tab.subscribe('t', spec);
    await apply(
      f.make('message.delete', { messageId: more[4]!.id }, { room: rooms[0] }),
      f.make('message.delete', { messageId: more[3]!.id }, { room: rooms[0] }),
      f.make('message.edit', { messageId: messages[0]!.id, body: 'old, edited' }, { room: rooms[0] }),
    );
    expect(tab.rows.get('t')).toEqual(await fresh(spec));
    expect(tab.rows.get('t')!.map((row) => row.body)).toEqual(['more 2', 'more 1', 'more 0']);
    expect(info(tab, 't')).toMatchObject({ incremental: 1, runs: 1 });
  });

  test('latest N: a window that grows starts from the one it replaces and fetches only the new rows', async () => {
    const tab = new Tab();
    await apply(...[0, 1, 2, 3, 4, 5].map((i) => say(rooms[0], `more ${i}`)));
    await tab.subscribe('t1', timeline(rooms[0], 3));
    live.unsubscribe(tab, 't1');
    await tab.subscribe('t2', timeline(rooms[0], 6));
    expect(info(tab, 't2')).toMatchObject({ runs: 0, incremental: 1, rows: 6 });
    expect(tab.rows.get('t2')).toEqual(await fresh(timeline(rooms[0], 6)));
    // A donor is used only while nothing changed under it.
    live.unsubscribe(tab, 't2');
    await apply(say(rooms[0], 'moves on'));
    await tab.subscribe('t3', timeline(rooms[0], 4));
    expect(info(tab, 't3')).toMatchObject({ runs: 1, incremental: 0 });
  });

  test('grouped counts: new rows are added, deletes and read marks recount only their room', async () => {
    const tab = new Tab();
    await tab.subscribe('u', unread(BOB));
    await apply(say(rooms[0], 'one'), say(rooms[1], 'two'), say(rooms[1], 'three'));
    expect(tab.rows.get('u')).toEqual([
      { id: rooms[0], unread: 3 },
      { id: rooms[1], unread: 4 },
    ]);
    await apply(f.make('read.mark', { upTo: messages[3]!.id }, { room: rooms[1], user: BOB }));
    await apply(f.make('message.delete', { messageId: messages[0]!.id }, { room: rooms[0] }));
    expect(tab.rows.get('u')).toEqual(await fresh(unread(BOB)));
    expect(info(tab, 'u')).toMatchObject({ runs: 1, incremental: 3 });
    // Another user's read mark does not even wake it.
    await apply(f.make('read.mark', { upTo: messages[3]!.id }, { room: rooms[1], user: ALICE }));
    expect(info(tab, 'u').wakeups).toBe(3);
  });

  test('grouped counts over an INNER JOINed table: its new rows are added, a read mark recounts its room', async () => {
    const tab = new Tab();
    await tab.subscribe('u', unreadByRoom(BOB));
    expect(info(tab, 'u')).toMatchObject({ mode: 'incremental', shape: 'group-aggregate' });
    const statements: string[] = [];
    const values = db.values.bind(db);
    db.values = (sql, params) => (statements.push(sql), values(sql, params));
    await apply(say(rooms[0], 'one'), say(rooms[1], 'two'), say(rooms[1], 'three'));
    expect(tab.rows.get('u')).toEqual([
      { id: rooms[0], unread: 3 },
      { id: rooms[1], unread: 4 },
    ]);
    // Only the new messages were read, joined with their rooms and marks: no room was counted again.
    const upkeep = statements.filter((sql) => sql.includes('FROM rooms rm'));
    expect(upkeep).toHaveLength(1);
    expect(upkeep[0]).toMatch(/messages m NOT INDEXED .* "m"\.rowid IN/s);
    statements.length = 0;
    await apply(f.make('read.mark', { upTo: messages[3]!.id }, { room: rooms[1], user: BOB }));
    expect(statements.filter((sql) => sql.includes('"rm"."id" IN'))).toHaveLength(1);
    // A message and a mark in one commit (the sender reads their own message): the room is counted from the mark.
    const mine = say(rooms[0], 'mine', BOB);
    await apply(mine, f.make('read.mark', { upTo: mine.id }, { room: rooms[0], user: BOB }));
    await apply(f.make('message.delete', { messageId: messages[1]!.id }, { room: rooms[1] }));
    expect(tab.rows.get('u')).toEqual(await fresh(unreadByRoom(BOB)));
    expect(tab.rows.get('u')!.map((row) => row.id)).toEqual([rooms[1]]);
    expect(info(tab, 'u')).toMatchObject({ runs: 1, incremental: 4 });
  });
});
