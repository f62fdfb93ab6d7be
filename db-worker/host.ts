/**
 * The database host: owns the one SQLite connection of the origin and serves tabs over message ports. The same
 * class runs in a SharedWorker, a dedicated worker or on the main thread; only how ports reach it differs
 * (see the entry-*.ts files).
 *
 * Only one host may own the database at a time, across every tab, worker and app version: it holds the Web Lock
 * HOST_LOCK for as long as it lives, and a second host waits for it.
 */
import { parseEvent, type NewEvent } from '../protocol/events';
import {
  PROTOCOL_VERSION,
  ProtocolError,
  decodeMessage,
  encodeMessage,
  type HostEvents,
  type HostHealth,
  type Method,
  type Methods,
  type RequestMessage,
  type WireError,
} from '../protocol/messages';
import { openSyncDb, SYNC_CHANNEL, type OutboxEntry, type SyncDb, type SyncNotice } from '../protocol/sync-store';
import { Materializer, type BatchResult } from './materializer/materializer';
import { LiveQueries, type Subscriber } from './queries/live-queries';
import { migrate } from './schema';
import type { Database } from './sqlite/database';
import { canRun, isVfsName, openBrowserDatabase, type VfsName } from './sqlite/open-browser';
import { InboxDrain } from './sync/inbox-drain';

export const HOST_LOCK = 'roomy-db-host';

export type Strategy = HostHealth['strategy'];

export interface HostConfig {
  strategy: Strategy;
  vfs: VfsName;
  /** Database name; files are named after it. */
  database: string;
  debug: boolean;
}

/** Anything a host can talk to a tab through: a MessagePort, a worker's global scope, a relay. */
export interface Port {
  postMessage(data: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  start?(): void;
  close?(): void;
}

/** The host's side of one tab. */
class Connection implements Subscriber {
  lastSeen = Date.now();
  constructor(
    readonly id: number,
    private readonly port: Port,
    private readonly debug: boolean,
  ) {}
  post(message: Parameters<typeof encodeMessage>[0]) {
    if (this.debug) console.debug('[roomy host →tab]', this.id, message);
    this.port.postMessage(encodeMessage(message));
  }
  send<N extends keyof HostEvents>(name: N, data: HostEvents[N]) {
    this.post({ v: PROTOCOL_VERSION, t: 'evt', name, data });
  }
  close() {
    this.port.close?.();
  }
}

/** A tab that has not been heard from for this long is gone (a closed tab cannot say goodbye reliably). */
const CONNECTION_TIMEOUT_MS = 30_000;

export class DbHost {
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private readonly live: LiveQueries;
  private readonly materializer: Materializer;
  private readonly drainer: InboxDrain;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);
  private readonly startedAt = Date.now();
  private lastCommitAt: number | null = null;
  private readonly sweeper: ReturnType<typeof setInterval>;

  private constructor(
    readonly config: HostConfig,
    private readonly db: Database,
    private readonly syncDb: SyncDb,
    private readonly releaseLock: () => void,
  ) {
    this.materializer = new Materializer(db);
    this.live = new LiveQueries(db);
    this.drainer = new InboxDrain(syncDb, db, this.materializer, (result) => this.reportRejections(result));
    db.onCommit((changes) => {
      this.lastCommitAt = Date.now();
      const tables = [...changes.rows.keys(), ...changes.truncated];
      for (const connection of this.connections) connection.send('commit', { tables, at: this.lastCommitAt });
    });
    this.channel.onmessage = (event: MessageEvent<SyncNotice>) => {
      if (event.data?.type === 'inbox') void this.drainer.drain().catch((error) => this.log('drain failed', error));
    };
    this.sweeper = setInterval(() => this.sweep(), CONNECTION_TIMEOUT_MS / 3);
  }

