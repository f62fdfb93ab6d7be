/**
 * Opens real wa-sqlite in Node for unit tests: the synchronous build with MemoryVFS. The Emscripten build only
 * knows how to fetch its wasm in a browser, so the bytes are read from the package and handed over.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as SQLite from '@journeyapps/wa-sqlite';
import SQLiteESMFactory from '@journeyapps/wa-sqlite/dist/wa-sqlite.mjs';
import { MemoryVFS } from '@journeyapps/wa-sqlite/src/examples/MemoryVFS.js';
import { Database } from '../sqlite/database';

const require = createRequire(import.meta.url);
const wasmBinary = readFileSync(require.resolve('@journeyapps/wa-sqlite/dist/wa-sqlite.wasm'));

let counter = 0;

export async function openMemoryDatabase(): Promise<Database> {
  const module = await SQLiteESMFactory({ wasmBinary });
  const sqlite3 = SQLite.Factory(module);
  const name = `memory-${++counter}`;
  const vfs = await (MemoryVFS as unknown as { create(n: string, m: unknown): Promise<SQLiteVFS> }).create(
    name,
    module,
  );
  sqlite3.vfs_register(vfs, true);
  const handle = await sqlite3.open_v2(`${name}.db`);
  return new Database(sqlite3, handle, { vfs: 'MemoryVFS', build: 'sync', name });
}
