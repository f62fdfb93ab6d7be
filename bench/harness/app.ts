/**
 * Driving the real app in a tab: what it tells through its console handle (`window.roomy`, docs/worker-manager.md),
 * its sync notices (the BroadcastChannel `roomy-sync`, protocol/sync-store.ts) and its service worker's status.
 * Nothing here is part of the app: scripts are added to the tab before the app's own, and read what any page of the
 * origin could read.
 */
import type { Method, SqlParam } from '../../protocol/messages';
import type { DrainTimings } from '../../protocol/sync-store';
import type { CatchUpStats } from '../../sw/catch-up';
import type { TestServer } from '../../e2e/server';
import type { BenchPage } from './browsers';

export interface SyncRecord {
  /** performance.timeOrigin: the navigation's start (epoch ms). */
  start: number;
  firstProgress: number | null;
  /** When the service worker's inbox held every event up to the heads. */
  received: number | null;
  /** When the host had committed every event up to the heads. */
  applied: number | null;
  drain: DrainTimings | null;
}

/** Records the origin's sync notices from the tab's first script on (for the heads given). */
export async function recordSync(page: BenchPage, heads: Record<string, number>) {
  await page.addInitScript((heads: Record<string, number>) => {
    const record: SyncRecord = {
      start: performance.timeOrigin,
      firstProgress: null,
      received: null,
      applied: null,
      drain: null,
    };
    (window as unknown as { benchSync: SyncRecord }).benchSync = record;
    const received = new Map<string, number>();
    const applied = new Map<string, number>();
    const complete = (m: Map<string, number>) => Object.entries(heads).every(([s, h]) => (m.get(s) ?? 0) >= h);
    new BroadcastChannel('roomy-sync').onmessage = (event: MessageEvent) => {
      const notice = event.data as
        | { type: 'progress'; streams: { stream: string; seq: number }[] }
        | { type: 'applied'; streams: { stream: string; seq: number }[]; drain: DrainTimings }
        | { type: string };
      const now = performance.timeOrigin + performance.now();
      if (notice.type === 'progress' && 'streams' in notice) {
        record.firstProgress ??= now;
        for (const s of notice.streams) received.set(s.stream, Math.max(received.get(s.stream) ?? 0, s.seq));
        if (!record.received && complete(received)) record.received = now;
      } else if (notice.type === 'applied' && 'drain' in notice) {
        for (const s of notice.streams) applied.set(s.stream, Math.max(applied.get(s.stream) ?? 0, s.seq));
        record.drain = notice.drain;
        if (!record.applied && complete(applied)) record.applied = now;
      }
    };
  }, heads);
}

export function syncRecord(page: BenchPage): Promise<SyncRecord> {
  return page.evaluate(() => (window as unknown as { benchSync: SyncRecord }).benchSync, null);
}

export async function waitForApplied(page: BenchPage, timeoutMs: number, onTick?: (r: SyncRecord) => void) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await syncRecord(page);
    if (record.applied) return record;
    onTick?.(record);
    if (Date.now() > deadline) throw new Error(`the backfill did not complete within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface ServiceWorkerStatus {
  catchUp: CatchUpStats;
  writer: { writeMs: number; transactions: number; entries: number; events: number };
}

export function serviceWorkerStatus(page: BenchPage): Promise<ServiceWorkerStatus | null> {
  return page.evaluate(
    () =>
      new Promise<ServiceWorkerStatus | null>((resolve) => {
        const controller = navigator.serviceWorker.controller;
        if (!controller) return resolve(null);
        const timer = setTimeout(() => resolve(null), 5_000);
        navigator.serviceWorker.addEventListener(
          'message',
          (event) => {
            clearTimeout(timer);
            resolve(event.data as ServiceWorkerStatus);
          },
          { once: true },
        );
        controller.postMessage({ type: 'status' });
      }),
    null,
  );
}

export function hostHealth(page: BenchPage) {
  return page.evaluate(() => window.roomy.health(), null);
}

/** A request to the host through the app's WorkerManager (`window.roomy.db()`, docs/worker-manager.md). */
export function request<T>(page: BenchPage, method: Method, params: unknown): Promise<T> {
  return page.evaluate(({ method, params }) => window.roomy.db().request(method, params as never), {
    method,
    params,
  }) as Promise<T>;
}

export function queryLocal<T>(page: BenchPage, sql: string, params: SqlParam[] = []): Promise<T[]> {
  return request<T[]>(page, 'query', { sql, params });
}

/** Waits until the app's console handle exists and its host answers. */
export async function waitForHost(page: BenchPage, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await page
      .evaluate(async () => {
        const roomy = (window as Partial<Window>).roomy;
        if (!roomy) return false;
        await roomy.db().request('query', { sql: 'SELECT 1 AS id' });
        return true;
      }, null)
      .catch(() => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error('the database host did not answer');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface RoomInfo {
  stream: string;
  room: string;
  name: string;
  messages: number;
}

/** The room with the most messages (as a reader sees them: deleted ones excluded), from the server's events. */
export async function largestRoom(server: TestServer): Promise<RoomInfo> {
  const stream = (await server.streams())[0]!.stream;
  const events = await server.events(stream);
  const alive = new Map<string, Set<string>>();
  const names = new Map<string, string>();
  for (const e of events) {
    if (e.type === 'room.create') names.set(e.room, e.payload.name);
    if (e.type === 'message.create') {
      const set = alive.get(e.room) ?? new Set<string>();
      set.add(e.id);
      alive.set(e.room, set);
    } else if (e.type === 'message.delete') alive.get(e.room)?.delete(e.payload.messageId);
  }
  const [room, ids] = [...alive].sort((a, b) => b[1].size - a[1].size)[0]!;
  return { stream, room, name: names.get(room) ?? room, messages: ids.size };
}

export const roomUrl = (server: TestServer, room: RoomInfo) => `${server.url}/space/${room.stream}/room/${room.room}`;

/** The heads of every stream of a server: what a complete backfill must reach. */
export async function serverHeads(server: TestServer): Promise<Record<string, number>> {
  return Object.fromEntries((await server.streams()).map((s) => [s.stream, s.head]));
}

/** The bytes of every event of a server as its API sends them (JSON): the raw size of the data. */
export async function eventBytes(server: TestServer): Promise<number> {
  let bytes = 0;
  for (const { stream } of await server.streams()) {
    for (let after = 0; ;) {
      const response = await fetch(`${server.url}/api/streams/${stream}/events?after=${after}&limit=10000`);
      const text = await response.text();
      const page = JSON.parse(text) as { events: { seq: number }[]; hasMore: boolean };
      bytes += Buffer.byteLength(text);
      if (!page.hasMore || !page.events.length) break;
      after = page.events[page.events.length - 1]!.seq;
    }
  }
  return bytes;
}
