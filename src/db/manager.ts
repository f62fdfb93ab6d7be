/**
 * The WorkerManager: one API for the database, whatever hosts it. It picks the best strategy the browser
 * supports (or the one asked for), starts it lazily on first use, and keeps it alive:
 *
 * - a host that dies or freezes is noticed by the heartbeat and replaced; the database is reopened by the new host,
 *   every live subscription is established again (its rows are reconciled, so the UI keeps its nodes), and requests
 *   that were in flight are sent once more (every method is idempotent: writes carry event ids) or fail loudly;
 * - a strategy that cannot start falls back to the next one; the main thread is the last resort;
 * - in the dedicated and main strategies, the tab that leads runs the host; when it closes, the next tab in the
 *   lock queue takes over at once; when it freezes (it keeps its lock), a follower steals the lock.
 *
 * Nothing waits forever: requests time out, and so does waiting for a host to come up.
 */
import {
  METHODS,
  ProtocolError,
  type HostHealth,
  type Method,
  type Methods,
  type QuerySpec,
  type ResultRow,
} from '../../protocol/messages';
import { DbClient, type LiveSubscription, type LostReason, type SubscriptionHandlers } from './client';
import { safeStorage, STRATEGY_STORAGE_KEY, type DbConfig, type Strategy } from './config';
import { detectStrategies, strategyOrder, type Detection } from './detect';
import { linkElected, linkShared, tabId, type HostLink, type Leadership, type Role } from './links';
import { RequestMetrics, type MethodMetrics } from './metrics';
import { MessageTrace, type TracedMessage } from './trace';

export interface ManagerHealth extends Partial<HostHealth> {
  /** The strategy in use (or being started). */
  strategy: Strategy;
  /** Why this strategy: forced, detected, or a fallback after failures. */
  reason: string;
  role: Role | null;
  tab: string;
  connected: boolean;
  restarts: number;
  /** Requests waiting for an answer, and live subscriptions of this tab. */
  queue: { pending: number; subscriptions: number };
  lastHeartbeatAt: number | null;
  metrics: Record<string, MethodMetrics>;
  /** Set when the host could not be asked (it is being replaced). */
  hostError?: string;
}

interface Live {
  spec: QuerySpec;
  handlers: SubscriptionHandlers;
  current: LiveSubscription | null;
  /** An attach loop is running for it (it retries by itself across host changes). */
  attaching: boolean;
  disposed: boolean;
}

/** Requests sent again to the next host when theirs went away: all but fault injection and shutdown. */
const RETRIED = new Set<Method>(METHODS.filter((m) => m !== 'debug' && m !== 'shutdown'));

/** How often one strategy may fail to start before the next is tried. */
const FAILURES_BEFORE_FALLBACK = 3;

export class WorkerManager {
  private readonly detection: Detection = detectStrategies();
  private order: Strategy[];
  private reason: string;
  private link: HostLink | null = null;
  private client: DbClient | null = null;
  private connecting: Promise<DbClient> | null = null;
  private readonly live = new Set<Live>();
  private readonly failures = new Map<Strategy, number>();
  private restarts = 0;
  private closed = false;
  /**
   * Set when a host stopped answering: a frozen host keeps the host lock, so whatever host starts next must take
   * it (steal) rather than wait for it forever.
   */
  private stealNext = false;
  readonly metrics = new RequestMetrics();
  readonly trace = new MessageTrace();
  private readonly control = new BroadcastChannel('roomy-db-control');

  constructor(
    readonly config: DbConfig,
    private readonly batch: (fn: () => void) => void = (fn) => fn(),
  ) {
    this.order = strategyOrder(config.strategy, this.detection);
    this.reason =
      config.strategy === 'auto'
        ? `best available${this.detection.reasons.length ? ` (${this.detection.reasons.join('; ')})` : ''}`
        : `forced by configuration`;
    this.control.onmessage = (event: MessageEvent<{ switchTo?: Strategy }>) => {
      if (event.data?.switchTo) void this.applySwitch(event.data.switchTo, 'switched by another tab');
    };
    // WebKit keeps a page in the back/forward cache with its dedicated worker alive and every Web Lock held, so the
    // next page of the origin would wait for the leader's locks for ever. A tab of an elected strategy lets go as
    // its page goes into the cache (a leader stops its host) and connects again if the page comes back.
    globalThis.addEventListener?.('pagehide', (event: PageTransitionEvent) => {
      if (!event.persisted || !this.link || this.link.role === 'shared') return;
      this.link.pageCached?.();
      this.replace(this.link, 'page cached');
    });
  }

  get strategy(): Strategy {
    return this.link?.strategy ?? this.order[0]!;
  }

  /** Sends a request, starting the host if needed; retried once on the next host if this one goes away. */
  async request<M extends Method>(method: M, params: Methods[M]['params'], timeoutMs?: number) {
    for (let attempt = 0; ; attempt++) {
      const client = await this.ready();
      try {
        return await client.request(method, params, timeoutMs);
      } catch (error) {
        const retry = error instanceof ProtocolError && error.code === 'HOST_GONE' && RETRIED.has(method);
        if (retry && attempt === 0 && !this.closed) continue;
        throw error;
      }
    }
  }

