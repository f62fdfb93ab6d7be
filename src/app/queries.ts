/**
 * The app's live queries, in one place: each is plain parameterised SQL over the local database (schema:
 * db-worker/schema.ts). They are kept to the simple shapes the reactive engine can maintain incrementally: one
 * table (or one table and a keyed lookup), a filter, an order and a limit. Joins the UI needs (author names,
 * reply previews, reaction counts) are done by the UI between small queries keyed by id, not in SQL, so that a
 * profile change does not re-run the timeline and a new message does not re-run the profiles.
 *
 * Every live query returns a unique key column (`id` unless the spec says `key`): rows are diffed by it.
 */
import type { QuerySpec } from '../../protocol/messages';

export interface SpaceRow extends Record<string, unknown> {
  id: string;
  name: string;
  description: string | null;
}
export type RoomKind = 'category' | 'channel' | 'thread';
export interface RoomRow extends Record<string, unknown> {
  id: string;
  kind: RoomKind;
  name: string;
  parent: string | null;
}
export interface MessageRow extends Record<string, unknown> {
  id: string;
  room: string;
  author: string;
  body: string;
  reply_to: string | null;
  created_at: number;
  edited_at: number | null;
}
export interface ProfileRow extends Record<string, unknown> {
  id: string;
  display_name: string | null;
  avatar_url: string | null;
}
export interface ReactionRow extends Record<string, unknown> {
  id: string;
  message: string;
  emoji: string;
  count: number;
  mine: number;
  /** The first reaction's event id: reactions show in the order they were first given. */
  first: string;
}
export interface ReplyTargetRow extends Record<string, unknown> {
  id: string;
  author: string;
  /** The start of the body: enough for a one-line preview. */
  body: string;
}
export interface UnreadRow extends Record<string, unknown> {
  id: string;
  unread: number;
}
export interface MemberRow extends Record<string, unknown> {
  id: string;
  joined_at: number;
}
export interface ThreadStatsRow extends Record<string, unknown> {
  id: string;
  messages: number;
  latest: string;
}

export const spacesQuery = (): QuerySpec => ({
  sql: 'SELECT id, name, description FROM spaces ORDER BY name, id',
});

/** Every room of a space (categories, channels, threads), for the sidebar tree and the room headers. */
export const roomsQuery = (space: string): QuerySpec => ({
  sql: 'SELECT id, kind, name, parent FROM rooms WHERE space = ? AND deleted = 0 ORDER BY id',
  params: [space],
});

/**
 * The latest `limit` messages of a room, newest first (the UI reverses them). Only columns of `messages`: this is
 * the "latest N of a room" shape that the reactive engine maintains without re-running.
 */
export const timelineQuery = (room: string, limit: number): QuerySpec => ({
  sql: `SELECT id, room, author, body, reply_to, created_at, edited_at
        FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?`,
  params: [room, limit],
});

/** Names and avatars, keyed by user: a small table, read once and patched when someone edits their profile. */
export const profilesQuery = (): QuerySpec => ({
  sql: 'SELECT user AS id, display_name, avatar_url FROM profiles',
});

/**
 * Reactions of the messages on screen, counted per emoji. The messages are given as a range of ids (ULIDs sort
 * by time; `to` null means "and everything newer", so new messages at the bottom are covered without a new
 * query). The range may include other rooms' messages of the same period: harmless, the UI looks reactions up by
 * message id.
 */
export const reactionsQuery = (user: string, from: string, to: string | null): QuerySpec => ({
  sql: `SELECT message || ' ' || emoji AS id, message, emoji, count(*) AS count, max(user = ?) AS mine,
               min(event_id) AS first
        FROM reactions WHERE message >= ?${to ? ' AND message <= ?' : ''}
        GROUP BY message, emoji`,
  params: to ? [user, from, to] : [user, from],
});

/** The messages that the messages on screen reply to, for their previews. */
export const replyTargetsQuery = (ids: readonly string[]): QuerySpec => ({
  sql: `SELECT id, author, substr(body, 1, 160) AS body FROM messages WHERE id IN (${ids.map(() => '?').join(', ')})`,
  params: [...ids],
});

/**
 * Unread messages per room for one user: messages after the user's read mark (all of them without one). One
 * grouped query for the whole sidebar. Driven from the rooms, so that each room is counted from its mark on (a
 * range of the `messages_room (room, id)` index, not the whole room: reading a room recounts only what is left);
 * the engine adds new messages to their room's count without counting again (a "grouped by a key" shape).
 */
export const unreadQuery = (user: string): QuerySpec => ({
  sql: `SELECT rm.id AS id, count(*) AS unread
        FROM rooms rm
        LEFT JOIN read_marks r ON r.room = rm.id AND r.user = ?
        JOIN messages m ON m.room = rm.id AND m.id > coalesce(r.up_to, '')
        GROUP BY rm.id`,
  params: [user],
});

/** The people in a space now (names come from the profiles query). */
export const membersQuery = (space: string): QuerySpec => ({
  sql: 'SELECT user AS id, joined_at FROM members WHERE space = ? AND present = 1',
  params: [space],
});

/** Size and latest activity of each thread under a channel, for the threads board. */
export const threadStatsQuery = (channel: string): QuerySpec => ({
  sql: `SELECT room AS id, count(*) AS messages, max(id) AS latest FROM messages
        WHERE room IN (SELECT id FROM rooms WHERE parent = ? AND kind = 'thread')
        GROUP BY room`,
  params: [channel],
});
