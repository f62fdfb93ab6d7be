/**
 * The app's live queries, in one place: each is plain parameterised SQL over the local database.
 */
import type { QuerySpec } from '../../protocol/messages';

export interface SpaceRow extends Record<string, unknown> {
  id: string;
  name: string;
  description: string | null;
}
export interface RoomRow extends Record<string, unknown> {
  id: string;
  kind: 'category' | 'channel' | 'thread';
  name: string;
  parent: string | null;
}
export interface MessageRow extends Record<string, unknown> {
  id: string;
  author: string;
  author_name: string;
  avatar_url: string | null;
  body: string;
  reply_to: string | null;
  created_at: number;
  edited_at: number | null;
}
export interface ReactionRow extends Record<string, unknown> {
  id: string;
  message: string;
  emoji: string;
  count: number;
  mine: number;
}
export interface ProfileRow extends Record<string, unknown> {
  id: string;
  name: string;
}

export const spacesQuery = (): QuerySpec => ({
  sql: 'SELECT id, name, description FROM spaces ORDER BY name, id',
});

export const roomsQuery = (space: string): QuerySpec => ({
  sql: `SELECT id, kind, name, parent FROM rooms WHERE space = ? AND deleted = 0 ORDER BY name, id`,
  params: [space],
});

/** The latest `limit` messages of a room, oldest first. */
export const messagesQuery = (room: string, limit: number): QuerySpec => ({
  sql: `SELECT * FROM (
          SELECT m.id, m.author, coalesce(p.display_name, m.author) AS author_name, p.avatar_url,
                 m.body, m.reply_to, m.created_at, m.edited_at
          FROM messages m LEFT JOIN profiles p ON p.user = m.author
          WHERE m.room = ? ORDER BY m.id DESC LIMIT ?
        ) ORDER BY id`,
  params: [room, limit],
});

/** Reactions of the latest `limit` messages of a room, counted per emoji. */
export const reactionsQuery = (room: string, limit: number, user: string): QuerySpec => ({
  sql: `SELECT r.message || ' ' || r.emoji AS id, r.message, r.emoji, count(*) AS count, max(r.user = ?) AS mine
        FROM reactions r
        WHERE r.message IN (SELECT id FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?)
        GROUP BY r.message, r.emoji ORDER BY r.message, min(r.event_id)`,
  params: [user, room, limit],
});

/** People of a space, for the identity picker and author names. */
export const peopleQuery = (space: string): QuerySpec => ({
  sql: `SELECT m.user AS id, coalesce(p.display_name, m.user) AS name
        FROM members m LEFT JOIN profiles p ON p.user = m.user
        WHERE m.space = ? AND m.present = 1 ORDER BY name`,
  params: [space],
});