  /** A live query that survives host replacement: after a restart it is subscribed again and its rows refreshed. */
  subscribe(spec: QuerySpec, handlers: SubscriptionHandlers): LiveSubscription {
    const entry: Live = { spec, handlers, current: null, attaching: false, disposed: false };
    this.live.add(entry);
    const ready = this.attach(entry);
    return {
      get id() {
        return entry.current?.id ?? 'pending';
      },
      ready,
      dispose: () => {
        entry.disposed = true;
        this.live.delete(entry);
        entry.current?.dispose();
      },
    };
  }

  private async attach(entry: Live): Promise<ResultRow[]> {
    entry.attaching = true;
    try {
      for (;;) {
        const client = await this.ready();
        if (entry.disposed) return [];
        entry.current?.dispose();
        const current = client.subscribe(entry.spec, entry.handlers);
        entry.current = current;
        try {
          return await current.ready;
        } catch (error) {
          // A live query lives as long as the manager: it waits for the next host, however many it takes.
          if (error instanceof ProtocolError && error.code === 'HOST_GONE' && !this.closed) continue;
          entry.handlers.onError(error as Error);
          throw error;
        }
      }
    } finally {
      entry.attaching = false;
    }
  }

  /** The connected client, connecting first if needed. Fails after `startTimeoutMs` instead of waiting forever. */
  ready(): Promise<DbClient> {
    if (this.client) return Promise.resolve(this.client);
    if (this.closed) return Promise.reject(new ProtocolError('HOST_GONE', 'the database was shut down'));
    this.connecting ??= withTimeout(
      this.connect(),
      this.config.startTimeoutMs,
      () => `no database host could be started in ${this.config.startTimeoutMs} ms (${this.reason})`,
    ).finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(options: { leadership?: Leadership; steal?: boolean } = {}): Promise<DbClient> {
    const errors: string[] = [];
    for (;;) {
      if (this.closed) throw new ProtocolError('HOST_GONE', 'the database was shut down');
      const strategy = this.order.find((s) => (this.failures.get(s) ?? 0) < FAILURES_BEFORE_FALLBACK) ?? 'main';
      try {
        const steal = strategy !== 'shared' && (options.steal || this.stealNext);
        this.stealNext = false;
        const opened =
          strategy === 'shared'
            ? await this.open(await linkShared(this.config))
            : steal
              ? await this.takeOver(strategy)
              : await this.open(await linkElected(this.config, strategy, { leadership: options.leadership }));
        this.adopt(opened.link, opened.client);
        return opened.client;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        errors.push(`${strategy}: ${message}`);
        this.failures.set(strategy, (this.failures.get(strategy) ?? 0) + 1);
        if ((this.failures.get(strategy) ?? 0) >= FAILURES_BEFORE_FALLBACK && strategy !== 'main') {
          this.reason = `fallback after ${strategy} failed (${message})`;
          console.warn(`[roomy] ${strategy} host failed, falling back:`, message);
          // The host that failed may be frozen with the host lock: the next one must take it.
          this.stealNext = true;
        }
        if (errors.length > 6)
          throw new ProtocolError('HOST_GONE', `no database host could start: ${errors.join('; ')}`);
        options = {};
        await sleep(100 * errors.length);
      }
    }
  }

  /** A client on a fresh link, once the host's context answers (it does even while opening the database). */
  private async open(link: HostLink, pingTimeoutMs = this.config.heartbeatTimeoutMs * 2) {
    const client = this.makeClient(link);
    try {
      const pong = await Promise.race([client.request('ping', {}, pingTimeoutMs), link.failed]);
      client.hostId = pong.hostId;
      link.failed.catch((error: Error) => client.close(error.message));
      return { link, client };
    } catch (error) {
      client.close();
      link.close();
      throw error;
    }
  }

  /**
   * After the host stopped answering: maybe its tab just closed and another tab is starting the next host, maybe
   * it froze (and keeps its locks). Lead if the leader lock is free; else listen as a follower for a while, and
   * steal the lock only if no host answers. The random wait lets one tab go first when several noticed.
   */
  private async takeOver(strategy: 'dedicated' | 'main') {
    await sleep(Math.random() * 300);
    const probe = await linkElected(this.config, strategy);
    if (probe.role === 'leader') return this.open(probe); // the leader lock was free after all
    try {
      return await this.open(probe, this.config.heartbeatTimeoutMs);
    } catch {
      console.warn('[roomy] the leader tab holds its lock but its host does not answer: taking over');
      return this.open(await linkElected(this.config, strategy, { steal: true }));
    }
  }

  private makeClient(link: HostLink) {
    return new DbClient(link.port, {
      requestTimeoutMs: this.config.requestTimeoutMs,
      heartbeatMs: this.config.heartbeatMs,
      heartbeatTimeoutMs: this.config.heartbeatTimeoutMs,
      debug: this.config.debug,
      batch: this.batch,
      trace: this.config.debug ? (direction, message) => this.trace.record(direction, message) : undefined,
      measure: (method, ms, ok) => this.metrics.record(method, ms, ok),
    });
  }

  /** Makes a fresh connection the current one and re-establishes every live query on it. */
  private adopt(link: HostLink, client: DbClient) {
    this.link = link;
    this.client = client;
    this.failures.delete(link.strategy);
    console.info(`[roomy] database host: ${link.strategy} (${link.role}); ${this.reason}`);
    client.onLost((reason) => this.lost(link, reason));
    link.promoted?.then(
      (leadership) => this.replace(link, 'the leader tab left: this tab leads now', { leadership }),
      () => {},
    );
    link.deposed?.then(() => this.replace(link, 'another tab took the lead from this one'));
    link.onHostReady?.((hostId) => {
      if (hostId !== client.hostId) this.replace(link, 'a new host took over');
    });
    // Live queries of the previous host start again here; those still attaching retry by themselves.
    for (const entry of this.live) if (!entry.attaching && entry.current === null) void this.reattach(entry);
  }

  private reattach(entry: Live) {
    return this.attach(entry).catch((error: unknown) => console.error('[roomy] live query lost:', error));
  }

  private lost(link: HostLink, reason: LostReason) {
    if (this.link !== link) return;
    if (reason.failed) {
      this.failures.set(link.strategy, FAILURES_BEFORE_FALLBACK); // it cannot start here: do not retry it
      this.reason = `fallback after ${link.strategy} failed (${reason.message})`;
    }
    // Another tab's host that froze keeps its locks: the next host must steal them. (The lock queue handles a host
    // that really went away: its locks are free. A leader whose own host froze just closes it, freeing the locks.)
    if (/stopped answering/.test(reason.message) && link.role !== 'leader') this.stealNext = true;
    this.replace(link, reason.message);
  }

  /** Drops the current connection and connects again at once. */
  private replace(link: HostLink, why: string, options: { leadership?: Leadership; steal?: boolean } = {}) {
    if (this.link !== link || this.closed) {
      options.leadership?.release();
      return;
    }
    console.warn(`[roomy] replacing the database host: ${why}`);
    this.restarts++;
    this.link = null;
    const old = this.client;
    this.client = null;
    old?.close(why);
    link.close({ keepLeadership: !!options.leadership });
    for (const entry of this.live) entry.current = null;
    this.connecting = withTimeout(
      this.connect(options),
      this.config.startTimeoutMs,
      () => `no host after: ${why}`,
    ).finally(() => (this.connecting = null));
    this.connecting.catch((error: unknown) => console.error('[roomy] could not replace the database host:', error));
  }

  /** Switches every tab of the origin to another strategy (for testing); new tabs follow too. */
  async switchStrategy(strategy: Strategy) {
    safeStorage()?.setItem(STRATEGY_STORAGE_KEY, strategy);
    this.control.postMessage({ switchTo: strategy });
    await this.applySwitch(strategy, 'switched at runtime');
  }

  private async applySwitch(strategy: Strategy, why: string) {
    this.order = strategyOrder(strategy, this.detection);
    this.reason = why;
    this.failures.clear();
    // A connection under way was started with the old order (say, this tab noticed the shared host shut down by
    // the tab that switched before the switch message came): let it land, then move it.
    if (this.connecting) await this.connecting.catch(() => {});
    const link = this.link;
    if (!link || link.strategy === this.order[0]) return; // not connected: the next connection uses the new order
    if (link.role === 'shared') await this.client?.request('shutdown', {}, 2_000).catch(() => {});
    this.replace(link, why);
    await this.ready();
  }

  async health(): Promise<ManagerHealth> {
    const base: ManagerHealth = {
      strategy: this.strategy,
      reason: this.reason,
      role: this.link?.role ?? null,
      tab: tabId,
      connected: this.client !== null,
      restarts: this.restarts,
      queue: { pending: this.client?.pendingCount ?? 0, subscriptions: this.live.size },
      lastHeartbeatAt: this.client?.lastHeardAt ?? null,
      metrics: this.metrics.snapshot(),
    };
    try {
      const host = await this.request('health', {}, 5_000);
      return { ...host, ...base, leader: host.leader };
    } catch (error) {
      return { ...base, hostError: error instanceof Error ? error.message : String(error) };
    }
  }

  traced(): TracedMessage[] {
    return this.trace.list();
  }

  /** Fault injection for tests and the devtools. */
  async inject(action: 'crash' | 'freeze' | 'never-answer', timeoutMs?: number) {
    return this.request('debug', { action }, timeoutMs);
  }

  /** Clean shutdown: subscriptions end, the host is let go (a leader stops its host). */
  close() {
    this.closed = true;
    for (const entry of this.live) entry.current?.dispose();
    this.live.clear();
    this.client?.close('the database was shut down');
    this.link?.close();
    this.control.close();
  }
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProtocolError('HOST_GONE', message())), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
