/**
 * Raw wa-sqlite speed of one VFS in the current context, with the app's build and PRAGMAs for that VFS
 * (db-worker/sqlite/open-browser.ts) and the app's schema, but none of the app's wrapper: no authorizer, no
 * update_hook, one prepared statement bound and stepped in a loop. This is the floor the pipeline is compared with.
 *
 * - bulk: `rows` message rows inserted in one transaction (BEGIN … COMMIT), into a fresh copy of the `messages`
 *   table with its indexes (primary key on id, index on (room, id));
 * - tx: single-row inserts, each its own transaction (autocommit), for up to `txs` rows or `txBudgetMs`;
 * - wrapper (optional, once): the same bulk insert through the app's Database wrapper (db.run per row inside
 *   db.transaction, hooks installed): what the materializer's statements cost before any materializer logic.
 */
import * as SQLite from '@journeyapps/wa-sqlite';
import { migrate, MIGRATIONS } from '../../db-worker/schema';
import {
  loadBuild,
  openBrowserDatabase,
  pragmasFor,
  VFS_CATALOG,
  type VfsName,
} from '../../db-worker/sqlite/open-browser';
import { INSERT_MESSAGE, type MessageRow } from './message-rows';

export interface VfsRunOptions {
  vfs: VfsName;
  rows: MessageRow[];
  /** Rows inserted (and rolled back) before measuring, at most `rows.length`. */
  warmupRows: number;
  txs: number;
  txBudgetMs: number;
  repeats: number;
  wrapper: boolean;
}

export interface VfsRunResult {
  vfs: VfsName;
  build: string;
  durable: boolean;
  flushes: boolean;
  journalMode: string;
  /** One figure per repeat. */
  bulkRowsPerS: number[];
  txPerS: number[];
  wrapperRowsPerS: number[];
  /** Where the call's time went (ms): loading the build and VFS, opening, warming up, measuring. */
  phases: Record<string, number>;
}

/** As the app's host in this context: the SharedWorker host keeps its file locks (db-worker/host.ts). */
const HOST_LOCKS_EXCLUSIVELY = 'SharedWorkerGlobalScope' in globalThis;

const uniqueName = (vfs: string) => `bench-${vfs}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** The app's DDL for `messages` and its index, renamed so that each repeat inserts into a fresh, empty table. */
async function freshMessagesTable(sqlite3: SQLiteAPI, db: number, suffix: string) {
  const ddl: string[] = [];
  await sqlite3.exec(db, "SELECT sql FROM sqlite_schema WHERE tbl_name = 'messages' AND sql IS NOT NULL", (row) => {
    ddl.push(String(row[0]));
  });
  const renamed = ddl.map((sql) =>
    sql.replace(/\bmessages_room\b/g, `messages_room${suffix}`).replace(/\bmessages\b/g, `messages${suffix}`),
  );
  await sqlite3.exec(db, renamed.join(';\n'));
  return `messages${suffix}`;
}

async function insertAll(sqlite3: SQLiteAPI, db: number, sql: string, rows: readonly MessageRow[]) {
  for await (const stmt of sqlite3.statements(db, sql)) {
    for (const row of rows) {
      sqlite3.bind_collection(stmt, row as unknown as SQLiteCompatibleType[]);
      await sqlite3.step(stmt);
      await sqlite3.reset(stmt);
    }
  }
}

export async function runVfs(options: VfsRunOptions): Promise<VfsRunResult> {
  const { vfs, rows } = options;
  const info = VFS_CATALOG[vfs];
  const loadStarted = performance.now();
  const module = await loadBuild(info.build);
  const sqlite3 = SQLite.Factory(module);
  const VfsClass = await info.load();
  const name = uniqueName(vfs);
  sqlite3.vfs_register(await VfsClass.create(`${vfs}-${name}`, module), true);
  const db = await sqlite3.open_v2(`${name}.sqlite`);
  const result: VfsRunResult = {
    vfs,
    build: info.build,
    durable: info.durable,
    flushes: info.flushes,
    journalMode: '',
    bulkRowsPerS: [],
    txPerS: [],
    wrapperRowsPerS: [],
    phases: {},
  };
  let mark = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    result.phases[name] = Math.round((result.phases[name] ?? 0) + now - mark);
    mark = now;
  };
  try {
    await sqlite3.exec(db, pragmasFor(vfs, { exclusiveLock: HOST_LOCKS_EXCLUSIVELY }));
    await sqlite3.exec(db, `BEGIN; ${MIGRATIONS.join(';\n')}; COMMIT;`);
    await sqlite3.exec(db, 'PRAGMA journal_mode', (row) => (result.journalMode = String(row[0])));
    result.phases.load = Math.round(performance.now() - loadStarted);
    mark = performance.now();

    // Warm up first: V8 and SpiderMonkey compile WebAssembly in tiers, and a cold module runs several times slower
    // for its first thousands of statements. The host runs for hours; its steady state is the fair floor.
    const warm = await freshMessagesTable(sqlite3, db, '_warmup');
    await sqlite3.exec(db, 'BEGIN');
    await insertAll(sqlite3, db, INSERT_MESSAGE.replace('messages', warm), rows.slice(0, options.warmupRows));
    await sqlite3.exec(db, 'ROLLBACK');
    phase('warmup');

    let table = 'messages';
    for (let r = 0; r < options.repeats; r++) {
      table = await freshMessagesTable(sqlite3, db, `_bulk${r}`);
      const started = performance.now();
      await sqlite3.exec(db, 'BEGIN');
      await insertAll(sqlite3, db, INSERT_MESSAGE.replace('messages', table), rows);
      await sqlite3.exec(db, 'COMMIT');
      result.bulkRowsPerS.push(rows.length / ((performance.now() - started) / 1000));
    }
    phase('bulk');

    for (let r = 0; r < options.repeats; r++) {
      const txRows = rows
        .slice(0, options.txs)
        .map((row, i) => [`tx${r}-${i}-${row[0]}`, ...row.slice(1)] as MessageRow);
      let done = 0;
      const started = performance.now();
      for await (const stmt of sqlite3.statements(db, INSERT_MESSAGE.replace('messages', table))) {
        for (const row of txRows) {
          sqlite3.bind_collection(stmt, row as unknown as SQLiteCompatibleType[]);
          await sqlite3.step(stmt);
          await sqlite3.reset(stmt);
          done++;
          if (performance.now() - started > options.txBudgetMs) break;
        }
      }
      result.txPerS.push(done / ((performance.now() - started) / 1000));
    }
    phase('tx');
  } finally {
    await sqlite3.close(db);
  }

  if (options.wrapper) {
    // Once: this figure only explains the pipeline's (see ingest.ratio's note), it is no row of its own.
    {
      const wrapped = await openBrowserDatabase(vfs, uniqueName(vfs), { exclusiveLock: HOST_LOCKS_EXCLUSIVELY });
      try {
        await wrapped.exclusive(() => migrate(wrapped));
        const started = performance.now();
        await wrapped.exclusive(() =>
          wrapped.transaction(async () => {
            for (const row of rows) await wrapped.run(INSERT_MESSAGE, row);
          }),
        );
        result.wrapperRowsPerS.push(rows.length / ((performance.now() - started) / 1000));
      } finally {
        await wrapped.close();
      }
      phase('wrapper');
    }
  }
  return result;
}