  /** Takes the host lock, opens and migrates the database, and drains whatever waited in the inbox. */
  static async start(config: HostConfig): Promise<DbHost> {
    const releaseLock = await acquireHostLock();
    let db: Database | undefined;
    try {
      db = await openBrowserDatabase(config.vfs, config.database);
      await db.exclusive(() => migrate(db!));
    } catch (error) {
      await db?.close().catch(() => {});
      releaseLock();
      throw error;
    }
    const syncDb = await openSyncDb();
    const host = new DbHost(config, db, syncDb, releaseLock);
    // Events that arrived while no tab was open go in before anything else.
    await host.drainer.drain();
    host.log(
      `ready: ${config.strategy} host, ${config.vfs} (${db.description.build} build), database "${config.database}"`,
    );
    return host;
  }

  /** Serves one tab over a port. */
  connect(port: Port): void {
    const connection = new Connection(this.nextConnectionId++, port, this.config.debug);
    this.connections.add(connection);
    port.addEventListener('message', (event) => void this.receive(connection, event.data));
    port.start?.();
  }

  private async receive(connection: Connection, data: unknown) {
    connection.lastSeen = Date.now();
    let message;
    try {
      message = decodeMessage(data);
    } catch (error) {
      // Without a trustworthy id there is nothing to answer; say so in the log.
      this.log('refused a message:', error instanceof Error ? error.message : error);
      const id = (safeId(data) ?? -1) as number;
      connection.post({ v: PROTOCOL_VERSION, t: 'res', id, ok: false, error: toWireError(error) });
      return;
    }
    if (this.config.debug) console.debug('[roomy host ←tab]', connection.id, message);
    if (message.t !== 'req') return;
    const request = message as RequestMessage;
    try {
      const result = await this.handle(connection, request.method, request.params);
      connection.post({ v: PROTOCOL_VERSION, t: 'res', id: request.id, ok: true, result });
    } catch (error) {
      connection.post({ v: PROTOCOL_VERSION, t: 'res', id: request.id, ok: false, error: toWireError(error) });
    }
  }

  private handle<M extends Method>(connection: Connection, method: M, params: Methods[M]['params']): Promise<unknown> {
    const p = params as never;
    switch (method) {
      case 'ping':
        return Promise.resolve({ now: Date.now() });
      case 'query':
        return this.live.query(p);
      case 'subscribe': {
        const { id, ...spec } = params as Methods['subscribe']['params'];
        return this.live.subscribe(connection, id, spec).then((rows) => ({ rows }));
      }
      case 'unsubscribe':
        this.live.unsubscribe(connection, (params as Methods['unsubscribe']['params']).id);
        return Promise.resolve(null);
      case 'write':
        return this.write((params as Methods['write']['params']).events);
      case 'drain':
        return this.drainer.drain().then((applied) => ({ applied }));
      case 'health':
        return this.health();
      case 'subscriptions':
        return Promise.resolve(this.live.describe());
      case 'rejected':
        return this.rejected((params as Methods['rejected']['params']).limit ?? 100);
      default:
        return Promise.reject(new ProtocolError('UNKNOWN_METHOD', `unknown method ${String(method)}`));
    }
  }

  /**
   * A local write: kept in the outbox first (so that it is sent even if the host dies right after), then applied
   * to the local database at once, so the author sees it without waiting for the server.
   */
  private async write(events: NewEvent[]) {
    if (!Array.isArray(events)) throw new ProtocolError('BAD_MESSAGE', 'write needs an array of events');
    const valid: NewEvent[] = [];
    const rejected: { id: string | null; reason: string }[] = [];
    for (const input of events) {
      const parsed = parseEvent(input);
      if (parsed.ok) valid.push(input);
      else rejected.push({ id: (input as { id?: string })?.id ?? null, reason: parsed.error });
    }
    if (valid.length) {
      const now = Date.now();
      const tx = this.syncDb.transaction('outbox', 'readwrite');
      for (const event of valid) {
        const entry: OutboxEntry = {
          id: event.id,
          stream: event.stream,
          event,
          state: 'pending',
          attempts: 0,
          lastError: null,
          createdAt: now,
          nextAttemptAt: now,
        };
        void tx.store.put(entry);
      }
      await tx.done;
      this.channel.postMessage({ type: 'outbox' } satisfies SyncNotice);
    }
    const result = await this.db.exclusive(() => this.materializer.applyBatch(valid));
    this.reportRejections(result);
    return { ...result, rejected: [...rejected, ...result.rejected] };
  }

