/**
 * The delivery state of this device's writes, from the host's `local_writes` table (db-worker/sync/local-writes.ts):
 * one live query for the whole app (the table only holds writes not yet confirmed, so it is tiny), grouped by the
 * message each write concerns. Every DeliveryState reads from it instead of running a query of its own.
 */
import { createMemo, createRoot, type Accessor } from 'solid-js';
import type { QuerySpec } from '../../protocol/messages';
import { getDb } from '../db';
import { createQuery } from '../db/create-query';

export interface LocalWriteRow extends Record<string, unknown> {
  id: string;
  message: string | null;
  type: string;
  state: 'pending' | 'sent' | 'failed';
  error: string | null;
  created_at: number;
}

export const localWritesQuery = (): QuerySpec => ({
  sql: 'SELECT id, message, type, state, error, created_at FROM local_writes ORDER BY created_at, id',
});

let byMessage: Accessor<ReadonlyMap<string, LocalWriteRow[]>> | undefined;

/** Local writes not yet confirmed, by message id. Created on first use and kept for the life of the tab. */
export function localWritesByMessage(): ReadonlyMap<string, LocalWriteRow[]> {
  byMessage ??= createRoot(() => {
    const rows = createQuery<LocalWriteRow>(getDb(), localWritesQuery);
    const grouped = createMemo(() => {
      // Not suspending: a message shows no badge until the first result is in, rather than blanking the timeline.
      if (rows.loading() || rows.error()) return new Map();
      const map = new Map<string, LocalWriteRow[]>();
      for (const row of rows()) {
        if (!row.message) continue;
        const list = map.get(row.message) ?? [];
        list.push(row);
        map.set(row.message, list);
      }
      return map;
    });
    return grouped;
  });
  return byMessage();
}
