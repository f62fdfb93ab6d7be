/**
 * Catch-up by pages: `GET /api/streams` for the heads, then `GET /api/streams/:s/events?after=<cursor>&limit=N`
 * until each stream's cursor reaches its head. Used for the backfill of a new client, after every reconnect of the
 * live tail, and on a push wake-up.
 *
 * Why pages rather than the tail's SSE backlog: a page is one HTTP response that the browser parses with its native
 * JSON parser and that goes into the inbox as one record; the SSE backlog comes in 200-event messages through a
 * JavaScript SSE parser. The next page is requested while the current one is written, so the network and
 * IndexedDB overlap (and the host drains the inbox at the same time, in its own thread). Pages are plain HTTP
 * responses, so no browser's frame size limit applies (Safari truncated large WebSocket frames for Roomy).
 */
import { API, PAGE_LIMIT, type EventsPage, type StreamsList } from '../protocol/api';
import type { RoomyEvent } from '../protocol/events';
import type { SyncDb } from '../protocol/sync-store';
import type { InboxWriter } from './inbox-writer';

/** Events per page: the server's maximum, for the fewest requests and inbox records (measurements: sw/README.md). */
export const CATCH_UP_PAGE = PAGE_LIMIT.max;

export interface CatchUpOptions {
  /** Only these streams; default every stream the server has (the app follows them all). */
  streams?: readonly string[];
  signal?: AbortSignal;
  /** Told the new events of each page once they are durable in the inbox (push notifications count them). */
  onEvents?: (events: RoomyEvent[]) => void;
  pageSize?: number;
}

/** Time spent, for the backfill measurements. */
export interface CatchUpStats {
  pages: number;
  events: number;
  /** Waiting for a page's bytes (request to the last byte). */
  networkMs: number;
  parseMs: number;
  /** Waiting for the inbox write (overlaps the next page's network time). */
  writeWaitMs: number;
  lastRun: { startedAt: number; ms: number; events: number } | null;
}

export const newCatchUpStats = (): CatchUpStats => ({
  pages: 0,
  events: 0,
  networkMs: 0,
  parseMs: 0,
  writeWaitMs: 0,
  lastRun: null,
});

interface FetchedPage {
  page: EventsPage;
  json: string;
}

/** Brings the inbox up to the server's head for every stream asked for. Resolves with the count of new events. */
export async function catchUp(
  db: SyncDb,
  writer: InboxWriter,
  stats: CatchUpStats,
  options: CatchUpOptions = {},
): Promise<number> {
  const startedAt = Date.now();
  const started = performance.now();
  const { signal, onEvents } = options;
  const pageSize = options.pageSize ?? CATCH_UP_PAGE;
  const { streams } = await getJson<StreamsList>(API.streams, signal);
  const cursors = new Map((await db.getAll('cursors')).map((c) => [c.stream, c.seq]));
  const wanted = options.streams ? new Set(options.streams) : null;
  let total = 0;
  for (const { stream, head } of streams) {
    if (wanted && !wanted.has(stream)) continue;
    let after = cursors.get(stream) ?? 0;
    if (head <= after) continue;
    let next: Promise<FetchedPage> | null = fetchPage(stream, after, pageSize, stats, signal);
    while (next) {
      const { page, json } = await next;
      next = null;
      const last = page.events[page.events.length - 1]?.seq;
      if (last === undefined) break;
      // Ask for the next page before writing this one: the two overlap.
      if (page.hasMore) {
        next = fetchPage(stream, last, pageSize, stats, signal);
        next.catch(() => {}); // if the write below fails, nobody awaits it
      }
      const writeStarted = performance.now();
      const fresh = await writer.write({ stream, events: page.events, head: page.head, json });
      stats.writeWaitMs += performance.now() - writeStarted;
      total += fresh.length;
      if (fresh.length) onEvents?.(fresh);
      after = last;
    }
  }
  stats.events += total;
  stats.lastRun = { startedAt, ms: performance.now() - started, events: total };
  return total;
}

async function fetchPage(
  stream: string,
  after: number,
  limit: number,
  stats: CatchUpStats,
  signal?: AbortSignal,
): Promise<FetchedPage> {
  const started = performance.now();
  const query = new URLSearchParams({ after: String(after), limit: String(limit) });
  const response = await fetch(`${API.events(stream)}?${query}`, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`events page answered ${response.status}`);
  const json = await response.text();
  const parsed = performance.now();
  stats.networkMs += parsed - started;
  const page = JSON.parse(json) as EventsPage;
  stats.parseMs += performance.now() - parsed;
  stats.pages++;
  return { page, json };
}

async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}
