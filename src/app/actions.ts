/**
 * What a user can do, as events: each action makes an event with a fresh ULID and hands it to the host, which
 * applies it locally at once and queues it for the server.
 */
import { ulid } from 'ulidx';
import type { NewEvent } from '../../protocol/events';
import { getDb } from '../db';
import { currentUser } from './identity';

async function write(event: NewEvent) {
  const result = await getDb().request('write', { events: [event] });
  if (result.rejected.length) throw new Error(result.rejected[0]!.reason);
  return event.id;
}

export function sendMessage(stream: string, room: string, body: string, replyTo?: string) {
  return write({
    id: ulid(),
    stream,
    room,
    type: 'message.create',
    user: currentUser(),
    payload: replyTo ? { body, replyTo } : { body },
  });
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
