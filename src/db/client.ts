/**
 * The tab's side of the database host: requests with ids and timeouts (no promise waits forever), live query
 * subscriptions that receive patches, and a heartbeat that tells the host this tab is alive (and tells the tab
 * when the host is not).
 */
import {
  PROTOCOL_VERSION,
  ProtocolError,
  decodeMessage,
  encodeMessage,
  type EventMessage,
  type HostEventName,
  type HostEvents,
  type Message,
  type Method,
  type Methods,
  type QuerySpec,
  type ResultRow,
  type RowPatch,
} from '../../protocol/messages';

/** The tab's end of a connection to a host (a MessagePort, a worker, a relay). */
export interface ClientPort {
  postMessage(data: string): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close?(): void;
}

export interface ClientOptions {
  requestTimeoutMs: number;
  /** How often to ping the host, and how long a ping may take before the host counts as gone. */
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  debug: boolean;
  /** Runs the patches of one commit together, so that the UI updates once (Solid's `batch`). */
  batch?: (fn: () => void) => void;
  /** Sees every message in both directions (the devtools' message log). */
  trace?: (direction: 'out' | 'in', message: Message) => void;
  /** Records how long each answered request took. */
  measure?: (method: Method, ms: number, ok: boolean) => void;
}

/** Why a connection ended: `failed` means the host could not start at all (try another strategy). */
export interface LostReason {
  message: string;
  failed: boolean;
}

export interface LiveSubscription {
  readonly id: string;
  /** The first result. */
  readonly ready: Promise<ResultRow[]>;
  dispose(): void;
}

/** Anything live queries can be subscribed on: one connection (DbClient) or the WorkerManager. */
export interface LiveSource {
  subscribe(spec: QuerySpec, handlers: SubscriptionHandlers): LiveSubscription;
}

export interface SubscriptionHandlers {
  /** The first result; patches follow, each relative to the rows before it. */
  onRows(rows: ResultRow[]): void;
  onPatch(patch: RowPatch): void;
  onError(error: Error): void;
}

interface Pending {
  method: Method;
  startedAt: number;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

let nextSubscriptionId = 1;

/** How late the heartbeat's timeout may fire before the lateness is this tab's, not the host's. */
const LATE_TIMER_MS = 500;
/** The longest silence a host may announce (HostEvents['busy']): a longer one is not believed. */
const MAX_BUSY_MS = 30_000;

export class DbClient implements LiveSource {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly subscriptions = new Map<string, SubscriptionHandlers & { buffered: RowPatch[] | null }>();
  private readonly listeners = new Map<HostEventName, Set<(data: never) => void>>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly lostListeners = new Set<(reason: LostReason) => void>();
  private closed = false;
  /** When the host last answered anything. */
  lastHeardAt = Date.now();
  /** Until when the host said it would hold its thread (performance.now() time); 0 when it is not at work. */
  private busyUntil = 0;
  hostId: string | null = null;

  constructor(
    private readonly port: ClientPort,
    private readonly options: ClientOptions,
  ) {
    port.onmessage = (event) => this.receive(event.data);
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
  }

  /**
   * A host can die without a word (a SharedWorker killed from the outside leaves its ports silently dead) or
   * freeze: only an unanswered ping tells.
   */
  private beat() {
    const timeoutMs = this.options.heartbeatTimeoutMs;
    const sentAt = performance.now();
    this.request('ping', {}, timeoutMs).then(
      ({ hostId }) => (this.hostId = hostId),
      (error: ProtocolError) => {
        if (error.code !== 'TIMEOUT') return;
        // When this tab's own thread was stuck (a long task, a starved CPU), the timeout fires late and may run
        // before the answer that waits in the queue behind it: that says nothing of the host. The next beat asks
        // again; only a ping left unanswered while this tab kept time counts.
        if (performance.now() - sentAt > timeoutMs + LATE_TIMER_MS) return;
        // A host that said it would hold its thread for a while (a long synchronous commit) is at work, not dead.
        if (performance.now() < this.busyUntil) return;
        this.lose({ message: 'the database host stopped answering', failed: false });
      },
    );
  }

  get pendingCount() {
    return this.pending.size;
  }

