/**
 * The host's configuration. It arrives as a query string (a worker's `name`, or the tab's settings for the main
 * thread host), so that hosts started with the same settings are interchangeable.
 */
import type { HostHealth } from '../protocol/messages';
import { canRun, isVfsName, type VfsName } from './sqlite/open-browser';

export type Strategy = HostHealth['strategy'];

export interface HostConfig {
  strategy: Strategy;
  vfs: VfsName;
  /** Database name; storage files are named after it. */
  database: string;
  debug: boolean;
  /** Take the host lock from a host that stopped answering (a frozen leader), instead of waiting for it. */
  steal: boolean;
  /** Which tab leads (dedicated and main strategies); null for the SharedWorker. */
  leader: string | null;
}

/**
 * The default VFS of each context, best first: what the context can run, durable, and fastest in the side-by-side
 * benchmark (README, "Storage"). OPFS with synchronous access handles exists only in dedicated workers.
 */
const PREFERRED: Record<Strategy, VfsName[]> = {
  shared: ['IDBBatchAtomicVFS', 'IDBMirrorVFS'],
  dedicated: ['OPFSCoopSyncVFS', 'IDBBatchAtomicVFS'],
  main: ['IDBBatchAtomicVFS', 'IDBMirrorVFS'],
};

export function defaultVfs(strategy: Strategy): VfsName {
  return PREFERRED[strategy].find(canRun) ?? 'MemoryVFS';
}

export function formatHostConfig(config: Partial<HostConfig>): string {
  const params = new URLSearchParams();
  if (config.vfs) params.set('vfs', config.vfs);
  if (config.database) params.set('db', config.database);
  if (config.debug) params.set('debug', '1');
  if (config.steal) params.set('steal', '1');
  if (config.leader) params.set('leader', config.leader);
  return params.toString();
}

export function parseHostConfig(query: string, strategy: Strategy): HostConfig {
  const params = new URLSearchParams(query);
  const vfs = params.get('vfs');
  return {
    strategy,
    vfs: isVfsName(vfs) && canRun(vfs) ? vfs : defaultVfs(strategy),
    database: params.get('db') || 'roomy',
    debug: params.get('debug') === '1',
    steal: params.get('steal') === '1',
    leader: params.get('leader'),
  };
}
