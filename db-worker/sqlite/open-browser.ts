/**
 * Opens wa-sqlite in a browser context with a chosen VFS. Which VFS can run where is a browser fact
 * (../shared/reference/browser-probe/README.md): synchronous OPFS access handles exist only in dedicated workers,
 * so a SharedWorker or the main thread must use the asynchronous build with an IndexedDB (or async OPFS) VFS.
 */
import * as SQLite from '@journeyapps/wa-sqlite';
import asyncWasmUrl from '@journeyapps/wa-sqlite/dist/wa-sqlite-async.wasm?url';
import syncWasmUrl from '@journeyapps/wa-sqlite/dist/wa-sqlite.wasm?url';
import { Database } from './database';

export type Build = 'sync' | 'async';
export type VfsName =
  'IDBBatchAtomicVFS' | 'IDBMirrorVFS' | 'OPFSCoopSyncVFS' | 'OPFSAnyContextVFS' | 'AccessHandlePoolVFS' | 'MemoryVFS';

interface VfsModule {
  create(name: string, module: unknown, options?: unknown): Promise<SQLiteVFS>;
}

interface VfsInfo {
  build: Build;
  /** Runs only where synchronous OPFS access handles exist (dedicated workers). */
  needsSyncHandles: boolean;
  durable: boolean;
  /**
   * A commit returns only once its data is flushed to disk (OPFS access handles' flush, IndexedDB transactions
   * with `durability: 'strict'`), so it survives an OS crash or a power cut too. IDBMirrorVFS commits with the
   * browser's default IndexedDB durability, `relaxed` in Chromium (since 121) and Firefox: a committed transaction
   * survives a browser crash but may still be in the OS's buffers. The host needs the flush: the inbox forgets
   * events once their commit returns (see pragmasFor).
   */
  flushes: boolean;
  load: () => Promise<VfsModule>;
}

/** The VFSs this app can run on. Dynamic imports keep the ones not chosen out of the worker's startup. */
export const VFS_CATALOG: Record<VfsName, VfsInfo> = {
  IDBBatchAtomicVFS: {
    build: 'async',
    needsSyncHandles: false,
    durable: true,
    flushes: true,
    load: async () =>
      (await import('@journeyapps/wa-sqlite/src/examples/IDBBatchAtomicVFS.js')).IDBBatchAtomicVFS as never,
  },
  IDBMirrorVFS: {
    build: 'async',
    needsSyncHandles: false,
    durable: true,
    flushes: false,
    load: async () => (await import('@journeyapps/wa-sqlite/src/examples/IDBMirrorVFS.js')).IDBMirrorVFS as never,
  },
  OPFSAnyContextVFS: {
    build: 'async',
    needsSyncHandles: false,
    durable: true,
    // A commit closes a writable stream, which resolves once the browser has written the file and swapped it in.
    flushes: true,
    load: async () =>
      (await import('@journeyapps/wa-sqlite/src/examples/OPFSAnyContextVFS.js')).OPFSAnyContextVFS as never,
  },
  OPFSCoopSyncVFS: {
    build: 'sync',
    needsSyncHandles: true,
    durable: true,
    flushes: true,
    load: async () => (await import('@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js')).OPFSCoopSyncVFS as never,
  },
  AccessHandlePoolVFS: {
    build: 'sync',
    needsSyncHandles: true,
    durable: true,
    flushes: true,
    load: async () =>
      (await import('@journeyapps/wa-sqlite/src/examples/AccessHandlePoolVFS.js')).AccessHandlePoolVFS as never,
  },
  MemoryVFS: {
    build: 'sync',
    needsSyncHandles: false,
    durable: false,
    flushes: false,
    load: async () => (await import('@journeyapps/wa-sqlite/src/examples/MemoryVFS.js')).MemoryVFS as never,
  },
};

export const isVfsName = (name: unknown): name is VfsName => typeof name === 'string' && name in VFS_CATALOG;

