/**
 * Where the database stands per stream: right with gaps, local writes, echoes and several streams, and the same for
 * a database that already held a ledger when the positions table came (migration 4).
 */
import { expect, test } from 'vitest';
import { MIGRATIONS, migrate } from '../schema';
import type { Database } from '../sqlite/database';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { heldPositions } from './cursor-check';

type LedgerRow = [id: string, stream: string, seq: number | null];

function insert(db: Database, rows: LedgerRow[]) {
  return db.exclusive(() =>
    db.run(
      `INSERT INTO events (id, stream, seq, type, status)
       SELECT value->>0, value->>1, value->>2, 'message.create', 'applied' FROM json_each(?)`,
      [JSON.stringify(rows)],
    ),
  );
}

async function ledger(rows: LedgerRow[]) {
  const db = await openMemoryDatabase();
  await db.exclusive(() => migrate(db));
  await insert(db, rows);
  return db;
}

const MIXED: LedgerRow[] = [
  ['a1', 'space-a', 1],
  ['a3', 'space-a', 3],
  ['a2', 'space-a', 2],
  ['mine', 'space-a', null],
  ['b7', 'space-b', 7],
  ['c-local', 'space-c', null],
];
const EXPECTED = new Map([
  ['space-a', 3],
  ['space-b', 7],
  ['space-c', 0],
]);

test('the highest seq per stream; a stream of local writes only stands at 0', async () => {
  expect(await heldPositions(await ledger(MIXED))).toEqual(EXPECTED);
});

test('an empty ledger holds nothing', async () => {
  expect(await heldPositions(await ledger([]))).toEqual(new Map());
});

test("a local write's echo moves its stream on; a late lower seq does not move it back", async () => {
  const db = await ledger(MIXED);
  await db.exclusive(() => db.run('UPDATE events SET seq = 8 WHERE id = ?', ['c-local']));
  await db.exclusive(() => db.run('UPDATE events SET seq = 4 WHERE id = ?', ['mine']));
  await insert(db, [['b5', 'space-b', 5]]);
  expect(await heldPositions(db)).toEqual(
    new Map([
      ['space-a', 4],
      ['space-b', 7],
      ['space-c', 8],
    ]),
  );
});

test('a database migrated with a ledger already in it starts from that ledger', async () => {
  const db = await openMemoryDatabase();
  await db.exclusive(async () => {
    for (let version = 0; version < 3; version++) await db.exec(`BEGIN; ${MIGRATIONS[version]}; COMMIT;`);
    await db.run('PRAGMA user_version = 3');
  });
  await insert(db, MIXED);
  expect(await db.exclusive(() => migrate(db))).toEqual({ from: 3, to: MIGRATIONS.length });
  expect(await heldPositions(db)).toEqual(EXPECTED);
});
