/**
 * Opens real wa-sqlite in Node for unit tests and benchmarks: the synchronous build with MemoryVFS, or the
 * asynchronous (Asyncify) build with MemoryAsyncVFS, whose per-call overhead is what a SharedWorker host pays.
 * The Emscripten build only knows how to fetch its wasm in a browser, so the bytes are read from the package.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as SQLite from '@journeyapps/wa-sqlite';
import AsyncFactory from '@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs';
import SyncFactory from '@journeyapps/wa-sqlite/dist/wa-sqlite.mjs';
import { MemoryAsyncVFS } from '@journeyapps/wa-sqlite/src/examples/MemoryAsyncVFS.js';
import { MemoryVFS } from '@journeyapps/wa-sqlite/src/examples/MemoryVFS.js';
import { Database } from '../sqlite/database';

const require = createRequire(import.meta.url);
const wasm = {
  sync: () => readFileSync(require.resolve('@journeyapps/wa-sqlite/dist/wa-sqlite.wasm')),
  async: () => readFileSync(require.resolve('@journeyapps/wa-sqlite/dist/wa-sqlite-async.wasm')),
};

type VfsClass = { create(name: string, module: unknown): Promise<SQLiteVFS> };
let counter = 0;

export async function openMemoryDatabase(options: { build?: 'sync' | 'async' } = {}): Promise<Database> {
  const build = options.build ?? 'sync';
  const factory = build === 'sync' ? SyncFactory : AsyncFactory;
  const module = await factory({ wasmBinary: wasm[build]() });
  const sqlite3 = SQLite.Factory(module);
  const name = `memory-${++counter}`;
  const Vfs = (build === 'sync' ? MemoryVFS : MemoryAsyncVFS) as unknown as VfsClass;
  sqlite3.vfs_register(await Vfs.create(name, module), true);
  const handle = await sqlite3.open_v2(`${name}.db`);
  return new Database(sqlite3, handle, { vfs: build === 'sync' ? 'MemoryVFS' : 'MemoryAsyncVFS', build, name });
}
