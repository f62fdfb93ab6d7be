import { beforeEach, describe, expect, test } from 'vitest';
import type { NewEvent, RoomyEvent } from '../../protocol/events';
import type { OutboxEntry } from '../../protocol/sync-store';
import { Materializer } from '../materializer/materializer';
import { migrate } from '../schema';
import type { Database } from '../sqlite/database';
import { eventFactory } from '../testing/event-factory';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { followOutbox, messageOf, recordLocalWrites } from './local-writes';

let db: Database;
let materializer: Materializer;
let f: ReturnType<typeof eventFactory>;
let channel: string;

const apply = (...events: unknown[]) => db.exclusive(() => materializer.applyBatch(events));
/** A local write: what the tab hands to the host (no seq until the server's copy comes back). */
const local = (event: RoomyEvent): NewEvent => {
  const { seq: _seq, ...rest } = event;
  return rest as NewEvent;
};
const outboxEntry = (event: NewEvent, state: OutboxEntry['state'], lastError: string | null = null): OutboxEntry => ({
  id: event.id,
  stream: event.stream,
  event,
  state,
  attempts: 1,
  lastError,
  createdAt: 0,
  nextAttemptAt: 0,
});

/** Writes as the host does (after the outbox): the events and their delivery state in one transaction. */
const writeLocally = (...events: NewEvent[]) =>
  db.exclusive(() => materializer.applyBatch(events, { alongside: () => recordLocalWrites(db, events) }));

const follow = (outbox: OutboxEntry[]) => db.exclusive(() => followOutbox(db, outbox));
const states = () => db.all('SELECT id, state, error FROM local_writes ORDER BY id');

beforeEach(async () => {
  db = await openMemoryDatabase();
  await migrate(db);
  materializer = new Materializer(db);
  f = eventFactory();
  channel = f.id();
  await apply(
    f.make('space.create', { name: 'Space' }),
    f.make('room.create', { kind: 'channel', name: 'general' }, { room: channel }),
  );
});

describe('delivery state follows the outbox', () => {
  test('a local write and its delivery state are one commit, so live queries refresh once for both', async () => {
    const commits: string[][] = [];
    db.onCommit((changes) => commits.push([...changes.rows.keys()].sort()));
    const message = local(f.make('message.create', { body: 'hi' }, { room: channel }));
    await writeLocally(message, local(f.make('read.mark', { upTo: message.id }, { room: channel })));
    expect(commits).toEqual([['events', 'local_writes', 'messages', 'read_marks', 'stream_positions']]);
  });

  test('a write the database refuses to commit leaves no delivery state behind', async () => {
    const write = local(f.make('message.create', { body: 'hi' }, { room: channel }));
    const failing = db.exclusive(() =>
      materializer.applyBatch([write], {
        alongside: async () => {
          await recordLocalWrites(db, [write]);
          throw new Error('disk full');
        },
      }),
    );
    await expect(failing).rejects.toThrow('disk full');
    expect(await states()).toEqual([]);
    expect(await db.all('SELECT id FROM messages WHERE id = ?', [write.id])).toEqual([]);
  });

  test('pending, then sent when the server accepted it, then gone when its copy comes back', async () => {
    const message = f.make('message.create', { body: 'hi' }, { room: channel });
    const write = local(message);
    await writeLocally(write);
    expect(await states()).toEqual([{ id: write.id, state: 'pending', error: null }]);

    await follow([outboxEntry(write, 'pending', 'server answered 503')]);
    expect(await states()).toEqual([{ id: write.id, state: 'pending', error: 'server answered 503' }]);

    expect(await follow([])).toEqual({ discarded: [], rows: 1 });
    expect(await states()).toEqual([{ id: write.id, state: 'sent', error: null }]);

    await apply(message); // the server's copy, with its seq
    expect(await follow([])).toEqual({ discarded: [], rows: 0 });
    expect(await states()).toEqual([]);
  });

  test("an echo that comes back before the sender's answer does not confirm a write still in the outbox", async () => {
    const message = f.make('message.create', { body: 'hi' }, { room: channel });
    await writeLocally(local(message));
    await apply(message);
    await follow([outboxEntry(local(message), 'failed', 'refused')]);
    expect(await states()).toEqual([{ id: message.id, state: 'failed', error: 'refused' }]);
  });

  test('a refused write is failed with the reason; the message stays until the user decides', async () => {
    const write = local(f.make('message.create', { body: 'refused' }, { room: channel }));
    await writeLocally(write);
    await follow([outboxEntry(write, 'failed', 'event id is already used in stream X')]);
    expect(await states()).toEqual([{ id: write.id, state: 'failed', error: 'event id is already used in stream X' }]);
    expect(await db.all('SELECT id FROM messages WHERE id = ?', [write.id])).toHaveLength(1);
  });

  test('discarding a message takes it back locally, with its reactions, and says why in the ledger', async () => {
    const write = local(f.make('message.create', { body: 'oops' }, { room: channel }));
    await writeLocally(write);
    await apply(f.make('reaction.add', { messageId: write.id, emoji: '👍' }, { room: channel, user: 'did:plc:bob' }));
    expect(await follow([outboxEntry(write, 'discarded', 'refused')])).toEqual({ discarded: [write.id], rows: 0 });
    expect(await db.all('SELECT id FROM messages WHERE id = ?', [write.id])).toEqual([]);
    expect(await db.all('SELECT * FROM reactions WHERE message = ?', [write.id])).toEqual([]);
    expect(await db.get('SELECT status FROM events WHERE id = ?', [write.id])).toEqual({ status: 'rejected' });
    const rejected = await db.get<{ reason: string }>('SELECT reason FROM rejected_events WHERE event_id = ?', [
      write.id,
    ]);
    expect(rejected?.reason).toMatch(/^discarded by the user after the server refused it: refused/);
  });

  test('discarding a reaction removes it; other writes of the message are untouched', async () => {
    const message = f.make('message.create', { body: 'hello' }, { room: channel });
    await apply(message);
    const reaction = local(f.make('reaction.add', { messageId: message.id, emoji: '🎉' }, { room: channel }));
    const edit = local(f.make('message.edit', { messageId: message.id, body: 'hello!' }, { room: channel }));
    await writeLocally(reaction, edit);
    await follow([outboxEntry(reaction, 'discarded'), outboxEntry(edit, 'pending')]);
    expect(await db.all('SELECT emoji FROM reactions WHERE message = ?', [message.id])).toEqual([]);
    expect(await states()).toEqual([{ id: edit.id, state: 'pending', error: null }]);
  });
});

test('messageOf: a write concerns the message it creates or targets', () => {
  const create = local(f.make('message.create', { body: 'x' }, { room: channel }));
  const edit = local(f.make('message.edit', { messageId: create.id, body: 'y' }, { room: channel }));
  const mark = local(f.make('read.mark', { upTo: create.id }, { room: channel }));
  expect([messageOf(create), messageOf(edit), messageOf(mark)]).toEqual([create.id, create.id, null]);
});
