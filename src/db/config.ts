/**
 * One configuration object for the tab's database: which host strategy, which VFS, which database, debug mode
 * and timeouts. Defaults can be overridden from the page URL (for testing and support) and the strategy also from
 * localStorage (a runtime switch applies to every tab of the origin and to tabs opened later).
 *
 *   ?db=shared|dedicated|main   strategy (default: the best this browser supports)
 *   ?vfs=IDBBatchAtomicVFS|...  VFS (default: the best durable one for the host's context)
 *   ?dbname=roomy               database name
 *   ?debug=1                    log every message between contexts
 */
export type Strategy = 'shared' | 'dedicated' | 'main';
export const STRATEGIES: readonly Strategy[] = ['shared', 'dedicated', 'main'];
export const isStrategy = (value: unknown): value is Strategy => STRATEGIES.includes(value as Strategy);

export interface DbConfig {
  /** 'auto' picks the best strategy the browser supports; a named one is tried first, then the fallbacks. */
  strategy: Strategy | 'auto';
  vfs?: string;
  database: string;
  debug: boolean;
  /** A request that gets no answer in this time fails with TIMEOUT. */
  requestTimeoutMs: number;
  /** Heartbeat period, and how long a heartbeat may go unanswered before the host counts as gone. */
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /** How long to wait for any host to come up before requests fail with HOST_GONE. */
  startTimeoutMs: number;
}

export const STRATEGY_STORAGE_KEY = 'roomy.db.strategy';

export const DEFAULT_CONFIG: DbConfig = {
  strategy: 'auto',
  database: 'roomy',
  debug: false,
  requestTimeoutMs: 30_000,
  heartbeatMs: 1_000,
  heartbeatTimeoutMs: 2_500,
  startTimeoutMs: 30_000,
};

export function configFromPage(base: DbConfig = DEFAULT_CONFIG): DbConfig {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('db');
  const stored = safeStorage()?.getItem(STRATEGY_STORAGE_KEY);
  return {
    ...base,
    strategy: isStrategy(fromUrl) ? fromUrl : isStrategy(stored) ? stored : base.strategy,
    vfs: params.get('vfs') ?? base.vfs,
    database: params.get('dbname') ?? base.database,
    debug: params.get('debug') === '1' || base.debug,
  };
}

export function safeStorage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (some private modes)
  }
}
