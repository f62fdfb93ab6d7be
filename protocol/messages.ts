/**
 * Messages between a tab and the database host. Every message is a versioned envelope, encoded with superjson
 * (so Dates, BigInts, Maps and Sets survive) and checked where it enters a context (`decodeMessage`).
 *
 *   tab → host   { v, t: 'req', id, method, params }          a request; the host answers exactly once
 *   host → tab   { v, t: 'res', id, ok: true, result }         its answer
 *                { v, t: 'res', id, ok: false, error }         or its failure, with a code
 *   host → tab   { v, t: 'evt', name, data }                   an event (a subscription's patch, a notice)
 *
 * `Methods` below is the list of requests with their parameters and results; `HostEvents` the list of events.
 */
import superjson from 'superjson';
import type { NewEvent } from './events';
import type { Key, ResultRow, RowPatch } from './patch';

export const PROTOCOL_VERSION = 1;

export type SqlParam = string | number | bigint | null | Uint8Array | boolean;

export interface QuerySpec {
  sql: string;
  params?: SqlParam[];
  /** Column that identifies a row across runs (default 'id'); rows are diffed by it. */
  key?: string;
}

export interface SubscriptionInfo {
  id: string;
  sql: string;
  params: SqlParam[];
  /** table → columns the query reads, from the SQLite authorizer. */
  reads: Record<string, string[]>;
  /** Key pins: table → the column the query filters by equality and the values it allows. */
  pins: Record<string, { column: string; values: SqlParam[] }>;
  /** How changes reach it: maintained from the changed rows, or re-run and diffed. */
  mode: 'incremental' | 'rerun';
  /** The incremental shape recognised ('top-n', 'group-aggregate'), or null. */
  shape: string | null;
  /** Why it is re-run (shape not recognised, or the last change it could not apply), or null. */
  note: string | null;
  /** Full runs of the query (the first one included). */
  runs: number;
  /** Commits applied to the result without re-running it. */
  incremental: number;
  /** Commits that woke it (its read set met their write set). */
  wakeups: number;
  /** Patches sent (a wake-up that changed nothing sends none). */
  patches: number;
  /** Milliseconds of the last run or incremental update. */
  lastCostMs: number;
  rows: number;
}

export interface RejectedEventInfo {
  eventId: string | null;
  type: string | null;
  reason: string;
  at: number;
}

export interface HostHealth {
  strategy: 'shared' | 'dedicated' | 'main';
  /** A random id per host instance: a new one after every restart. */
  hostId: string;
  /** The tab that runs the host (dedicated and main strategies); null for the SharedWorker. */
  leader: string | null;
  vfs: string;
  build: string;
  database: string;
  startedAt: number;
  uptimeMs: number;
  connections: number;
  subscriptions: number;
  lastCommitAt: number | null;
  inbox: { drained: number; lastDrainAt: number | null };
  events: { applied: number; waiting: number; rejected: number };
  /** How long the host's thread went without answering anything: the longest stall, and those of a second or more. */
  stalls: { longestMs: number; overOneSecond: number };
}

export interface WriteResult {
  applied: number;
  duplicates: number;
  waiting: number;
  rejected: { id: string | null; reason: string }[];
}

/** Requests, by method name: what a tab sends and what the host answers. */
export interface Methods {
  /** A one-off read. */
  query: { params: QuerySpec; result: ResultRow[] };
  /** Starts a live query; `id` is chosen by the tab. The first result comes back; patches follow as events. */
  subscribe: { params: QuerySpec & { id: string }; result: { rows: ResultRow[] } };
  unsubscribe: { params: { id: string }; result: null };
  /** Local writes: applied at once, kept in the outbox, and sent to the server by the service worker. */
  write: { params: { events: NewEvent[] }; result: WriteResult };
  /** Asks the host to drain the IndexedDB inbox now. */
  drain: { params: Record<string, never>; result: { applied: number } };
  health: { params: Record<string, never>; result: HostHealth };
  subscriptions: { params: Record<string, never>; result: SubscriptionInfo[] };
  rejected: { params: { limit?: number }; result: RejectedEventInfo[] };
  /** The heartbeat: answered at once, even while the host is still opening the database. */
  ping: { params: Record<string, never>; result: { now: number; hostId: string; ready: boolean } };
  /**
   * Fault injection for tests and the devtools: `never-answer` leaves this one request unanswered; `freeze` stops
   * answering anything (a frozen host that keeps its lock); `crash` ends the host's context at once.
   */
  debug: { params: { action: 'never-answer' | 'freeze' | 'crash' }; result: null };
  /** Closes the database and releases the host lock (strategy switch, clean shutdown). */
  shutdown: { params: Record<string, never>; result: null };
}
export type Method = keyof Methods;

