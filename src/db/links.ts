/**
 * How a tab reaches the database host, one function per strategy. Each returns a HostLink: the port to talk
 * through, and what this tab must do when it lets go.
 *
 * - shared: the SharedWorker (one host for every tab of the origin).
 * - dedicated / main: tabs elect a leader with a Web Lock. The leader runs the host (in its dedicated worker, or on
 *   its main thread) and talks to it directly; followers talk to it over the bus (protocol/bus.ts) and queue for
 *   the lock, so that when the leader tab closes the next tab takes over at once.
 */
import { busChannelName, isBusMessage, LEADER_LOCK, type BusMessage } from '../../protocol/bus';
import type { ClientPort } from './client';
import type { DbConfig, Strategy } from './config';

export type Role = 'shared' | 'leader' | 'follower';

export interface HostLink {
  strategy: Strategy;
  role: Role;
  port: ClientPort;
  /** The tab that runs the host, for dedicated and main; null for shared. */
  leader: string | null;
  /**
   * Lets go: a leader stops its host and releases the leader lock; a follower says goodbye and leaves the lock
   * queue (keeping the lock if it was just granted and `keepLeadership` says the caller takes it over).
   */
  close(options?: { keepLeadership?: boolean }): void;
  /** Follower only: resolves when this tab holds the leader lock (the leader left): it must lead now. */
  promoted?: Promise<Leadership>;
  /** Main-thread leader only: the page is going into the back/forward cache; let go of storage now. */
  pageCached?: () => void;
  /** Leader only: fires if the leader lock was stolen from this tab (it was thought frozen). */
  deposed?: Promise<void>;
  /** Follower only: fires when a new host announces itself on the bus (the one we talked to is gone). */
  onHostReady?(listener: (hostId: string) => void): void;
  /** Rejects when the host's context failed to start (its script did not load): no need to wait for a timeout. */
  failed: Promise<never>;
}

/** A promise that rejects when `target` fires 'error' (a worker whose script failed to load or run). */
function failureOf(target: EventTarget, what: string): Promise<never> {
  const failed = new Promise<never>((_, reject) =>
    target.addEventListener('error', (event) => {
      const message = (event as ErrorEvent).message;
      reject(new Error(`${what} failed to start${message ? `: ${message}` : ''}`));
    }),
  );
  failed.catch(() => {});
  return failed;
}

const never = new Promise<never>(() => {});

/** The leader lock, held until `release` (or until the tab dies). */
export interface Leadership {
  release(): void;
  /** Resolves if another tab stole the lock. */
  stolen: Promise<void>;
}

const leaderLock = (database: string) => `${LEADER_LOCK}:${database}`;

/** The host's configuration as a query string (see db-worker/config.ts). */
function hostQuery(config: DbConfig, extra: Record<string, string>) {
  const params = new URLSearchParams({ db: config.database, ...extra });
  if (config.vfs) params.set('vfs', config.vfs);
  if (config.debug) params.set('debug', '1');
  return params.toString();
}

export async function linkShared(config: DbConfig): Promise<HostLink> {
  const { default: SharedHost } = await import('../../db-worker/entry-shared.ts?sharedworker');
  const worker = new SharedHost({ name: hostQuery(config, {}) });
  worker.port.start();
  return {
    strategy: 'shared',
    role: 'shared',
    port: worker.port,
    leader: null,
    failed: failureOf(worker, 'the SharedWorker host'),
    close: () => worker.port.close(),
  };
}

/**
 * Takes the leader lock: at once if `mode` is 'if-available' (null if another tab holds it), after the holder
 * lets go if 'wait' (abortable), or from the holder if 'steal' (a frozen leader keeps its lock forever).
 */
