/**
 * The database host: owns the one SQLite connection of the origin and serves tabs over ports. The same class runs
 * in a SharedWorker, a dedicated worker or on the main thread; only how ports reach it differs (entry-*.ts).
 *
 * Ports are served from the first moment: the heartbeat (`ping`) is answered at once, while the host may still be
 * waiting for the host lock, opening the database or draining the inbox; other requests wait until it is ready.
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
import { openSyncDb, SYNC_CHANNEL, type SyncDb, type SyncNotice } from '../protocol/sync-store';
import type { HostConfig } from './config';
import { acquireHostLock } from './host-lock';
import { Materializer, type BatchResult } from './materializer/materializer';
import { LiveQueries, type Subscriber } from './queries/live-queries';
import { migrate } from './schema';
import type { Database } from './sqlite/database';
import { openBrowserDatabase } from './sqlite/open-browser';
import { StallMeter } from './stall-meter';
import { describeStorageProblem } from './storage-problem';
import { InboxDrain } from './sync/inbox-drain';

/** Anything a host can talk to a tab through: a MessagePort, a worker's global scope, a bus relay. */
export interface Port {
  postMessage(data: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  start?(): void;
  close?(): void;
}

/** What the context around the host does when the host must end (a worker closes itself). */
export interface HostHooks {
  exit(reason: string): void;
}

/** The host's side of one tab. */
class Connection implements Subscriber {
  lastSeen = Date.now();
  constructor(
    readonly id: number,
    readonly port: Port,
    private readonly debug: boolean,
  ) {}
  post(message: Parameters<typeof encodeMessage>[0]) {
    if (this.debug) console.debug('[roomy host →tab]', this.id, message);
    this.port.postMessage(encodeMessage(message));
  }
  send<N extends keyof HostEvents>(name: N, data: HostEvents[N]) {
    this.post({ v: PROTOCOL_VERSION, t: 'evt', name, data });
  }
}

/** How long a host at work on a drained batch may leave pings unanswered (see announceBusy). */
const BUSY_GRACE_MS = 10_000;
/** A tab that has not been heard from for this long is gone (a closed tab cannot say goodbye reliably). */
const CONNECTION_TIMEOUT_MS = 15_000;

interface Open {
  db: Database;
  syncDb: SyncDb;
  materializer: Materializer;
  live: LiveQueries;
  drainer: InboxDrain;
  releaseLock: () => void;
}

export class DbHost {
  readonly hostId = Math.random().toString(36).slice(2, 10);
  readonly ready: Promise<void>;
  private open: Open | null = null;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);
  private readonly startedAt = Date.now();
  private lastCommitAt: number | null = null;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private frozen = false;
  private closed = false;
  private readonly stallMeter = new StallMeter();

