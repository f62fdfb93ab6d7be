/**
 * The browser matrix: which engines run which host strategies, and the VFS each cell must end up with. The render
 * scenario checks the VFS against this table, and the README's "Browser matrix" shows it.
 *
 * WebKit has neither synchronous OPFS access handles nor JSPI, so its dedicated worker cannot run OPFSCoopSyncVFS
 * and must fall back to IndexedDB (db-worker/config.ts picks by capability).
 */
import type { Engine } from './driver';
import type { Strategy } from './scenario';

export const ENGINES: readonly Engine[] = ['chromium', 'firefox', 'webkit'];
export const STRATEGIES: readonly Strategy[] = ['shared', 'dedicated', 'main'];

export const EXPECTED_VFS: Record<Engine, Record<Strategy, string>> = {
  chromium: { shared: 'IDBBatchAtomicVFS', dedicated: 'OPFSCoopSyncVFS', main: 'IDBBatchAtomicVFS' },
  firefox: { shared: 'IDBBatchAtomicVFS', dedicated: 'OPFSCoopSyncVFS', main: 'IDBBatchAtomicVFS' },
  webkit: { shared: 'IDBBatchAtomicVFS', dedicated: 'IDBBatchAtomicVFS', main: 'IDBBatchAtomicVFS' },
};
