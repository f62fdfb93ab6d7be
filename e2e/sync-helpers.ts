/** Helpers of the sync specs (e2e/sync-*.spec.ts): reading the local database and the sync notices of a page. */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { SqlParam } from '../protocol/messages';
import type { DrainTimings, StreamPosition, SyncNotice } from '../protocol/sync-store';
import type { CatchUpStats } from '../sw/catch-up';
import type { StrategyOption } from './fixtures';

/** Runs a read-only query on the page's local database. */
export function queryLocal<T>(page: Page, sql: string, params: SqlParam[] = []): Promise<T[]> {
  return page.evaluate(([sql, params]) => window.roomy.db().request('query', { sql, params }), [
    sql,
    params,
  ] as const) as Promise<T[]>;
}

/**
 * For a failure message: the events one side lacks (entries are event ids, or `id:seq`), and what the page's local
 * ledger says of the missing ones.
 */
export async function ledgerDifference(page: Page, local: string[], remote: string[]) {
  const [have, known] = [new Set(local), new Set(remote)];
  const missing = remote.filter((entry) => !have.has(entry)).slice(0, 5);
  const extra = local.filter((entry) => !known.has(entry)).slice(0, 5);
  const ledger = await queryLocal(
    page,
    'SELECT id, seq, type, status FROM events WHERE id IN (SELECT value FROM json_each(?))',
    [JSON.stringify(missing.map((entry) => entry.split(':')[0]))],
  );
  return { local: local.length, server: remote.length, missing, extra, ledger };
}

export interface SyncTimeline {
  /** performance.timeOrigin of the page: the navigation's start. */
  start: number;
  firstProgress: number | null;
  /** When the service worker's inbox had every event up to the heads given. */
  received: number | null;
  /** When the host had applied every event up to the heads given. */
  applied: number | null;
  drain: DrainTimings | null;
  progressBarSeen: boolean;
}

type TimelineWindow = Window & { syncTimeline: SyncTimeline };

/**
 * Records, from the page's first script on, the sync notices of the origin: when the inbox had everything, when
 * the host had applied everything, the host's drain timings, and whether a progress bar was ever on screen.
 */
export async function recordSyncTimeline(page: Page, heads: Record<string, number>) {
  await page.addInitScript((heads: Record<string, number>) => {
    const t: SyncTimeline = {
      start: performance.timeOrigin,
      firstProgress: null,
      received: null,
      applied: null,
      drain: null,
      progressBarSeen: false,
    };
    (window as unknown as TimelineWindow).syncTimeline = t;
    const received = new Map<string, number>();
    const applied = new Map<string, number>();
    const done = (m: Map<string, number>) => Object.entries(heads).every(([s, h]) => (m.get(s) ?? 0) >= h);
    new BroadcastChannel('roomy-sync').onmessage = (event: MessageEvent<SyncNotice>) => {
      const n = event.data;
      const now = performance.timeOrigin + performance.now();
      if (n.type === 'progress') {
        t.firstProgress ??= now;
        for (const s of n.streams as StreamPosition[]) received.set(s.stream, s.seq);
        if (!t.received && done(received)) t.received = now;
      } else if (n.type === 'applied') {
        for (const s of n.streams) applied.set(s.stream, Math.max(applied.get(s.stream) ?? 0, s.seq));
        t.drain = n.drain;
        if (!t.applied && done(applied)) t.applied = now;
      }
    };
    new MutationObserver(() => {
      if (document.querySelector('.sync-progress progress')) t.progressBarSeen = true;
    }).observe(document, { childList: true, subtree: true });
  }, heads);
}

export function syncTimeline(page: Page): Promise<SyncTimeline> {
  return page.evaluate(() => (window as unknown as TimelineWindow).syncTimeline);
}

export interface ServiceWorkerStatus {
  catchUp: CatchUpStats;
  writer: { writeMs: number; transactions: number; entries: number; events: number };
}

/** Asks the controlling service worker for its counters. */
export function serviceWorkerStatus(page: Page): Promise<ServiceWorkerStatus> {
  return page.evaluate(
    () =>
      new Promise<ServiceWorkerStatus>((resolve) => {
        navigator.serviceWorker.addEventListener('message', (e) => resolve(e.data as ServiceWorkerStatus), {
          once: true,
        });
        navigator.serviceWorker.controller!.postMessage({ type: 'status' });
      }),
  );
}

/**
 * A new browser context that uses the host strategy the project forces (e2e/fixtures.ts does the same for the
 * `context` fixture), for tests that need contexts of their own.
 */
export async function newAppContext(browser: Browser, strategy: StrategyOption): Promise<BrowserContext> {
  const context = await browser.newContext();
  if (strategy !== 'auto') {
    await context.addInitScript((s) => localStorage.setItem('roomy.db.strategy', s), strategy);
  }
  return context;
}