  private constructor(
    readonly config: HostConfig,
    private readonly hooks: HostHooks,
  ) {
    this.ready = this.start();
    this.ready.catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      this.log('could not open the database:', message);
      for (const connection of this.connections) connection.send('host-failed', { message });
    });
    this.sweeper = setInterval(() => this.sweep(), CONNECTION_TIMEOUT_MS / 3);
  }

  /** Creates a host and starts opening its database in the background. */
  static create(config: HostConfig, hooks: HostHooks): DbHost {
    return new DbHost(config, hooks);
  }

  /** Takes the host lock, opens and migrates the database, then drains what waited in the inbox. */
  private async start() {
    const releaseLock = await acquireHostLock({
      steal: this.config.steal,
      onLost: () => void this.close('a newer host took over the database'),
    });
    let db: Database | undefined;
    try {
      // The SharedWorker is the only host of its origin's database, and lets go of it only by closing it: no other
      // host steals the host lock from it (stealing is for the frozen leaders of the dedicated and main
      // strategies, whose file locks must then be free between transactions).
      db = await openBrowserDatabase(this.config.vfs, this.config.database, {
        exclusiveLock: this.config.strategy === 'shared',
      });
      await db.exclusive(() => migrate(db!));
    } catch (error) {
      await db?.close().catch(() => {});
      releaseLock();
      throw error;
    }
    // Storage cleared under the running app: this host's database is being deleted with it. It closes, so the
    // deletion can go on, and the tabs start a new host on a fresh database, which the service worker re-syncs.
    const syncDb = await openSyncDb({ onGone: (why) => void this.close(`local storage went away: ${why}`) });
    const materializer = new Materializer(db);
    const live = new LiveQueries(db);
    const drainer = new InboxDrain(syncDb, db, materializer, {
      onBatch: (result) => this.reportRejections(result),
      onBusy: (busy) => this.announceBusy(db, busy),
      onFailure: (error) => {
        this.log('inbox drain failed:', error);
        this.reportStorageProblem(error);
      },
    });
    this.open = { db, syncDb, materializer, live, drainer, releaseLock };
    db.onCommit((changes) => {
      this.lastCommitAt = Date.now();
      const tables = [...changes.rows.keys(), ...changes.truncated];
      for (const connection of this.connections) connection.send('commit', { tables, at: this.lastCommitAt });
    });
    this.channel.onmessage = (event: MessageEvent<SyncNotice>) => {
      if (event.data?.type === 'inbox') this.drain();
    };
    this.log(`ready: ${this.config.strategy} host ${this.hostId}, ${this.config.vfs} (${db.description.build} build)`);
    // Events that arrived while no tab was open go in first; requests are served meanwhile.
    this.drain();
  }

  /**
   * On the synchronous build (OPFS access handles) each SQLite call holds the worker's thread: the commit of a
   * drained batch, journal and pages flushed to disk, took 0.5 to 2.6 s on a busy 2-core machine (two browsers
   * backfilling), up to the tabs' 2.5 s heartbeat timeout. The tabs are told beforehand, so that a host at
   * work is not taken for a dead one; a host that stays silent past BUSY_GRACE_MS still is.
   */
  private announceBusy(db: Database, busy: boolean) {
    if (db.description.build !== 'sync') return; // the asynchronous build turns its event loop while it waits
    for (const connection of this.connections) connection.send('busy', { forMs: busy ? BUSY_GRACE_MS : 0 });
  }

  private drain() {
    void this.open?.drainer.drain().catch(() => {}); // reported by onFailure, and tried again later
  }

  /**
   * Tells every tab when a failure is the device's storage (quota exhausted, a write refused), so the user hears
   * why new messages stop appearing; the inbox keeps what was not applied, for the next drain. Returns the wording.
   */
  private reportStorageProblem(error: unknown): string | null {
    const message = describeStorageProblem(error, this.open?.db.vfsError());
    if (message) this.channel.postMessage({ type: 'storage-error', message } satisfies SyncNotice);
    return message;
  }

  /** Serves one tab over a port. */
  connect(port: Port): void {
    const connection = new Connection(this.nextConnectionId++, port, this.config.debug);
    this.connections.add(connection);
    port.addEventListener('message', (event) => void this.receive(connection, event.data));
    port.start?.();
  }

  /** A tab said goodbye (or its bus relay noticed it left). */
  disconnect(port: Port): void {
    for (const connection of this.connections) if (connection.port === port) this.drop(connection);
  }

  private drop(connection: Connection) {
    this.connections.delete(connection);
    this.open?.live.dropSubscriber(connection);
  }

  private async receive(connection: Connection, data: unknown) {
    if (this.frozen || this.closed) return;
    connection.lastSeen = Date.now();
    let message;
    try {
      message = decodeMessage(data);
    } catch (error) {
      this.log('refused a message:', error instanceof Error ? error.message : error);
      connection.post({ v: PROTOCOL_VERSION, t: 'res', id: safeId(data), ok: false, error: toWireError(error) });
      return;
    }
    if (this.config.debug) console.debug('[roomy host ←tab]', connection.id, message);
    if (message.t !== 'req') return;
    const request = message as RequestMessage;
    if (request.method === 'debug' && (request.params as Methods['debug']['params']).action === 'never-answer') return;
    try {
      const result = await this.handle(connection, request.method, request.params);
      if (!this.frozen) connection.post({ v: PROTOCOL_VERSION, t: 'res', id: request.id, ok: true, result });
    } catch (error) {
      if (!this.frozen)
        connection.post({ v: PROTOCOL_VERSION, t: 'res', id: request.id, ok: false, error: toWireError(error) });
    }
  }

  private async handle<M extends Method>(connection: Connection, method: M, params: Methods[M]['params']) {
    if (method === 'ping') return { now: Date.now(), hostId: this.hostId, ready: this.open !== null };
    if (method === 'debug') return this.debugAction((params as Methods['debug']['params']).action);
    await this.ready;
    const open = this.open!;
    switch (method) {
      case 'query':
        return open.live.query(params as Methods['query']['params']);
      case 'subscribe': {
        const { id, ...spec } = params as Methods['subscribe']['params'];
        return { rows: await open.live.subscribe(connection, id, spec) };
      }
      case 'unsubscribe':
        open.live.unsubscribe(connection, (params as Methods['unsubscribe']['params']).id);
        return null;
      case 'write':
        return this.write(open, (params as Methods['write']['params']).events);
      case 'drain':
        return { applied: await open.drainer.drain() };
      case 'health':
        return this.health(open);
      case 'subscriptions':
        return open.live.describe();
      case 'rejected':
        return this.rejected(open, (params as Methods['rejected']['params']).limit ?? 100);
      case 'shutdown':
        queueMicrotask(() => void this.close('shut down on request'));
        return null;
      default:
        throw new ProtocolError('UNKNOWN_METHOD', `unknown method ${String(method)}`);
    }
  }

  private debugAction(action: Methods['debug']['params']['action']) {
    this.log(`fault injected: ${action}`);
    if (action === 'freeze') this.frozen = true;
    if (action === 'crash') queueMicrotask(() => this.hooks.exit('crashed on request'));
    return null;
  }

  /**
   * A local write: kept in the outbox first (so that it is sent even if the host dies right after), then applied
   * to the local database at once, so the author sees it without waiting for the server.
   */
  private async write(open: Open, events: NewEvent[]) {
    if (!Array.isArray(events)) throw new ProtocolError('BAD_MESSAGE', 'write needs an array of events');
    const valid: NewEvent[] = [];
    const rejected: { id: string | null; reason: string }[] = [];
    for (const input of events) {
      const parsed = parseEvent(input);
      if (parsed.ok) valid.push(input);
      else rejected.push({ id: (input as { id?: string })?.id ?? null, reason: parsed.error });
    }
    // The outbox first, then the events and their delivery state in one commit (db-worker/sync/local-writes.ts).
    let result: BatchResult;
    try {
      result = await open.drainer.localWrites.enqueue(valid, (markPending) =>
        open.db.exclusive(async () => {
          // On the IndexedDB VFSs, committed without waiting for IndexedDB to write it: the outbox already holds
          // these events (itself written with IndexedDB's default, unflushed durability), and the server's copy
          // comes back through the inbox, whose commits do wait. If the host dies in those few milliseconds, the
          // write vanishes locally until that copy arrives; the outbox still sends it. Waiting was most of a write's
          // time to the screen. An IndexedDB transaction is atomic either way; with the OPFS VFSs' rollback
          // journal, SQLite says NORMAL can (rarely) leave a database corrupt after a power cut, so they keep FULL.
          const relaxed = open.db.description.vfs.startsWith('IDB');
          if (relaxed) await open.db.run('PRAGMA synchronous = NORMAL');
          try {
            return await open.materializer.applyBatch(valid, { alongside: markPending });
          } finally {
            if (relaxed) await open.db.run('PRAGMA synchronous = FULL');
          }
        }),
      );
    } catch (error) {
      // A full disk is said in words the composer can show, not as "QuotaExceededError" or "disk I/O error".
      const storage = this.reportStorageProblem(error);
      throw storage ? new Error(storage, { cause: error }) : error;
    }
    this.reportRejections(result);
    return { ...result, rejected: [...rejected, ...result.rejected] };
  }

  private reportRejections(result: BatchResult) {
    for (const r of result.rejected) this.log(`rejected event ${r.id ?? '(no id)'}: ${r.reason}`);
  }

  private rejected(open: Open, limit: number) {
    return open.db.exclusive(() =>
      open.db.all<{ eventId: string | null; type: string | null; reason: string; at: number }>(
        'SELECT event_id AS eventId, type, reason, at FROM rejected_events ORDER BY rowid DESC LIMIT ?',
        [Math.min(Math.max(1, limit), 1000)],
      ),
    );
  }

  private async health(open: Open): Promise<HostHealth> {
    const counts = await open.db.exclusive(() =>
      open.db.get<{ applied: number; waiting: number; rejected: number }>(
        `SELECT (SELECT count(*) FROM events) - (SELECT count(*) FROM events WHERE status <> 'applied') AS applied,
                (SELECT count(*) FROM waiting_events) AS waiting,
                (SELECT count(*) FROM rejected_events) AS rejected`,
      ),
    );
    return {
      strategy: this.config.strategy,
      hostId: this.hostId,
      leader: this.config.leader,
      vfs: this.config.vfs,
      build: open.db.description.build,
      database: this.config.database,
      startedAt: this.startedAt,
      uptimeMs: Date.now() - this.startedAt,
      connections: this.connections.size,
      subscriptions: open.live.size,
      lastCommitAt: this.lastCommitAt,
      inbox: { drained: open.drainer.stats.drained, lastDrainAt: open.drainer.stats.lastDrainAt },
      events: {
        applied: Number(counts?.applied ?? 0),
        waiting: Number(counts?.waiting ?? 0),
        rejected: Number(counts?.rejected ?? 0),
      },
      stalls: { ...this.stallMeter.stalls },
    };
  }

  /** Forgets tabs that stopped talking: their subscriptions would otherwise be re-run forever. */
  private sweep() {
    const cutoff = Date.now() - CONNECTION_TIMEOUT_MS;
    for (const connection of this.connections) if (connection.lastSeen < cutoff) this.drop(connection);
  }

  private log(...args: unknown[]) {
    console.info(`[roomy host ${this.hostId}]`, ...args);
  }

  /** Tells every tab, closes the database and gives the host lock back. */
  async close(reason: string) {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    this.stallMeter.stop();
    for (const connection of this.connections) connection.send('host-closing', { reason });
    this.connections.clear();
    this.channel.close();
    const open = this.open;
    this.open = null;
    if (open) {
      open.drainer.close();
      await open.db.exclusive(() => open.db.close()).catch(() => {});
      open.syncDb.close();
      open.releaseLock();
    }
    this.hooks.exit(reason);
  }
}

function toWireError(error: unknown): WireError {
  if (error instanceof ProtocolError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  const isSql = error instanceof Error && (error.name === 'SQLiteError' || 'code' in error);
  return { code: isSql ? 'SQL_ERROR' : 'INTERNAL', message };
}

/** The id of a request that could not be decoded, if it can be found, so that its sender is not left waiting. */
function safeId(data: unknown): number {
  try {
    const id = (JSON.parse(String(data)) as { json?: { id?: unknown } })?.json?.id;
    return typeof id === 'number' ? id : -1;
  } catch {
    return -1;
  }
}