/** The wa-sqlite module of a build (exported for the benchmark's raw, hook-free baseline: bench/browser/). */
export async function loadBuild(build: Build) {
  if (build === 'sync') {
    const { default: factory } = await import('@journeyapps/wa-sqlite/dist/wa-sqlite.mjs');
    return factory({ locateFile: () => syncWasmUrl });
  }
  const { default: factory } = await import('@journeyapps/wa-sqlite/dist/wa-sqlite-async.mjs');
  return factory({ locateFile: () => asyncWasmUrl });
}

/**
 * PRAGMAs per VFS: what makes each fast without giving up durability (see README, "Storage"). With
 * `exclusiveLock`, the connection keeps its file locks from one transaction to the next (locking_mode EXCLUSIVE):
 * for a host that is the database's only connection and lets go of it only by closing it. Otherwise each
 * transaction starts by taking the VFS's Web Lock and, on IDBBatchAtomicVFS, by reading the file's metadata in a
 * read-write IndexedDB transaction and its version from the first page; that was most of a one-off query and of a
 * live-query refresh (bench/metrics/latency.ts).
 */
export function pragmasFor(vfs: VfsName, options: { exclusiveLock?: boolean } = {}): string {
  const common =
    'PRAGMA temp_store = memory; PRAGMA foreign_keys = off;' +
    (options.exclusiveLock ? ' PRAGMA locking_mode = EXCLUSIVE;' : '');
  switch (vfs) {
    case 'IDBBatchAtomicVFS':
    case 'IDBMirrorVFS':
      // A page cache large enough to hold a whole batch lets SQLite commit it as one atomic IndexedDB write,
      // without a journal file. synchronous stays FULL: the inbox forgets events once their commit returns.
      return `${common} PRAGMA cache_size = -32768;`;
    default:
      return `${common} PRAGMA cache_size = -16384;`;
  }
}

/** Whether this context can run a VFS at all. */
export function canRun(vfs: VfsName): boolean {
  if (VFS_CATALOG[vfs].needsSyncHandles) {
    const g = globalThis as { FileSystemFileHandle?: { prototype: object }; WorkerGlobalScope?: unknown };
    const isDedicatedWorker =
      typeof (globalThis as { DedicatedWorkerGlobalScope?: unknown }).DedicatedWorkerGlobalScope !== 'undefined';
    return (
      isDedicatedWorker && !!g.FileSystemFileHandle && 'createSyncAccessHandle' in g.FileSystemFileHandle.prototype
    );
  }
  if (vfs.startsWith('OPFS')) return typeof navigator !== 'undefined' && !!navigator.storage?.getDirectory;
  if (vfs.startsWith('IDB')) return typeof indexedDB !== 'undefined';
  return true;
}

export async function openBrowserDatabase(
  vfs: VfsName,
  name: string,
  options: { exclusiveLock?: boolean } = {},
): Promise<Database> {
  const info = VFS_CATALOG[vfs];
  if (!canRun(vfs)) throw new Error(`${vfs} cannot run in this context`);
  const module = await loadBuild(info.build);
  const sqlite3 = SQLite.Factory(module);
  const VfsClass = await info.load();
  // One VFS name per database, so that IndexedDB/OPFS storage of different databases never mixes.
  const instance = await VfsClass.create(`${vfs}-${name}`, module);
  sqlite3.vfs_register(instance, true);
  const handle = await sqlite3.open_v2(`${name}.sqlite`);
  const db = new Database(sqlite3, handle, { vfs, build: info.build, name });
  // The example VFSs keep the exception behind an I/O error here (e.g. a QuotaExceededError): see storage-problem.ts.
  // The VFS keeps its own IndexedDB connection open after the file closes: a closed host would still block a
  // deletion of the origin's storage (Firefox does not end a closed SharedWorker's connections at once).
  db.releaseVfs = () => (instance as { close?: () => unknown }).close?.();
  // Kept until a commit goes through, not taken by the first failure that asks: with the disk full, the failures
  // that follow the first (the next statement's lock, a refresh) carry no exception of their own, and would be
  // reported as an unexplained I/O error instead of a full disk.
  const keeper = instance as { lastError?: unknown };
  db.vfsError = () => keeper.lastError ?? null;
  db.onCommit(() => (keeper.lastError = null));
  await db.exec(pragmasFor(vfs, options));
  return db;
}
