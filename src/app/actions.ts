/**
 * What a user can do, as events: each action makes events with fresh ULIDs and hands them to the host, which
 * applies them locally at once and queues them for the server. Events written together are applied in one
 * transaction, so the UI sees them in one update.
 */
import { ulid } from 'ulidx';
import type { NewEvent } from '../../protocol/events';
import { getDb } from '../db';
import { currentUser } from './identity';

async function write(...events: NewEvent[]) {
  const result = await getDb().request('write', { events });
  if (result.rejected.length) throw new Error(result.rejected[0]!.reason);
  return events[0]!.id;
}

/**
 * Posts a message. It also moves the author's read mark to it: whoever writes in a room has read it, and doing
 * both in one write keeps the room's unread count from flickering up and down.
 */
export function sendMessage(stream: string, room: string, body: string, replyTo?: string) {
  const id = ulid();
  const user = currentUser();
  return write(
    { id, stream, room, type: 'message.create', user, payload: replyTo ? { body, replyTo } : { body } },
    { id: ulid(), stream, room, type: 'read.mark', user, payload: { upTo: id } },
  );
}

export function editMessage(stream: string, room: string, messageId: string, body: string) {
  return write({ id: ulid(), stream, room, type: 'message.edit', user: currentUser(), payload: { messageId, body } });
}

export function deleteMessage(stream: string, room: string, messageId: string) {
  return write({ id: ulid(), stream, room, type: 'message.delete', user: currentUser(), payload: { messageId } });
}

export function toggleReaction(stream: string, room: string, messageId: string, emoji: string, mine: boolean) {
  return write({
    id: ulid(),
    stream,
    room,
    type: mine ? 'reaction.remove' : 'reaction.add',
    user: currentUser(),
    payload: { messageId, emoji },
  });
}

/** Marks a room read up to a message (the newest one seen). */
export function markRead(stream: string, room: string, upTo: string) {
  return write({ id: ulid(), stream, room, type: 'read.mark', user: currentUser(), payload: { upTo } });
}

/** A profile is global, but an event travels in a stream: the space the user is in carries it. */
export function updateProfile(stream: string, changes: { displayName?: string; avatarUrl?: string | null }) {
  return write({ id: ulid(), stream, type: 'profile.update', user: currentUser(), payload: changes });
}

export function joinSpace(stream: string, displayName?: string) {
  const user = currentUser();
  const join: NewEvent = { id: ulid(), stream, type: 'space.join', user, payload: {} };
  if (!displayName) return write(join);
  return write(join, { id: ulid(), stream, type: 'profile.update', user, payload: { displayName } });
}

export async function createThread(stream: string, channel: string, name: string) {
  const room = ulid();
  await write({
    id: ulid(),
    stream,
    room,
    type: 'room.create',
    user: currentUser(),
    payload: { kind: 'thread', name, parent: channel },
  });
  return room;
}
