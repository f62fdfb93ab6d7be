/**
 * `npm run bench [-- --quick]`: builds the app, starts event servers on temporary data folders, drives headless
 * Chromium and Firefox ESR, and prints one JSON object per line on stdout:
 *   {"metric","browser","size","value","unit","baseline","ratio","target","ok"[,"note"]}
 * then writes the same as a table to bench/RESULTS.md (bench/RESULTS-quick.md with --quick). Progress goes to
 * stderr. What each metric measures and against what: bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestServer } from '../e2e/server';
import { eventBytes, largestRoom, recordSync, roomUrl, serverHeads, waitForApplied } from './harness/app';
import { BenchPages } from './harness/bench-pages';
import { servePages, type PagesServer } from './harness/pages-server';
import { BROWSERS, type BenchBrowser, type BrowserName, type ProfileSummary } from './harness/browsers';
import { buildApp, buildBenchPages } from './harness/build';
import { copyDataset, generateDataset } from './harness/data';
import { describeMachine } from './harness/machine';
import { parseOptions, type MetricGroup, type Options } from './harness/options';
import { progress } from './harness/progress';
import { printRow, writeResults } from './harness/report';
import { failedRows, type MetricRow, type Target } from './harness/rows';
import { backfillRows, measureBackfill, type BackfillResult } from './metrics/backfill';
import { coldstartOnce, coldstartRows, emptyColdstart } from './metrics/coldstart';
import { engineRows, measureEngine } from './metrics/engine';
import { latencyRows, measureLatency, type LatencyResult } from './metrics/latency';
import { measureProtocol, protocolRows, type ProtocolResult } from './metrics/protocol';
import { measureVfs, rawInsert, vfsRows, type VfsResults } from './metrics/vfs';

const options = parseOptions(process.argv.slice(2));
const { sizes } = options;
const started = performance.now();
const machine = describeMachine();
const tmp = mkdtempSync(join(tmpdir(), 'roomy-bench-'));
const rows: MetricRow[] = [];

function emit(batch: MetricRow[]) {
  for (const row of batch) {
    rows.push(row);
    printRow(row);
  }
}

type Expected = { metric: string; unit: string; size: string; target?: Target }[];

/** Runs one measurement; if it throws, its rows are still reported, unmeasured, with the reason. */
async function attempt<T>(browser: string, label: string, expected: Expected, fn: () => Promise<T>): Promise<T | null> {
  progress(`${browser}: ${label}`);
  try {
    return await fn();
  } catch (error) {
    progress(`${browser}: ${label} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    emit(failedRows(expected, browser, error));
    return null;
  }
}

const wants = (group: MetricGroup) => options.only.has(group);
const size = sizes.dataset.label;
const vfsSize = `${sizes.vfs.rows / 1000}k rows`;
const fanoutSize = `${Math.max(...sizes.fanout.counts)} subscriptions`;
const latestSize = `rooms of ${sizes.latest.sizes.join(' and ')} messages`;
const latencyTarget = { value: { max: 16 }, ratio: { max: 2 } };

/** The rows each group must report: used when it fails before it can make them itself. */
const EXPECTED: Record<MetricGroup, Expected> = {
  vfs: [
    { metric: 'vfs.bulk.shared.default', unit: 'rows/s', size: vfsSize, target: { ratio: { min: 0.9 } } },
    { metric: 'vfs.tx.shared.default', unit: 'tx/s', size: vfsSize, target: { ratio: { min: 0.9 } } },
  ],
  protocol: [{ metric: 'protocol.overhead', unit: 'ms', size: 'one write', target: { ratio: { max: 0.1 } } }],
  engine: [
    { metric: 'invalidation.scaling', unit: 'ms', size: fanoutSize, target: { ratio: { max: 1.2 } } },
    { metric: 'incremental.latest50.flat', unit: 'ms', size: latestSize, target: { ratio: { max: 1.2 } } },
    { metric: 'incremental.latest50.vs-rerun', unit: 'ms', size: latestSize, target: { ratio: { max: 0.5 } } },
  ],
  backfill: [
    { metric: 'backfill.roomy-largest', unit: 'events/s', size, target: { ratio: { min: 4 } } },
    { metric: 'backfill.roomy-largest.time', unit: 's', size, target: { ratio: { max: 0.25 } } },
    { metric: 'ingest.ratio', unit: 'events/s', size, target: { ratio: { min: 0.5 } } },
  ],
  latency: [
    { metric: 'latency.same-tab.p50', unit: 'ms', size, target: latencyTarget },
    { metric: 'latency.same-tab.p99', unit: 'ms', size, target: { value: { max: 50 } } },
    { metric: 'latency.cross-tab.p50', unit: 'ms', size, target: latencyTarget },
    { metric: 'latency.cross-tab.p99', unit: 'ms', size, target: { value: { max: 50 } } },
  ],
  coldstart: [
    { metric: 'coldstart', unit: 'ms', size, target: { ratio: { max: 1.5 } } },
    { metric: 'memory.host-heap', unit: 'MB', size, target: { ratio: { max: 2 } } },
    { metric: 'memory.db-size', unit: 'MB', size, target: { ratio: { max: 1.5 } } },
  ],
};

async function runBrowser(name: BrowserName, builds: { app: string; pages: string }, data: string | null) {
  const type = BROWSERS[name];
  const why = type.unavailable();
  if (why) {
    progress(`${name}: skipped: ${why}`);
    return;
  }
  const profileDir = mkdtempSync(join(tmp, `profile-${name}-`));
  let browser: BenchBrowser;
  try {
    browser = await type.launch(profileDir);
  } catch (error) {
    progress(`${name}: could not start: ${error instanceof Error ? error.message : error}`);
    for (const group of options.only) emit(failedRows(EXPECTED[group], name, error));
    return;
  }
  machine.browsers[name] = browser.version;
  const servers: TestServer[] = [];
  const serve = async (dataDir: string | undefined, staticDir: string) => {
    const server = await TestServer.start({ dataDir, staticDir });
    servers.push(server);
    return server;
  };
  let pagesServer: PagesServer | null = null;
  try {
    // Every origin a browser needs, started together: the benchmark pages (served from here); the app on a copy of
    // the generated space (and a second copy for the dedicated-host backfill, which needs an empty origin); the app
    // with only the demo space (a fresh data folder: the server seeds it), the cold start's baseline.
    const appWanted = data !== null && (wants('backfill') || wants('latency') || wants('coldstart'));
    let large: TestServer | null, dedicatedServer: TestServer | null, demo: TestServer | null;
    [pagesServer, large, dedicatedServer, demo] = await Promise.all([
      wants('vfs') || wants('backfill') || wants('protocol') || wants('engine') ? servePages(builds.pages) : null,
      appWanted ? serve(copyDataset(tmp, data, `${name}-large`), builds.app) : null,
      appWanted && wants('backfill') && sizes.dedicatedBackfill
        ? serve(copyDataset(tmp, data, `${name}-dedicated`), builds.app)
        : null,
      appWanted && wants('coldstart') ? serve(undefined, builds.app) : null,
    ]);
    let vfs: VfsResults | null = null;
    let protocol: ProtocolResult | null = null;
    if (pagesServer) {
      const pages = await BenchPages.open(browser, pagesServer.url);
      try {
        if (wants('vfs') || wants('backfill')) {
          vfs = await attempt(name, 'vfs', EXPECTED.vfs, () => measureVfs(pages, sizes));
          if (vfs && wants('vfs')) emit(vfsRows(name, sizes, vfs));
        }
        if (wants('protocol')) {
          protocol = await attempt(name, 'protocol', EXPECTED.protocol, () => measureProtocol(pages, sizes));
        }
        if (wants('engine')) {
          const engine = await attempt(name, 'engine (invalidation, incremental)', EXPECTED.engine, () =>
            measureEngine(pages, sizes),
          );
          if (engine) emit(engineRows(name, engine));
        }
      } finally {
        await pages.close();
      }
    }

    let latency: LatencyResult | null = null;
    if (large) {
      const backfill: BackfillResult | null = await attempt(
        name,
        `backfill of ${size} (default host)`,
        EXPECTED.backfill,
        () =>
          measureBackfill(browser, large, {
            strategy: 'auto',
            timeoutMs: sizes.backfillTimeoutMs,
            profile: options.profile,
          }),
      );
      if (backfill && wants('backfill')) {
        const context = backfill.strategy === 'auto' ? 'shared' : backfill.strategy;
        emit(backfillRows(name, size, backfill, vfs ? rawInsert(vfs, context, backfill.vfs) : undefined));
        if (backfill.profile) printProfile(name, 'the backfill', backfill.profile);
      }
      if (dedicatedServer) {
        const dedicated = await attempt(name, `backfill of ${size} (dedicated host)`, EXPECTED.backfill, () =>
          measureBackfill(browser, dedicatedServer, {
            strategy: 'dedicated',
            timeoutMs: sizes.backfillTimeoutMs,
            profile: false,
          }),
        );
        if (dedicated)
          emit(backfillRows(name, size, dedicated, vfs ? rawInsert(vfs, 'dedicated', dedicated.vfs) : undefined));
      }

      if (!backfill) {
        // Both need the space in the browser: they are gaps too, for the same reason.
        for (const group of ['latency', 'coldstart'] as const) {
          if (wants(group)) emit(failedRows(EXPECTED[group], name, 'the backfill they start from failed'));
        }
      } else if (wants('latency') || wants('coldstart')) {
        const room = await largestRoom(large);
        if (wants('latency')) {
          latency = await attempt(name, `latency (${room.messages} messages in the room)`, EXPECTED.latency, () =>
            measureLatency(browser, large, room, sizes, options.profile),
          );
          if (latency) emit(latencyRows(name, latency));
          if (latency?.profile) printProfile(name, 'same-tab writes', latency.profile);
        }
        if (demo) {
          await attempt(name, 'coldstart and memory', EXPECTED.coldstart, async () => {
            let phase = performance.now();
            await backfillQuietly(browser, demo);
            progress(`  coldstart: demo space backfilled in ${Math.round(performance.now() - phase)} ms`);
            const demoRoom = await largestRoom(demo);
            const small = emptyColdstart();
            const big = emptyColdstart();
            for (let run = 0; run < sizes.coldstart.runs; run++) {
              const last = run === sizes.coldstart.runs - 1;
              // Interleaved, so that the machine's drift spreads over both.
              phase = performance.now();
              await coldstartOnce(browser, demo, roomUrl(demo, demoRoom), small, last);
              await coldstartOnce(browser, large, roomUrl(large, room), big, last);
              progress(
                `  coldstart: run ${run + 1} of ${sizes.coldstart.runs} in ${Math.round(performance.now() - phase)} ms`,
              );
            }
            emit(coldstartRows(name, size, big, small, await eventBytes(large)));
          });
        }
      }
    }
    if (protocol) emit(protocolRows(name, protocol, latency?.sameTab.p50));
  } finally {
    await browser.close().catch(() => {});
    for (const server of servers) await server.dispose().catch(() => {});
    await pagesServer?.close();
  }
}

/** Fills an origin's database from its server (for the cold start baseline), without measuring. */
async function backfillQuietly(browser: BenchBrowser, server: TestServer) {
  const page = await browser.newPage();
  try {
    await recordSync(page, await serverHeads(server));
    await page.goto(server.url);
    await waitForApplied(page, 120_000);
  } finally {
    await page.close();
  }
}

function printProfile(browser: string, during: string, p: ProfileSummary) {
  progress(`${browser}: host CPU profile during ${during}: ${(p.totalMs / 1000).toFixed(1)} s sampled`);
  for (const u of p.byUrl)
    progress(`  ${(u.share * 100).toFixed(1).padStart(5)}%  ${u.selfMs.toFixed(0).padStart(7)} ms  ${u.url}`);
  for (const t of p.top)
    progress(`  ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.selfMs.toFixed(0).padStart(7)} ms  ${t.name}`);
}

async function main(opts: Options) {
  progress(`${sizes.mode} run: ${opts.browsers.join(', ')}; ${[...opts.only].join(', ')}; temporary files in ${tmp}`);
  const builds = { app: join(tmp, 'dist-app'), pages: join(tmp, 'dist-pages') };
  const needsData = wants('backfill') || wants('latency') || wants('coldstart');
  // Two cores: the app's build alongside the pages' build and the data generator.
  const [, data] = await Promise.all([
    buildApp(builds.app, { readable: opts.profile }),
    buildBenchPages(builds.pages).then(() => (needsData ? generateDataset(tmp, sizes.dataset) : null)),
  ]);
  for (const name of opts.browsers) await runBrowser(name, builds, data);
}

try {
  await main(options);
} finally {
  const seconds = (performance.now() - started) / 1000;
  if (rows.length) {
    writeResults(options.out, rows, machine, {
      mode: sizes.mode,
      seconds,
      command: `npm run bench${sizes.mode === 'quick' ? ' -- --quick' : ''}`,
    });
    progress(
      `${rows.length} rows, ${rows.filter((r) => r.ok === false).length} missing their target; table in ${options.out}`,
    );
  }
  if (options.keep) progress(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  progress(`done in ${seconds.toFixed(0)} s`);
}
