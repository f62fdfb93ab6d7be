/**
 * Materializer throughput in Node, on real wa-sqlite (both builds), against raw inserts measured in the same run:
 *   node --import tsx bench/ingest.ts [--events 126000] [--batch 10000]
 * The browser benchmark (npm run bench) measures the whole pipeline; this one isolates the materializer.
 */
import { parseArgs } from 'node:util';
import { Materializer } from '../db-worker/materializer/materializer';
import { migrate } from '../db-worker/schema';
import { openMemoryDatabase } from '../db-worker/testing/node-sqlite';
import type { NewEvent } from '../protocol/events';
import { generateSpace } from '../server/generate/space';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '126000' }, batch: { type: 'string', default: '10000' } },
});
const limit = Number(values.events);
const batch = Number(values.batch);

const events: NewEvent[] = [];
for (const e of generateSpace({ preset: 'roomy-largest', seed: 1 })) {
  events.push(e);
  if (events.length >= limit) break;
}
const messages = events.filter((e) => e.type === 'message.create');

for (const build of ['sync', 'async'] as const) {
  const db = await openMemoryDatabase({ build });
  await migrate(db);
  const materializer = new Materializer(db);
  let started = performance.now();
  for (let i = 0; i < events.length; i += batch) {
    await db.exclusive(() => materializer.applyBatch(events.slice(i, i + batch)));
  }
  const pipelineMs = performance.now() - started;

  await db.exec('CREATE TABLE raw (id TEXT PRIMARY KEY, room TEXT, author TEXT, body TEXT, created_at INTEGER)');
  await db.exec('CREATE INDEX raw_room ON raw(room, id)');
  started = performance.now();
  for (let i = 0; i < messages.length; i += batch) {
    await db.exclusive(() =>
      db.transaction(async () => {
        for (const e of messages.slice(i, i + batch)) {
          await db.run('INSERT INTO raw VALUES (?, ?, ?, ?, ?)', [
            e.id,
            e.room!,
            e.user,
            (e.payload as { body: string }).body,
            0,
          ]);
        }
      }),
    );
  }
  const rawMs = performance.now() - started;
  const eventsPerS = (events.length / pipelineMs) * 1000;
  const rowsPerS = (messages.length / rawMs) * 1000;
  console.log(
    JSON.stringify({
      build,
      events: events.length,
      eventsPerS: Math.round(eventsPerS),
      rawRowsPerS: Math.round(rowsPerS),
      ratio: +(eventsPerS / rowsPerS).toFixed(2),
    }),
  );
  await db.close();
}
