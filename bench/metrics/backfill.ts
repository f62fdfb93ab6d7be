/**
 * backfill.roomy-largest and ingest.ratio: a generated space backfilled into an empty browser through the whole
 * pipeline (server → service worker → IndexedDB inbox → host → SQLite commit).
 *
 * - backfill: from the navigation's start (an empty origin: app download, service worker install and all) to the
 *   host's commit of the last event. Set against Roomy's client, which took 12 s for 121k events (a published
 *   claim, not measured here); the target is 4x its rate.
 * - ingest: the pipeline's own rate, from the service worker's first request for events to the last commit, set
 *   against raw wa-sqlite inserts of the same message rows in the same context and VFS, measured in this run
 *   (vfs.bulk: one prepared INSERT per row into the app's `messages` table with its indexes, 10k rows per
 *   transaction, no hooks). Target ≥ 0.5.
 */
import type { TestServer } from '../../e2e/server';
import {
  hostHealth,
  recordSync,
  serverHeads,
  serviceWorkerStatus,
  waitForApplied,
  type ServiceWorkerStatus,
  type SyncRecord,
} from '../harness/app';
import type { BenchBrowser, ProfileSummary } from '../harness/browsers';
import { progress } from '../harness/progress';
import { makeRow, type MetricRow } from '../harness/rows';
import { figureOf, type VfsFigure } from './vfs';

/** Roomy's client: 121k events backfilled in 12 s. */
export const ROOMY_CLAIM = { events: 121_000, seconds: 12 };
const ROOMY_RATE = ROOMY_CLAIM.events / ROOMY_CLAIM.seconds;

export interface BackfillResult {
  strategy: string;
  vfs: string;
  events: number;
  seconds: number;
  eventsPerS: number;
  /** Service worker's first request for events → last commit. */
  ingestSeconds: number;
  ingestEventsPerS: number;
  /** Navigation start → every event in the inbox. */
  receivedSeconds: number | null;
  sync: SyncRecord;
  sw: ServiceWorkerStatus | null;
  profile: ProfileSummary | null;
}

export async function measureBackfill(
  browser: BenchBrowser,
  server: TestServer,
  options: { strategy: 'auto' | 'dedicated'; timeoutMs: number; profile: boolean },
): Promise<BackfillResult> {
  const heads = await serverHeads(server);
  const events = Object.values(heads).reduce((a, b) => a + b, 0);
  const page = await browser.newPage();
  try {
    if (options.strategy !== 'auto') {
      // As the app's runtime switch stores it (e2e/fixtures.ts does the same).
      await page.addInitScript((s) => localStorage.setItem('roomy.db.strategy', s), options.strategy);
    }
    await recordSync(page, heads);
    const profiler = options.profile && options.strategy === 'auto' ? browser.profileWorker(server.url) : null;
    await page.goto(server.url);
    const profiling = profiler ? await profiler.catch(() => null) : null;
    let lastLog = 0;
    const record = await waitForApplied(page, options.timeoutMs, (r) => {
      if (Date.now() - lastLog < 5_000) return;
      lastLog = Date.now();
      progress(`  backfill: ${r.drain?.events ?? 0} of ${events} events applied`);
    });
    const profile = profiling ? await profiling.stop() : null;
    const sw = await serviceWorkerStatus(page);
    const health = await hostHealth(page);
    const seconds = (record.applied! - record.start) / 1000;
    // The first catch-up run is the backfill, unless the tail reconnected since (then fall back to the first page).
    const run = sw?.catchUp.lastRun;
    const ingestStart =
      run && run.events >= events * 0.9
        ? run.startedAt
        : (record.firstProgress ?? record.start) - (sw ? sw.catchUp.networkMs / Math.max(1, sw.catchUp.pages) : 0);
    const ingestSeconds = (record.applied! - ingestStart) / 1000;
    return {
      strategy: String(health.strategy ?? options.strategy),
      vfs: String(health.vfs ?? ''),
      events,
      seconds,
      eventsPerS: events / seconds,
      ingestSeconds,
      ingestEventsPerS: events / ingestSeconds,
      receivedSeconds: record.received ? (record.received - record.start) / 1000 : null,
      sync: record,
      sw,
      profile,
    };
  } finally {
    await page.close();
  }
}

const s = (ms: number | undefined) => (ms === undefined ? '?' : (ms / 1000).toFixed(1));

/** Where the time went, from the host's drain counters and the service worker's. */
export function describeBackfill(r: BackfillResult): string {
  const d = r.sync.drain;
  const parts = [`${r.events} events in ${r.seconds.toFixed(1)} s (${r.strategy} host, ${r.vfs})`];
  if (r.receivedSeconds !== null) parts.push(`all in the inbox at ${r.receivedSeconds.toFixed(1)} s`);
  if (d) {
    parts.push(
      `host: applying ${s(d.applyMs)} s in ${d.batches} transactions, reading the inbox ${s(d.readMs)} s, deleting ${s(d.deleteMs)} s`,
    );
  }
  if (r.sw) {
    parts.push(
      `service worker: ${r.sw.catchUp.pages} pages, network ${s(r.sw.catchUp.networkMs)} s, parse ${s(r.sw.catchUp.parseMs)} s, inbox writes ${s(r.sw.writer.writeMs)} s`,
    );
  }
  return parts.join('; ');
}

export function backfillRows(
  browser: string,
  sizeLabel: string,
  r: BackfillResult,
  raw: VfsFigure | undefined,
): MetricRow[] {
  const context = r.strategy === 'auto' ? 'shared' : r.strategy;
  const size = `${sizeLabel}, ${Math.round(r.events / 1000)}k events · ${context} host, ${r.vfs}`;
  const where = describeBackfill(r);
  const rows = [
    makeRow({
      metric: 'backfill.roomy-largest',
      browser,
      size,
      value: r.eventsPerS,
      unit: 'events/s',
      baseline: ROOMY_RATE,
      target: { ratio: { min: 4 } },
      note: `baseline: Roomy's client, 121k events in 12 s (claim); ${where}`,
    }),
    makeRow({
      metric: 'backfill.roomy-largest.time',
      browser,
      size,
      value: r.seconds,
      unit: 's',
      baseline: (ROOMY_CLAIM.seconds * r.events) / ROOMY_CLAIM.events,
      target: { ratio: { max: 0.25 } },
      note: "baseline: Roomy's client's time for as many events (12 s per 121k)",
    }),
  ];
  const rawNote = raw
    ? `baseline: raw insert of the same message rows, ${raw.context}/${raw.vfs}, ${raw.build} build (vfs.bulk)` +
      (raw.wrapperRowsPerS ? `; through the app's Database wrapper ${Math.round(raw.wrapperRowsPerS)} rows/s` : '')
    : `no raw insert figure for ${context}/${r.vfs} in this run`;
  rows.push(
    makeRow({
      metric: 'ingest.ratio',
      browser,
      size,
      value: r.ingestEventsPerS,
      unit: 'events/s',
      baseline: raw ? figureOf(raw, 'bulkRowsPerS') : null,
      target: { ratio: { min: 0.5 } },
      note: `pipeline from the service worker's first request to the last commit, ${r.ingestSeconds.toFixed(1)} s; ${rawNote}`,
    }),
  );
  return rows;
}