  private reportRejections(result: BatchResult) {
    for (const r of result.rejected) this.log(`rejected event ${r.id ?? '(no id)'}: ${r.reason}`);
  }

  private async rejected(limit: number) {
    return this.db.exclusive(() =>
      this.db.all<{ eventId: string | null; type: string | null; reason: string; at: number }>(
        'SELECT event_id AS eventId, type, reason, at FROM rejected_events ORDER BY rowid DESC LIMIT ?',
        [Math.min(Math.max(1, limit), 1000)],
      ),
    );
  }

  private async health(): Promise<HostHealth> {
    const counts = await this.db.exclusive(() =>
      this.db.get<{ applied: number; waiting: number; rejected: number }>(
        `SELECT (SELECT count(*) FROM events WHERE status = 'applied') AS applied,
                (SELECT count(*) FROM waiting_events) AS waiting,
                (SELECT count(*) FROM rejected_events) AS rejected`,
      ),
    );
    return {
      strategy: this.config.strategy,
      vfs: this.config.vfs,
      build: this.db.description.build,
      database: this.config.database,
      startedAt: this.startedAt,
      uptimeMs: Date.now() - this.startedAt,
      connections: this.connections.size,
      subscriptions: this.live.size,
      lastCommitAt: this.lastCommitAt,
      inbox: { drained: this.drainer.stats.drained, lastDrainAt: this.drainer.stats.lastDrainAt },
      events: {
        applied: Number(counts?.applied ?? 0),
        waiting: Number(counts?.waiting ?? 0),
        rejected: Number(counts?.rejected ?? 0),
      },
    };
  }

  /** Forgets tabs that stopped talking: their subscriptions would otherwise be re-run forever. */
  private sweep() {
    const cutoff = Date.now() - CONNECTION_TIMEOUT_MS;
    for (const connection of this.connections) {
      if (connection.lastSeen < cutoff) {
        this.connections.delete(connection);
        this.live.dropSubscriber(connection);
        connection.close();
      }
    }
  }

  private log(...args: unknown[]) {
    console.info('[roomy host]', ...args);
  }

  async close() {
    clearInterval(this.sweeper);
    this.channel.close();
    for (const connection of this.connections) connection.close();
    await this.db.exclusive(() => this.db.close());
    this.syncDb.close();
    this.releaseLock();
  }
}

function toWireError(error: unknown): WireError {
  if (error instanceof ProtocolError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: /sqlite|SQL/i.test(String((error as Error)?.name) + message) ? 'SQL_ERROR' : 'INTERNAL', message };
}

function safeId(data: unknown): number | undefined {
  try {
    const id = (JSON.parse(String(data)) as { json?: { id?: unknown } })?.json?.id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until this context holds the host lock; it is kept until `release` is called or the context dies. */
function acquireHostLock(): Promise<() => void> {
  return new Promise((resolve, reject) => {
    navigator.locks
      .request(HOST_LOCK, { mode: 'exclusive' }, () => new Promise<void>((release) => resolve(release)))
      .catch(reject);
  });
}

/** Reads the host's configuration from a query string (a worker's name, or a page's URL). */
export function parseHostConfig(query: string, defaults: HostConfig): HostConfig {
  const params = new URLSearchParams(query);
  const vfs = params.get('vfs');
  return {
    strategy: defaults.strategy,
    vfs: isVfsName(vfs) && canRun(vfs) ? vfs : defaults.vfs,
    database: params.get('db') || defaults.database,
    debug: params.get('debug') === '1' || defaults.debug,
  };
}
