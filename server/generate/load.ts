/**
 * Appends generated events straight into the store (no HTTP), in transactions of a few thousand events: one
 * transaction per event would be bound by fsync, one for everything would hold the write lock for seconds.
 */
import type { NewEvent } from '../../protocol/events';
import type { EventStore } from '../event-store';

export interface LoadResult {
  stream: string;
  /** Events the generator produced. */
  events: number;
  /** Events newly stored (a second load of the same space adds none: ids are idempotency keys). */
  added: number;
  rejected: { id: string | null; error: string }[];
  countsByType: Record<string, number>;
  head: number;
}

export function loadEvents(store: EventStore, events: Iterable<NewEvent>, chunkSize = 5_000): LoadResult {
  let stream: string | undefined;
  let headBefore = 0;
  let total = 0;
  const rejected: LoadResult['rejected'] = [];
  const countsByType: Record<string, number> = {};
  let chunk: NewEvent[] = [];
  const flush = () => {
    if (stream && chunk.length > 0) rejected.push(...store.append(stream, chunk).rejected);
    chunk = [];
  };
  for (const event of events) {
    if (stream === undefined) {
      stream = event.stream;
      headBefore = store.head(stream);
    } else if (event.stream !== stream) {
      throw new Error(`loadEvents takes the events of one stream; got ${event.stream} after ${stream}`);
    }
    chunk.push(event);
    total += 1;
    countsByType[event.type] = (countsByType[event.type] ?? 0) + 1;
    if (chunk.length >= chunkSize) flush();
  }
  flush();
  if (stream === undefined) throw new Error('no events to load');
  const head = store.head(stream);
  return { stream, events: total, added: head - headBefore, rejected, countsByType, head };
}
