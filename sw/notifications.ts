/**
 * What a push wake-up tells the user: "3 new messages in #general", and where a click on it leads. Pure functions
 * over the events a catch-up brought in and the room names the service worker keeps (sync-store `rooms`).
 */
import type { RoomyEvent } from '../protocol/events';

export interface NewMessages {
  count: number;
  /** Rooms with new messages, most recent message last. */
  rooms: Map<string, { stream: string; count: number }>;
  last: { stream: string; room: string; user: string; body: string } | null;
}

export const noNewMessages = (): NewMessages => ({ count: 0, rooms: new Map(), last: null });

/** Adds the message.create events of a run to the tally (edits, reactions and the rest are not news). */
export function countNewMessages(tally: NewMessages, events: readonly RoomyEvent[]): NewMessages {
  for (const event of events) {
    if (event.type !== 'message.create') continue;
    tally.count++;
    const room = tally.rooms.get(event.room) ?? { stream: event.stream, count: 0 };
    room.count++;
    tally.rooms.delete(event.room); // re-insert: the map's order is "most recent last"
    tally.rooms.set(event.room, room);
    tally.last = { stream: event.stream, room: event.room, user: event.user, body: event.payload.body };
  }
  return tally;
}

export interface NotificationContent {
  title: string;
  body: string;
  /** One notification per stream: a newer one replaces it. */
  tag: string;
  /** The app URL a click opens: the room of the latest message. */
  url: string;
}

const BODY_CHARS = 140;

/** Null when there is nothing to tell. `roomName` answers from what the service worker knows, or null. */
export function describeNewMessages(
  tally: NewMessages,
  roomName: (room: string) => string | null,
): NotificationContent | null {
  if (!tally.count || !tally.last) return null;
  const { stream, room, user, body } = tally.last;
  const plural = tally.count === 1 ? 'message' : 'messages';
  const name = roomName(room);
  const title =
    tally.rooms.size === 1
      ? `${tally.count} new ${plural} in ${name ? `#${name}` : 'a room'}`
      : `${tally.count} new ${plural} in ${tally.rooms.size} rooms`;
  const author = user.replace(/^did:[a-z0-9]+:/, '');
  const text = body.length > BODY_CHARS ? `${body.slice(0, BODY_CHARS - 1)}…` : body;
  return { title, body: `${author}: ${text}`, tag: `roomy-${stream}`, url: roomPath(stream, room) };
}

/** The app's route of a room (src/index.tsx). */
export function roomPath(stream: string, room: string): string {
  return `/space/${stream}/room/${room}`;
}
