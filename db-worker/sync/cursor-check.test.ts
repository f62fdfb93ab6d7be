/** Where the database stands per stream: right with gaps, local writes and several streams, and read by index. */
import { expect, test } from 'vitest';
import { migrate } from '../schema';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { HELD_POSITIONS_SQL, heldPositions } from './cursor-check';

async function ledger(rows: [id: string, stream: string, seq: number | null][]) {
  const db = await openMemoryDatabase();
  await db.exclusive(() => migrate(db));
  await db.exclusive(() =>
    db.run(
      `INSERT INTO events (id, stream, seq, type, status)
       SELECT value->>0, value->>1, value->>2, 'message.create', 'applied' FROM json_each(?)`,
      [JSON.stringify(rows)],
    ),
  );
  return db;
}

test('the highest seq per stream; a stream of local writes only stands at 0', async () => {
  const db = await ledger([
    ['a1', 'space-a', 1],
    ['a3', 'space-a', 3],
    ['a2', 'space-a', 2],
    ['mine', 'space-a', null],
    ['b7', 'space-b', 7],
    ['c-local', 'space-c', null],
  ]);
  expect(await heldPositions(db)).toEqual(
    new Map([
      ['space-a', 3],
      ['space-b', 7],
      ['space-c', 0],
    ]),
  );
});

test('an empty ledger holds nothing', async () => {
  expect(await heldPositions(await ledger([]))).toEqual(new Map());
});

test('read through the (stream, seq) index, never a scan of the ledger', async () => {
  const db = await ledger([]);
  const plan = await db.exclusive(() => db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${HELD_POSITIONS_SQL}`));
  const steps = plan.map((row) => row.detail).filter((detail) => / events\b/.test(detail));
  expect(steps.length).toBeGreaterThan(0);
  for (const step of steps) expect(step).toMatch(/^SEARCH events USING COVERING INDEX events_stream_seq/);
});
