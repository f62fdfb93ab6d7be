/**
 * One handler per event type: the SQL an event becomes. Each handler either applies its event, says which
 * entity it waits for (order tolerance: an edit that arrives before its message), or throws a Rejection.
 *
 * Conflicts are settled so that every replica converges whatever the arrival order:
 * - message edits, reactions and membership: the event with the highest id (a ULID, so the latest) wins;
 * - room, space and profile updates set only the fields they name, in arrival order (the server's seq order).
 * The common path of each handler is one statement; the slower checks run only when it changed nothing.
 */
import { decodeTime } from 'ulidx';
import type { EventOf, EventType, RoomyEvent } from '../../protocol/events';
import type { Database } from '../sqlite/database';

/** What became of one event. `creates` names the entity it brought into being, which waiting events may need. */
export type Outcome = { status: 'applied'; creates?: string } | { status: 'waiting'; waitsFor: string };

export class Rejection extends Error {}

const applied: Outcome = { status: 'applied' };
const waitFor = (id: string): Outcome => ({ status: 'waiting', waitsFor: id });
const timeOf = (ulid: string) => decodeTime(ulid);

type Handler<T extends EventType> = (db: Database, event: EventOf<T>) => Promise<Outcome>;
type Handlers = { [T in EventType]: Handler<T> };

async function tombstoned(db: Database, messageId: string) {
  return (await db.get('SELECT 1 AS x FROM message_tombstones WHERE id = ?', [messageId])) !== undefined;
}

/** A message that is not there is either deleted (the event is moot) or not arrived yet (the event waits). */
async function missingMessage(db: Database, messageId: string): Promise<Outcome> {
  return (await tombstoned(db, messageId)) ? applied : waitFor(messageId);
}

async function roomOf(db: Database, roomId: string) {
  return db.get<{ space: string; kind: string }>('SELECT space, kind FROM rooms WHERE id = ?', [roomId]);
}

/** Rooms named by room events must exist and belong to the event's space. */
async function requireRoom(db: Database, event: RoomyEvent & { room: string }): Promise<Outcome | null> {
  const room = await roomOf(db, event.room);
  if (!room) return waitFor(event.room);
  if (room.space !== event.stream) throw new Rejection(`room ${event.room} belongs to another space`);
  return null;
}

