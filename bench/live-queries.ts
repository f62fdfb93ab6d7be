/**
 * The live-query engine's benchmarks in Node, on real wa-sqlite with MemoryVFS:
 *   node --import tsx bench/live-queries.ts [fanout] [latest] [ingest]
 * Prints medians and the ratios the issue sets targets for: with 1,000 subscriptions of which one is affected,
 * commit-to-updated within 1.2x of one subscription; "latest 50" maintained incrementally flat (within 1.2x)
 * across room sizes and far below re-running it. The measurements themselves live in
 * db-worker/queries/benchmarks.ts, so that a browser harness can run them on other VFSs.
 */
import { measureFanout, measureIngest, measureLatestN, type Sample } from '../db-worker/queries/benchmarks';
import { migrate } from '../db-worker/schema';
import { openMemoryDatabase } from '../db-worker/testing/node-sqlite';
import { generateSpace } from '../server/generate/space';

const which = new Set(process.argv.slice(2));
const all = which.size === 0;
const fmt = (s: Sample) => `${s.median.toFixed(3)} ms (p90 ${s.p90.toFixed(3)}, n=${s.n})`;
const log = (message: string) => console.error(`  … ${message}`);

async function fresh() {
  const db = await openMemoryDatabase();
  await migrate(db);
  return db;
}

if (all || which.has('fanout')) {
  const results = await measureFanout(await fresh(), { onProgress: log });
  const base = results[0]!;
  console.log('\nCommit to all subscriptions updated (one affected, the others pinned to other rooms)');
  for (const r of results) {
    console.log(
      `  ${String(r.subscriptions).padStart(5)} subscriptions: write→updated ${fmt(r.writeToUpdatedMs)}; ` +
        `commit→updated ${fmt(r.commitToUpdatedMs)}; ratio to 1: ` +
        `${(r.writeToUpdatedMs.median / base.writeToUpdatedMs.median).toFixed(2)}x / ` +
        `${(r.commitToUpdatedMs.median / base.commitToUpdatedMs.median).toFixed(2)}x`,
    );
  }
}

if (all || which.has('latest')) {
  const results = await measureLatestN(await fresh(), { limits: [50, 500], onProgress: log });
  console.log('\n"Latest N messages of a room" after one new message: the engine\'s work for the subscription');
  for (const r of results) {
    console.log(
      `  N=${String(r.limit).padEnd(4)} room of ${String(r.roomSize).padStart(6)}: incremental ${fmt(r.incrementalMs)}; ` +
        `re-run ${fmt(r.rerunMs)}; re-run / incremental ${(r.rerunMs.median / r.incrementalMs.median).toFixed(1)}x`,
    );
  }
  for (const limit of new Set(results.map((r) => r.limit))) {
    const rows = results.filter((r) => r.limit === limit);
    const [small, large] = [rows[0]!, rows[rows.length - 1]!];
    console.log(
      `  N=${limit}: incremental, largest / smallest room ${(large.incrementalMs.median / small.incrementalMs.median).toFixed(2)}x; ` +
        `re-run ${(large.rerunMs.median / small.rerunMs.median).toFixed(2)}x`,
    );
  }
}

if (all || which.has('ingest')) {
  const events = [...generateSpace({ preset: 'roomy-largest', seed: 1 })].slice(0, 40_000);
  const cpu = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  const results = await measureIngest(fresh, events, { onProgress: log, clock: cpu });
  console.log(`\nIngest of ${events.length} generated events in batches of 1,000 (CPU time of this process)`);
  for (const r of results) {
    console.log(`  ${r.label.padEnd(44)} ${fmt(r.ms)}  ${Math.round(events.length / (r.ms.median / 1000))} events/s`);
  }
  console.log(`  ratio with / without: ${(results[1]!.ms.median / results[0]!.ms.median).toFixed(3)}x`);
}