  /** Called once when the connection is lost, whatever the cause. */
  onLost(listener: (reason: LostReason) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  private lose(reason: LostReason) {
    if (this.closed) return;
    this.close(reason.message);
    for (const listener of this.lostListeners) listener(reason);
  }

  request<M extends Method>(method: M, params: Methods[M]['params'], timeoutMs = this.options.requestTimeoutMs) {
    if (this.closed) return Promise.reject(new ProtocolError('HOST_GONE', 'the database connection is closed'));
    const id = this.nextId++;
    return new Promise<Methods[M]['result']>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ProtocolError('TIMEOUT', `${method} got no answer from the database host in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        startedAt: performance.now(),
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      });
      this.post({ v: PROTOCOL_VERSION, t: 'req', id, method, params });
    });
  }

  /**
   * Starts a live query. Patches that arrive before the first result are held, then applied right after it in
   * the same tick, so the handlers see the first rows and every patch in order.
   */
  subscribe(spec: QuerySpec, handlers: SubscriptionHandlers): LiveSubscription {
    const id = `q${nextSubscriptionId++}`;
    const entry = { ...handlers, buffered: [] as RowPatch[] | null };
    this.subscriptions.set(id, entry);
    const ready = this.request('subscribe', { ...spec, id }).then(
      ({ rows }) => {
        if (!this.subscriptions.has(id)) return rows; // disposed while loading
        const held = entry.buffered ?? [];
        entry.buffered = null;
        entry.onRows(rows);
        for (const patch of held) entry.onPatch(patch);
        return rows;
      },
      (error: Error) => {
        this.subscriptions.delete(id);
        throw error;
      },
    );
    return {
      id,
      ready,
      dispose: () => {
        if (!this.subscriptions.delete(id)) return;
        void this.request('unsubscribe', { id }).catch(() => {});
      },
    };
  }

  on<N extends HostEventName>(name: N, listener: (data: HostEvents[N]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (data: never) => void);
    return () => set.delete(listener as (data: never) => void);
  }

  private post(message: Message) {
    if (this.options.debug) console.debug('[roomy tab →host]', message);
    this.options.trace?.('out', message);
    this.port.postMessage(encodeMessage(message));
  }

  private receive(data: unknown) {
    let message: Message;
    try {
      message = decodeMessage(data);
    } catch (error) {
      console.error('[roomy] refused a message from the database host:', error);
      return;
    }
    if (this.options.debug) console.debug('[roomy tab ←host]', message);
    this.options.trace?.('in', message);
    this.lastHeardAt = Date.now();
    if (message.t === 'res') {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      this.options.measure?.(pending.method, performance.now() - pending.startedAt, message.ok);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new ProtocolError(message.error.code, message.error.message));
      return;
    }
    if (message.t === 'evt') this.dispatch(message);
  }

  private dispatch(message: EventMessage) {
    if (message.name === 'patches') {
      const { items } = message.data as HostEvents['patches'];
      const run = this.options.batch ?? ((fn: () => void) => fn());
      run(() => {
        for (const { id, patch } of items) {
          const sub = this.subscriptions.get(id);
          if (!sub) continue;
          if (sub.buffered) sub.buffered.push(patch);
          else sub.onPatch(patch);
        }
      });
    } else if (message.name === 'host-failed') {
      this.lose({ message: (message.data as HostEvents['host-failed']).message, failed: true });
    } else if (message.name === 'host-closing') {
      this.lose({ message: (message.data as HostEvents['host-closing']).reason, failed: false });
    } else if (message.name === 'busy') {
      const { forMs } = message.data as HostEvents['busy'];
      this.busyUntil = forMs > 0 ? performance.now() + Math.min(forMs, MAX_BUSY_MS) : 0;
    } else if (message.name === 'query-error') {
      const data = message.data as HostEvents['query-error'];
      this.subscriptions.get(data.id)?.onError(new ProtocolError(data.error.code, data.error.message));
    }
    for (const listener of this.listeners.get(message.name) ?? []) listener(message.data as never);
  }

  /** Fails every request still waiting: nothing is left hanging when the connection goes. */
  close(reason = 'the database connection was closed') {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new ProtocolError('HOST_GONE', reason));
      this.pending.delete(id);
    }
    this.port.close?.();
  }
}