export const handlers: Handlers = {
  async 'space.create'(db, e) {
    const changed = await db.run(
      `INSERT OR IGNORE INTO spaces (id, name, description, creator, created_at, updated_id)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [e.stream, e.payload.name, e.payload.description ?? null, e.user, timeOf(e.id), e.id],
    );
    if (!changed) throw new Rejection(`space ${e.stream} was already created`);
    return { status: 'applied', creates: e.stream };
  },

  async 'space.update'(db, e) {
    const changed = await db.run(
      `UPDATE spaces SET name = coalesce(?, name), description = coalesce(?, description), updated_id = ?
       WHERE id = ?`,
      [e.payload.name ?? null, e.payload.description ?? null, e.id, e.stream],
    );
    return changed ? applied : waitFor(e.stream);
  },

  'space.join': (db, e) => setMembership(db, e, 1),
  'space.leave': (db, e) => setMembership(db, e, 0),

  async 'room.create'(db, e) {
    const { kind, name, parent } = e.payload;
    if (parent === e.room) throw new Rejection('a room cannot be its own parent');
    const changed = await db.run(
      `INSERT OR IGNORE INTO rooms (id, space, kind, name, parent, creator, created_at, updated_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [e.room, e.stream, kind, name, parent ?? null, e.user, timeOf(e.id), e.id],
    );
    if (!changed) throw new Rejection(`room ${e.room} already exists`);
    return { status: 'applied', creates: e.room };
  },

  async 'room.update'(db, e) {
    const missing = await requireRoom(db, e);
    if (missing) return missing;
    const { name, parent } = e.payload;
    if (parent === e.room) throw new Rejection('a room cannot be its own parent');
    await db.run(
      `UPDATE rooms SET name = coalesce(?, name), parent = CASE WHEN ? THEN ? ELSE parent END, updated_id = ?
       WHERE id = ?`,
      [name ?? null, parent !== undefined ? 1 : 0, parent ?? null, e.id, e.room],
    );
    return applied;
  },

  async 'room.delete'(db, e) {
    const missing = await requireRoom(db, e);
    if (missing) return missing;
    await db.run('UPDATE rooms SET deleted = 1, updated_id = ? WHERE id = ?', [e.id, e.room]);
    return applied;
  },

  async 'message.create'(db, e) {
    // One statement on the common path: insert only if the room exists in this space.
    const changed = await db.run(
      `INSERT INTO messages (id, room, author, body, reply_to, created_at)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM rooms WHERE id = ? AND space = ?)`,
      [e.id, e.room, e.user, e.payload.body, e.payload.replyTo ?? null, timeOf(e.id), e.room, e.stream],
    );
    if (changed) return { status: 'applied', creates: e.id };
    const missing = await requireRoom(db, e);
    if (missing) return missing;
    throw new Rejection('message was not stored');
  },

  async 'message.edit'(db, e) {
    const { messageId, body } = e.payload;
    const changed = await db.run(
      `UPDATE messages SET body = ?, edited_at = ?, edit_id = ?
       WHERE id = ? AND author = ? AND room = ? AND (edit_id IS NULL OR edit_id < ?)`,
      [body, timeOf(e.id), e.id, messageId, e.user, e.room, e.id],
    );
    if (changed) return applied;
    const message = await db.get<{ author: string; room: string }>('SELECT author, room FROM messages WHERE id = ?', [
      messageId,
    ]);
    if (!message) return missingMessage(db, messageId);
    if (message.author !== e.user) throw new Rejection('only the author can edit a message');
    if (message.room !== e.room) throw new Rejection(`message ${messageId} is not in room ${e.room}`);
    return applied; // a later edit already won
  },

  async 'message.delete'(db, e) {
    const { messageId } = e.payload;
    const message = await db.get<{ author: string; room: string }>('SELECT author, room FROM messages WHERE id = ?', [
      messageId,
    ]);
    if (!message) return missingMessage(db, messageId);
    if (message.author !== e.user) throw new Rejection('only the author can delete a message');
    if (message.room !== e.room) throw new Rejection(`message ${messageId} is not in room ${e.room}`);
    await db.run('DELETE FROM messages WHERE id = ?', [messageId]);
    await db.run('DELETE FROM reactions WHERE message = ?', [messageId]);
    await db.run('INSERT OR IGNORE INTO message_tombstones (id, room, deleted_at) VALUES (?, ?, ?)', [
      messageId,
      e.room,
      timeOf(e.id),
    ]);
    return applied;
  },

  async 'reaction.add'(db, e) {
    const { messageId, emoji } = e.payload;
    const changed = await db.run(
      `INSERT INTO reactions (message, user, emoji, event_id)
       SELECT ?1, ?2, ?3, ?4
       WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1 AND room = ?5)
         AND NOT EXISTS (SELECT 1 FROM reaction_removals
                         WHERE message = ?1 AND user = ?2 AND emoji = ?3 AND event_id > ?4)
       ON CONFLICT (message, user, emoji) DO UPDATE SET event_id = excluded.event_id
         WHERE excluded.event_id > reactions.event_id`,
      [messageId, e.user, emoji, e.id, e.room],
    );
    if (changed) return applied;
    const message = await db.get<{ room: string }>('SELECT room FROM messages WHERE id = ?', [messageId]);
    if (!message) return missingMessage(db, messageId);
    if (message.room !== e.room) throw new Rejection(`message ${messageId} is not in room ${e.room}`);
    return applied; // already there, or removed later
  },

  async 'reaction.remove'(db, e) {
    const { messageId, emoji } = e.payload;
    const message = await db.get<{ room: string }>('SELECT room FROM messages WHERE id = ?', [messageId]);
    if (!message) return missingMessage(db, messageId);
    if (message.room !== e.room) throw new Rejection(`message ${messageId} is not in room ${e.room}`);
    await db.run('DELETE FROM reactions WHERE message = ? AND user = ? AND emoji = ? AND event_id < ?', [
      messageId,
      e.user,
      emoji,
      e.id,
    ]);
    await db.run(
      `INSERT INTO reaction_removals (message, user, emoji, event_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (message, user, emoji) DO UPDATE SET event_id = excluded.event_id
         WHERE excluded.event_id > reaction_removals.event_id`,
      [messageId, e.user, emoji, e.id],
    );
    return applied;
  },

  async 'profile.update'(db, e) {
    const { displayName, avatarUrl } = e.payload;
    await db.run(
      `INSERT INTO profiles (user, display_name, avatar_url, updated_id) VALUES (?1, ?2, ?4, ?5)
       ON CONFLICT (user) DO UPDATE SET
         display_name = coalesce(?2, display_name),
         avatar_url = CASE WHEN ?3 THEN ?4 ELSE avatar_url END,
         updated_id = ?5`,
      [e.user, displayName ?? null, avatarUrl !== undefined ? 1 : 0, avatarUrl ?? null, e.id],
    );
    return applied;
  },

  async 'read.mark'(db, e) {
    await db.run(
      `INSERT INTO read_marks (user, room, up_to) VALUES (?, ?, ?)
       ON CONFLICT (user, room) DO UPDATE SET up_to = excluded.up_to WHERE excluded.up_to > read_marks.up_to`,
      [e.user, e.room, e.payload.upTo],
    );
    return applied;
  },
};

async function setMembership(db: Database, e: EventOf<'space.join' | 'space.leave'>, present: 0 | 1) {
  await db.run(
    `INSERT INTO members (space, user, joined_at, event_id, present) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (space, user) DO UPDATE SET
       present = excluded.present,
       event_id = excluded.event_id,
       joined_at = CASE WHEN excluded.present THEN excluded.joined_at ELSE joined_at END
     WHERE excluded.event_id > members.event_id`,
    [e.stream, e.user, timeOf(e.id), e.id, present],
  );
  return applied;
}

export function handle(db: Database, event: RoomyEvent): Promise<Outcome> {
  const handler = handlers[event.type] as Handler<EventType>;
  return handler(db, event as never);
}
