/**
 * coldstart and memory.
 *
 * - coldstart: a page load, straight to a room's address, until the room's first message is in the DOM (a
 *   MutationObserver; the next animation frame is reported too), with no host running: every tab of the origin is
 *   closed and the host's Web Lock is free before each load, so the host starts and opens the database afresh (the
 *   service worker stays, as it does for a returning user). With the generated space local, against the same with
 *   a database holding only the small demo space (the nearest to an empty database that still has a room to
 *   paint). Target (the harness's, the issue sets none): within 1.5x.
 * - memory.host-heap: the host's JavaScript heap after a garbage collection, with the room open after a cold start
 *   (Chromium: DevTools protocol on the SharedWorker; WebAssembly memory, where SQLite's page cache lives, is not in
 *   it). Against the same with the demo database; target (the harness's): within 2x, i.e. the data lives in SQLite,
 *   not in JavaScript. Firefox gives automation no per-worker heap figure: reported as not measured.
 * - memory.db-size: page_count × page_size of the local database, against the bytes of the same events as the
 *   server's API sends them (JSON); target (the harness's): at most 1.5x.
 */
import type { TestServer } from '../../e2e/server';
import { queryLocal, waitForHost } from '../harness/app';
import type { BenchBrowser, HeapUsage } from '../harness/browsers';
import { progress } from '../harness/progress';
import { makeRow, type MetricRow } from '../harness/rows';
import { median } from '../harness/stats';

interface Paint {
  first: number | null;
  frame: number | null;
}

function installPaintProbe() {
  const paint: Paint = { first: null, frame: null };
  (window as unknown as { benchPaint: Paint }).benchPaint = paint;
  new MutationObserver((_records, observer) => {
    if (paint.first !== null || !document.querySelector('[data-message-id]')) return;
    paint.first = performance.now();
    observer.disconnect();
    requestAnimationFrame(() => (paint.frame = performance.now()));
  }).observe(document, { childList: true, subtree: true });
}

export interface ColdstartResult {
  firstMessageMs: number[];
  frameMs: number[];
  heap: HeapUsage | null;
  dbBytes: number | null;
}

export const emptyColdstart = (): ColdstartResult => ({ firstMessageMs: [], frameMs: [], heap: null, dbBytes: null });

/**
 * Opens a page of the origin that does not start the app, and waits there until no host holds the database (its
 * Web Lock, db-worker/host-lock.ts): the tabs that used it are closed, and their SharedWorker has ended.
 */
async function pageWithNoHost(browser: BenchBrowser, origin: string) {
  const page = await browser.newPage();
  await page.goto(`${origin}/api/health`);
  const free = await page.evaluate(async () => {
    for (let i = 0; i < 300; i++) {
      const { held = [] } = await navigator.locks.query();
      if (!held.some((lock) => lock.name === 'roomy-db-host')) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }, null);
  if (!free) {
    await page.close();
    throw new Error('the database host did not end after its tabs closed');
  }
  return page;
}

/**
 * One cold start of the room at `url`, added to `into`; with `weigh`, the host's heap and the database's size are
 * taken afterwards, with the room open.
 */
export async function coldstartOnce(
  browser: BenchBrowser,
  server: TestServer,
  url: string,
  into: ColdstartResult,
  weigh: boolean,
) {
  const page = await pageWithNoHost(browser, server.url);
  try {
    await page.addInitScript(installPaintProbe, null);
    await page.goto(url);
    const paint = await page.evaluate(async () => {
      const p = (window as unknown as { benchPaint: Paint }).benchPaint;
      for (let i = 0; i < 1200 && p.frame === null; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      return p;
    }, null);
    if (paint.first === null) throw new Error('the room never showed a message');
    into.firstMessageMs.push(paint.first);
    if (paint.frame !== null) into.frameMs.push(paint.frame);
    if (!weigh) return;
    await waitForHost(page);
    // Let the start's work (sidebar, unread counts, catch-up with the server) finish before weighing the heap.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    into.heap = await browser.workerHeap(server.url).catch((error: unknown) => {
      progress(`  memory: no heap figure: ${error instanceof Error ? error.message : error}`);
      return null;
    });
    const [size] = await queryLocal<{ bytes: number }>(
      page,
      'SELECT (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size()) AS bytes',
    );
    into.dbBytes = size ? Number(size.bytes) : null;
  } finally {
    await page.close();
  }
}

const MB = 2 ** 20;

export function coldstartRows(
  browser: string,
  sizeLabel: string,
  large: ColdstartResult,
  empty: ColdstartResult,
  eventBytes: number | null,
): MetricRow[] {
  const runs = large.firstMessageMs.length;
  const frame = median(large.frameMs);
  const rows = [
    makeRow({
      metric: 'coldstart',
      browser,
      size: `${sizeLabel} local, largest room, median of ${runs}`,
      value: median(large.firstMessageMs),
      unit: 'ms',
      baseline: median(empty.firstMessageMs),
      target: { ratio: { max: 1.5 } },
      note:
        `page load → first message in the DOM (next frame at ${frame?.toFixed(0) ?? '?'} ms); baseline: the same with ` +
        `only the demo space local (next frame at ${median(empty.frameMs)?.toFixed(0) ?? '?'} ms); target set by the harness`,
    }),
  ];
  const heapNote = large.heap
    ? `after a GC, room open; baseline: the same with only the demo space local; total heap ${(large.heap.totalBytes / MB).toFixed(1)} MB; target set by the harness`
    : browser === 'firefox'
      ? 'Firefox gives automation no per-worker heap figure (no DevTools protocol; about:memory is not reachable over WebDriver BiDi)'
      : 'the worker heap could not be read';
  rows.push(
    makeRow({
      metric: 'memory.host-heap',
      browser,
      size: `${sizeLabel} local`,
      value: large.heap ? large.heap.usedBytes / MB : null,
      unit: 'MB',
      baseline: empty.heap ? empty.heap.usedBytes / MB : null,
      target: { ratio: { max: 2 } },
      note: heapNote,
    }),
    makeRow({
      metric: 'memory.db-size',
      browser,
      size: `${sizeLabel} local`,
      value: large.dbBytes === null ? null : large.dbBytes / MB,
      unit: 'MB',
      baseline: eventBytes === null ? null : eventBytes / MB,
      target: { ratio: { max: 1.5 } },
      note: "page_count × page_size; baseline: the same events as JSON from the server's API; target set by the harness",
    }),
  );
  return rows;
}
