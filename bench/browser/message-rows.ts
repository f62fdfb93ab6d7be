/**
 * The rows a raw-insert baseline writes: the `messages` rows of the generated roomy-largest space, exactly the
 * values the materializer would store for its message.create events (same ids, rooms, authors, bodies, replies and
 * creation times), so that "raw" differs from the pipeline only in what the pipeline does around the insert.
 */
import { decodeTime } from 'ulidx';
import { generateSpace } from '../../server/generate/space';

export type MessageRow = [id: string, room: string, author: string, body: string, replyTo: string | null, at: number];

export const INSERT_MESSAGE =
  'INSERT INTO messages (id, room, author, body, reply_to, created_at) VALUES (?, ?, ?, ?, ?, ?)';

export function messageRows(count: number): MessageRow[] {
  const rows: MessageRow[] = [];
  for (const event of generateSpace({ preset: 'roomy-largest', seed: 1 })) {
    if (event.type !== 'message.create') continue;
    rows.push([
      event.id,
      event.room,
      event.user,
      event.payload.body,
      event.payload.replyTo ?? null,
      decodeTime(event.id),
    ]);
    if (rows.length >= count) break;
  }
  return rows;
}
