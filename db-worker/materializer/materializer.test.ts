import { beforeEach, describe, expect, test } from 'vitest';
import { migrate } from '../schema';
import type { Database } from '../sqlite/database';
import { eventFactory } from '../testing/event-factory';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { Materializer } from './materializer';

let db: Database;
let materializer: Materializer;
let f: ReturnType<typeof eventFactory>;

const apply = (...events: unknown[]) => db.exclusive(() => materializer.applyBatch(events));

beforeEach(async () => {
  db = await openMemoryDatabase();
  await migrate(db);
  materializer = new Materializer(db);
  f = eventFactory();
});

/** A space with one category, one channel and a message: the common starting point. */
async function world() {
  const category = f.id();
  const channel = f.id();
  const events = [
    f.make('space.create', { name: 'Space', description: 'about' }),
    f.make('room.create', { kind: 'category', name: 'General' }, { room: category }),
    f.make('room.create', { kind: 'channel', name: 'lobby', parent: category }, { room: channel }),
    f.make('message.create', { body: 'hello' }, { room: channel }),
  ];
  expect(await apply(...events)).toMatchObject({ applied: 4, rejected: [] });
  return { category, channel, message: events[3]!.id };
}

describe('each event type', () => {
  test('space.create and space.update', async () => {
    await apply(f.make('space.create', { name: 'Space' }));
    await apply(f.make('space.update', { description: 'now described' }));
    expect(await db.all('SELECT id, name, description, creator FROM spaces')).toEqual([
      { id: f.stream, name: 'Space', description: 'now described', creator: 'did:plc:alice' },
    ]);
  });

  test('space.join and space.leave: the later event wins whatever the arrival order', async () => {
    const join = f.make('space.join', {}, { user: 'did:plc:bob' });
    const leave = f.make('space.leave', {}, { user: 'did:plc:bob' });
    await apply(f.make('space.join', {}, { user: 'did:plc:carol' }), leave, join);
    expect(await db.all('SELECT user, present FROM members ORDER BY user')).toEqual([
      { user: 'did:plc:bob', present: 0 },
      { user: 'did:plc:carol', present: 1 },
    ]);
  });

  test('room.create, room.update, room.delete', async () => {
    const { category, channel } = await world();
    const thread = f.id();
    await apply(
      f.make('room.create', { kind: 'thread', name: 'a thread', parent: channel }, { room: thread }),
      f.make('room.update', { name: 'renamed' }, { room: channel }),
      f.make('room.delete', {}, { room: thread }),
    );
    expect(await db.all('SELECT id, kind, name, parent, deleted FROM rooms ORDER BY id')).toEqual([
      { id: category, kind: 'category', name: 'General', parent: null, deleted: 0 },
      { id: channel, kind: 'channel', name: 'renamed', parent: category, deleted: 0 },
      { id: thread, kind: 'thread', name: 'a thread', parent: channel, deleted: 1 },
    ]);
  });

  test('message.create with a reply, message.edit, message.delete', async () => {
    const { channel, message } = await world();
    const reply = f.make('message.create', { body: 'a reply', replyTo: message }, { room: channel });
    const edit = f.make('message.edit', { messageId: message, body: 'hello, edited' }, { room: channel });
    await apply(reply, edit);
    expect(await db.all('SELECT body, reply_to, edited_at IS NOT NULL AS edited FROM messages ORDER BY id')).toEqual([
      { body: 'hello, edited', reply_to: null, edited: 1 },
      { body: 'a reply', reply_to: message, edited: 0 },
    ]);
    await apply(
      f.make('reaction.add', { messageId: reply.id, emoji: '👍' }, { room: channel }),
      f.make('message.delete', { messageId: reply.id }, { room: channel }),
    );
    expect(await db.all('SELECT id FROM messages')).toEqual([{ id: message }]);
    expect(await db.all('SELECT * FROM reactions')).toEqual([]);
    // a late edit of a deleted message is moot, not waiting forever
    const late = await apply(f.make('message.edit', { messageId: reply.id, body: 'x' }, { room: channel }));
    expect(late).toMatchObject({ applied: 1, waiting: 0 });
  });

  test('reaction.add and reaction.remove', async () => {
    const { channel, message } = await world();
    await apply(
      f.make('reaction.add', { messageId: message, emoji: '🎉' }, { room: channel }),
      f.make('reaction.add', { messageId: message, emoji: '🎉' }, { room: channel, user: 'did:plc:bob' }),
      f.make('reaction.add', { messageId: message, emoji: '👀' }, { room: channel }),
      f.make('reaction.remove', { messageId: message, emoji: '👀' }, { room: channel }),
    );
    expect(await db.all('SELECT user, emoji FROM reactions ORDER BY user, emoji')).toEqual([
      { user: 'did:plc:alice', emoji: '🎉' },
      { user: 'did:plc:bob', emoji: '🎉' },
    ]);
  });

  test('a remove that arrives before its add keeps the reaction removed', async () => {
    const { channel, message } = await world();
    const add = f.make('reaction.add', { messageId: message, emoji: '🎉' }, { room: channel });
    const remove = f.make('reaction.remove', { messageId: message, emoji: '🎉' }, { room: channel });
    await apply(remove, add);
    expect(await db.all('SELECT * FROM reactions')).toEqual([]);
  });

  test('profile.update sets only the fields it names', async () => {
    await apply(f.make('profile.update', { displayName: 'Alice', avatarUrl: 'https://example.com/a.png' }));
    await apply(f.make('profile.update', { displayName: 'Alice A.' }));
    expect(await db.all('SELECT user, display_name, avatar_url FROM profiles')).toEqual([
      { user: 'did:plc:alice', display_name: 'Alice A.', avatar_url: 'https://example.com/a.png' },
    ]);
  });

  test('read.mark only moves forward', async () => {
    const { channel } = await world();
    const [a, b] = [f.id(), f.id()];
    await apply(
      f.make('read.mark', { upTo: b }, { room: channel }),
      f.make('read.mark', { upTo: a }, { room: channel }),
    );
    expect(await db.all('SELECT room, up_to FROM read_marks')).toEqual([{ room: channel, up_to: b }]);
  });
});

