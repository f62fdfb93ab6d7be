/**
 * Backfill of a big space into an empty browser: progress is shown, every event arrives exactly once.
 *
 * With ROOMY_BENCH_DATA=<a data folder made by `npm run generate -- --preset roomy-largest --seed 1 --data-dir DIR`>
 * the second test measures the backfill of that space instead (events/s end to end, and where the time goes) and
 * prints the numbers; ROOMY_BENCH_RUNS repeats it (the median is what to report).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { openEventStore } from '../server/event-store';
import { loadEvents } from '../server/generate/load';
import { generateSpace } from '../server/generate/space';
import { expect, test } from './fixtures';
import { TestServer } from './server';
import { newAppContext, queryLocal, recordSyncTimeline, serviceWorkerStatus, syncTimeline } from './sync-helpers';

async function localLedger(page: Page, stream: string) {
  const [row] = await queryLocal<{ n: number; seqs: number; top: number }>(
    page,
    'SELECT count(*) AS n, count(DISTINCT seq) AS seqs, max(seq) AS top FROM events WHERE stream = ?',
    [stream],
  );
  return row;
}

test('a backfill of 13,000 events shows a progress bar and ends with every event applied once', async ({
  browser,
  strategy,
}) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'roomy-backfill-'));
  const store = openEventStore(dataDir);
  const { stream } = loadEvents(store, generateSpace({ preset: 'small', seed: 7, messages: 12_000 }));
  const head = store.head(stream);
  store.close();
  const server = await TestServer.start({ dataDir });
  const context = await newAppContext(browser, strategy);
  try {
    const page = await context.newPage();
    await recordSyncTimeline(page, { [stream]: head });
    await page.goto(server.url);
    await expect(page.getByRole('status').filter({ hasText: /^live$/ })).toBeVisible({ timeout: 60_000 });
    await expect.poll(async () => (await syncTimeline(page)).applied !== null).toBe(true);
    // The app writes too (joining, read marks), so the server's head moves on: read it again at every look.
    await expect
      .poll(async () => {
        const head = (await server.streams()).find((s) => s.stream === stream)!.head;
        const local = await localLedger(page, stream);
        return local?.n === head && local.seqs === head && local.top === head ? 'every event once' : { head, local };
      })
      .toBe('every event once');
    // Each event went through the inbox once: the drain saw exactly as many as the server has (read again: a read
    // mark the app writes meanwhile comes back through the inbox too).
    const serverHead = async () => (await server.streams()).reduce((n, s) => n + s.head, 0);
    await expect
      .poll(async () => {
        const [drained, onServer] = [(await syncTimeline(page)).drain?.events, await serverHead()];
        return drained === onServer || { drained, onServer };
      })
      .toBe(true);
    const timeline = await syncTimeline(page);
    expect(timeline.progressBarSeen).toBe(true);
    await expect(page.locator('.sync-progress')).toBeHidden();
  } finally {
    await context.close();
    await server.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('benchmark: backfill of ROOMY_BENCH_DATA into an empty browser', async ({ browser, strategy }, testInfo) => {
  const dataDir = process.env.ROOMY_BENCH_DATA;
  test.skip(!dataDir, 'set ROOMY_BENCH_DATA to a generated data folder');
  test.setTimeout(600_000);
  const server = await TestServer.start({ dataDir });
  try {
    const streams = await server.streams();
    const heads = Object.fromEntries(streams.map((s) => [s.stream, s.head]));
    const total = streams.reduce((n, s) => n + s.head, 0);
    const runs = Number(process.env.ROOMY_BENCH_RUNS ?? 1);
    const results = [];
    for (let run = 0; run < runs; run++) {
      const context = await newAppContext(browser, strategy);
      const page = await context.newPage();
      await recordSyncTimeline(page, heads);
      await page.goto(server.url);
      await expect.poll(async () => (await syncTimeline(page)).applied !== null, { timeout: 300_000 }).toBe(true);
      const t = await syncTimeline(page);
      const sw = await serviceWorkerStatus(page);
      const seconds = (t.applied! - t.start) / 1000;
      const result = {
        browser: testInfo.project.name,
        events: total,
        totalS: +seconds.toFixed(2),
        eventsPerS: Math.round(total / seconds),
        firstProgressS: +((t.firstProgress! - t.start) / 1000).toFixed(2),
        receivedS: +((t.received! - t.start) / 1000).toFixed(2),
        sw: {
          pages: sw.catchUp.pages,
          networkMs: Math.round(sw.catchUp.networkMs),
          parseMs: Math.round(sw.catchUp.parseMs),
          idbWriteMs: Math.round(sw.writer.writeMs),
          idbTransactions: sw.writer.transactions,
        },
        host: t.drain && {
          batches: t.drain.batches,
          readMs: Math.round(t.drain.readMs),
          applyMs: Math.round(t.drain.applyMs),
          deleteMs: Math.round(t.drain.deleteMs),
        },
      };
      console.log(JSON.stringify(result));
      results.push(result);
      await context.close();
    }
    const sorted = results.map((r) => r.eventsPerS).sort((a, b) => a - b);
    console.log(`median events/s (${testInfo.project.name}): ${sorted[Math.floor(sorted.length / 2)]}`);
  } finally {
    await server.dispose();
  }
});