export function acquireLeadership(
  database: string,
  mode: 'if-available' | 'wait' | 'steal',
  signal?: AbortSignal,
): Promise<Leadership | null> {
  return new Promise((resolve, reject) => {
    let granted = false;
    let markStolen = () => {};
    const stolen = new Promise<void>((r) => (markStolen = r));
    const options: LockOptions =
      mode === 'steal' ? { steal: true } : mode === 'if-available' ? { ifAvailable: true } : { signal };
    navigator.locks
      .request(leaderLock(database), options, (lock) => {
        if (!lock) {
          resolve(null);
          return undefined;
        }
        granted = true;
        return new Promise<void>((release) => resolve({ release, stolen }));
      })
      .catch((error: unknown) => {
        if (granted) markStolen();
        else reject(error);
      });
  });
}

/** The tab's id on the bus and as a leader. */
export const tabId = `tab-${Math.random().toString(36).slice(2, 10)}`;

export async function linkElected(
  config: DbConfig,
  strategy: 'dedicated' | 'main',
  options: { leadership?: Leadership | null; steal?: boolean } = {},
): Promise<HostLink> {
  const leadership =
    options.leadership ?? (await acquireLeadership(config.database, options.steal ? 'steal' : 'if-available'));
  return leadership ? lead(config, strategy, leadership, !!options.steal) : follow(config, strategy);
}

async function lead(config: DbConfig, strategy: 'dedicated' | 'main', leadership: Leadership, steal: boolean) {
  const query = hostQuery(config, { leader: tabId, ...(steal ? { steal: '1' } : {}) });
  let port: ClientPort;
  let stop: () => void;
  let failed = never;
  let pageCached: (() => void) | undefined;
  if (strategy === 'dedicated') {
    const { default: DedicatedHost } = await import('../../db-worker/entry-dedicated.ts?worker');
    const worker = new DedicatedHost({ name: query });
    port = worker;
    failed = failureOf(worker, 'the dedicated worker host');
    stop = () => worker.terminate();
  } else {
    const { startMainThreadHost } = await import('../../db-worker/main-thread');
    const host = startMainThreadHost(query);
    port = host.port;
    host.port.start();
    stop = () => void host.close();
    // WebKit caches this page frozen as it is; see abandonStorage for why it must let go of storage at once.
    pageCached = () => host.abandonStorage();
  }
  const link: HostLink = {
    strategy,
    role: 'leader',
    port,
    leader: tabId,
    failed,
    deposed: leadership.stolen,
    pageCached,
    close: () => {
      stop();
      leadership.release();
    },
  };
  return link;
}

function follow(config: DbConfig, strategy: 'dedicated' | 'main'): HostLink {
  const channel = new BroadcastChannel(busChannelName(config.database));
  const readyListeners: ((hostId: string) => void)[] = [];
  let open = true;
  const post = (message: BusMessage) => {
    if (open) channel.postMessage(message);
  };
  const port: ClientPort = {
    onmessage: null,
    postMessage: (data: string) => post({ kind: 'to-host', from: tabId, data }),
    close: () => {
      post({ kind: 'bye', from: tabId });
      open = false;
      channel.close();
    },
  };
  channel.onmessage = (event: MessageEvent) => {
    const message = event.data as unknown;
    if (!isBusMessage(message)) return;
    if (message.kind === 'to-client' && message.to === tabId)
      port.onmessage?.(new MessageEvent('message', { data: message.data }));
    else if (message.kind === 'host-ready') for (const listener of readyListeners) listener(message.hostId);
  };
  // Queue for the lock: when the leader tab closes, this tab may be next.
  const abort = new AbortController();
  let granted: Leadership | null = null;
  const promoted = acquireLeadership(config.database, 'wait', abort.signal).then((l) => (granted = l!));
  promoted.catch(() => {}); // aborted when this link closes
  return {
    strategy,
    role: 'follower',
    port,
    leader: null,
    failed: never,
    promoted,
    onHostReady: (listener) => readyListeners.push(listener),
    close: (options) => {
      abort.abort();
      if (!options?.keepLeadership) granted?.release();
      port.close?.();
    },
  };
}