/** Events the host sends on its own. */
export interface HostEvents {
  /** Live query results changed: every patch of one commit for this tab, to be applied in one UI batch. */
  patches: { items: { id: string; patch: RowPatch }[] };
  /** A live query failed after it started (e.g. its table was dropped). */
  'query-error': { id: string; error: WireError };
  /** Something committed: tables touched, for tabs that watch coarse changes. */
  commit: { tables: string[]; at: number };
  /** The host could not open the database: the tab should try another strategy. */
  'host-failed': { message: string };
  /** The host is going away (shutdown, or its lock was taken by a newer host): reconnect. */
  'host-closing': { reason: string };
  /**
   * The host is about to hold its thread in long synchronous work (on the synchronous build, the last steps of a
   * drained batch: its ledger rows and the COMMIT, flushed to disk): pings may go unanswered for up to `forMs`. 0
   * when it is done.
   */
  busy: { forMs: number };
}
export type HostEventName = keyof HostEvents;

export type ErrorCode =
  | 'BAD_MESSAGE'
  | 'VERSION_MISMATCH'
  | 'UNKNOWN_METHOD'
  | 'SQL_ERROR'
  | 'TIMEOUT'
  | 'HOST_GONE'
  | 'NOT_READY'
  | 'INTERNAL';

export interface WireError {
  code: ErrorCode;
  message: string;
}

export type RequestMessage<M extends Method = Method> = {
  v: number;
  t: 'req';
  id: number;
  method: M;
  params: Methods[M]['params'];
};
export type ResponseMessage =
  | { v: number; t: 'res'; id: number; ok: true; result: unknown }
  | { v: number; t: 'res'; id: number; ok: false; error: WireError };
export type EventMessage<N extends HostEventName = HostEventName> = {
  v: number;
  t: 'evt';
  name: N;
  data: HostEvents[N];
};
export type Message = RequestMessage | ResponseMessage | EventMessage;

export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export const encodeMessage = (message: Message): string => superjson.stringify(message);

/** Every method, for checks where messages enter a context (a `Record` so that the compiler sees none is missing). */
const METHOD_LIST: Record<Method, true> = {
  query: true,
  subscribe: true,
  unsubscribe: true,
  write: true,
  drain: true,
  health: true,
  subscriptions: true,
  rejected: true,
  ping: true,
  debug: true,
  shutdown: true,
};
export const METHODS = Object.keys(METHOD_LIST) as Method[];
const METHOD_SET: ReadonlySet<string> = new Set(METHODS);
export const isMethod = (name: unknown): name is Method => typeof name === 'string' && METHOD_SET.has(name);

/**
 * Decodes and checks the envelope of a message. Throws ProtocolError('BAD_MESSAGE' | 'VERSION_MISMATCH');
 * parameters are checked by the handler of each method.
 */
export function decodeMessage(data: unknown): Message {
  if (typeof data !== 'string') throw new ProtocolError('BAD_MESSAGE', 'a message must be a superjson string');
  let message: unknown;
  try {
    message = superjson.parse(data);
  } catch {
    throw new ProtocolError('BAD_MESSAGE', 'a message could not be decoded');
  }
  if (typeof message !== 'object' || message === null)
    throw new ProtocolError('BAD_MESSAGE', 'a message must be an object');
  const m = message as Partial<Record<string, unknown>>;
  if (m.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      'VERSION_MISMATCH',
      `protocol version ${String(m.v)} is not ${PROTOCOL_VERSION}; reload the page`,
    );
  }
  switch (m.t) {
    case 'req':
      if (typeof m.id !== 'number' || !isMethod(m.method) || typeof m.params !== 'object' || m.params === null)
        throw new ProtocolError('BAD_MESSAGE', 'a request needs a numeric id, a known method and params');
      break;
    case 'res':
      if (typeof m.id !== 'number' || typeof m.ok !== 'boolean')
        throw new ProtocolError('BAD_MESSAGE', 'a response needs an id and ok');
      break;
    case 'evt':
      if (typeof m.name !== 'string') throw new ProtocolError('BAD_MESSAGE', 'an event needs a name');
      break;
    default:
      throw new ProtocolError('BAD_MESSAGE', `unknown message kind ${String(m.t)}`);
  }
  return message as Message;
}

export type { Key, ResultRow, RowPatch };