describe('the three rules', () => {
  test('a duplicate is ignored, and the server copy of a local write fills in its seq', async () => {
    const { channel } = await world();
    const local = { ...f.make('message.create', { body: 'mine' }, { room: channel }), seq: undefined };
    expect(await apply(local)).toMatchObject({ applied: 1 });
    expect(await apply({ ...local, seq: 99 }, { ...local, seq: 99 })).toMatchObject({ applied: 0, duplicates: 2 });
    expect(await db.all('SELECT count(*) AS n FROM messages WHERE body = ?', ['mine'])).toEqual([{ n: 1 }]);
    expect(await db.get('SELECT seq FROM events WHERE id = ?', [local.id])).toEqual({ seq: 99 });
  });

  test('an edit that arrives before its message is applied once the message arrives', async () => {
    const { channel } = await world();
    const create = f.make('message.create', { body: 'first draft' }, { room: channel });
    const edit = f.make('message.edit', { messageId: create.id, body: 'final' }, { room: channel });
    const reaction = f.make('reaction.add', { messageId: create.id, emoji: '👍' }, { room: channel });
    expect(await apply(edit, reaction)).toMatchObject({ applied: 0, waiting: 2 });
    expect(await db.all('SELECT status FROM events WHERE id = ?', [edit.id])).toEqual([{ status: 'waiting' }]);
    expect(await apply(create)).toMatchObject({ applied: 1, released: 2 });
    expect(await db.get('SELECT body FROM messages WHERE id = ?', [create.id])).toEqual({ body: 'final' });
    expect(await db.all('SELECT emoji FROM reactions WHERE message = ?', [create.id])).toEqual([{ emoji: '👍' }]);
    expect(await db.all('SELECT * FROM waiting_events')).toEqual([]);
  });

  test('chains of waiting events resolve: a reaction waits for a message that waits for its room', async () => {
    await apply(f.make('space.create', { name: 'S' }));
    const room = f.id();
    const createRoom = f.make('room.create', { kind: 'channel', name: 'late room' }, { room });
    const message = f.make('message.create', { body: 'early' }, { room });
    const reaction = f.make('reaction.add', { messageId: message.id, emoji: '🔥' }, { room });
    expect(await apply(reaction, message)).toMatchObject({ waiting: 2 });
    expect(await apply(createRoom)).toMatchObject({ applied: 1, released: 2 });
    expect(await db.all('SELECT emoji FROM reactions')).toEqual([{ emoji: '🔥' }]);
  });

  test('a malformed event is rejected with its reason and the rest of the batch applies', async () => {
    const { channel } = await world();
    const good1 = f.make('message.create', { body: 'before' }, { room: channel });
    const bad = { ...f.make('message.create', { body: 'x' }, { room: channel }), payload: { body: 42 } };
    const good2 = f.make('message.create', { body: 'after' }, { room: channel });
    const result = await apply(good1, bad, 'not even an object', { type: 'space.explode' }, good2);
    expect(result.applied).toBe(2);
    expect(result.rejected).toEqual([
      { id: bad.id, reason: expect.stringMatching(/payload\.body/) },
      { id: null, reason: 'event must be a JSON object' },
      { id: null, reason: expect.stringMatching(/unknown event type/) },
    ]);
    expect(await db.all('SELECT body FROM messages ORDER BY id')).toEqual([
      { body: 'hello' },
      { body: 'before' },
      { body: 'after' },
    ]);
    expect(await db.all('SELECT event_id, reason FROM rejected_events ORDER BY rowid')).toHaveLength(3);
    // the same malformed event delivered again is a duplicate, not a second rejection
    expect(await apply(bad)).toMatchObject({ duplicates: 1, rejected: [] });
  });

  test('an event that fails in SQL is rolled back alone', async () => {
    const { channel, message } = await world();
    const intruder = f.make(
      'message.edit',
      { messageId: message, body: 'hijacked' },
      { room: channel, user: 'did:plc:eve' },
    );
    const fine = f.make('message.create', { body: 'fine' }, { room: channel });
    const result = await apply(intruder, fine);
    expect(result).toMatchObject({
      applied: 1,
      rejected: [{ id: intruder.id, reason: 'only the author can edit a message' }],
    });
    expect(await db.get('SELECT body FROM messages WHERE id = ?', [message])).toEqual({ body: 'hello' });
  });

  test('a message in a room of another space is rejected', async () => {
    const { channel } = await world();
    const other = eventFactory(Date.UTC(2025, 5, 1));
    const result = await apply(other.make('message.create', { body: 'cross-space' }, { room: channel }));
    expect(result.rejected).toEqual([{ id: expect.any(String), reason: `room ${channel} belongs to another space` }]);
  });
});

describe('change notices', () => {
  test('a commit reports the tables and rowids it changed; a rolled-back event reports nothing', async () => {
    const { channel } = await world();
    const seen: string[][] = [];
    db.onCommit((changes) => seen.push([...changes.rows.keys()].sort()));
    await apply(f.make('message.create', { body: 'new' }, { room: channel }));
    expect(seen).toEqual([['events', 'messages', 'stream_positions']]);
  });
});
