/**
 * Turns batches of events into SQL. A batch is one transaction and each event one savepoint inside it, so a bad
 * event is rolled back alone and recorded with its reason while the rest of the batch commits.
 *
 * The three rules of ../shared/design/events.md:
 * - idempotent: the `events` ledger knows every id already seen; a second delivery changes nothing (a server copy
 *   of a local write only fills in its seq);
 * - order-tolerant: an event whose message, room or space is not there yet is parked in `waiting_events` and
 *   applied, in id order, as soon as that entity is created;
 * - a bad event is kept in `rejected_events` with its reason and never aborts the others.
 */
import { isUlid, parseEvent, type EventType, type RoomyEvent } from '../../protocol/events';
import type { Database } from '../sqlite/database';
import { handle, Rejection, type Outcome } from './handlers';

export interface Rejected {
  id: string | null;
  reason: string;
}

export interface BatchResult {
  applied: number;
  duplicates: number;
  /** Events parked until the entity they refer to arrives. */
  waiting: number;
  /** Parked events that this batch released and applied. */
  released: number;
  rejected: Rejected[];
}

export interface BatchHooks {
  /** Runs first in the batch's transaction, for what must commit with it (a local write's delivery state). */
  alongside?: () => Promise<void>;
  /**
   * Told when only the batch's last steps are left (its ledger rows and the COMMIT): calls that do not give the
   * event loop a turn, which on the synchronous build can hold the thread for seconds (see HostEvents['busy']).
   */
  beforeCommit?: () => void;
}

const REJECTED_JSON_CHARS = 4_096;
/** How long a batch may keep the event loop before it gives other work (the heartbeat) a turn. */
const YIELD_EVERY_MS = 40;

/** Handlers that write more than one statement, and so need a savepoint of their own. */
const MULTI_WRITE = new Set<EventType>(['message.delete', 'reaction.remove']);

type Status = 'applied' | 'waiting' | 'rejected';
type LedgerRow = [id: string, stream: string, seq: number | null, type: string, status: Status];

/**
 * The ledger rows of one batch, kept in memory and written with one statement at the end of the batch: checking
 * and recording every event one by one would cost two round trips into SQLite per event.
 */
class BatchLedger {
  private readonly rows = new Map<string, LedgerRow>();
  constructor(private readonly known: Set<string>) {}

  has(id: string) {
    return this.known.has(id) || this.rows.has(id);
  }
  add(event: { id: string; stream: string; seq?: number | undefined; type: string }, status: Status) {
    this.rows.set(event.id, [event.id, event.stream, event.seq ?? null, event.type, status]);
  }
  setStatus(id: string, status: Status): boolean {
    const row = this.rows.get(id);
    if (row) row[4] = status;
    return row !== undefined;
  }
  fillSeq(id: string, seq: number) {
    const row = this.rows.get(id);
    if (row && row[2] === null) row[2] = seq;
  }
  async write(db: Database) {
    if (!this.rows.size) return;
    await db.run(
      `INSERT INTO events (id, stream, seq, type, status)
       SELECT value->>0, value->>1, value->>2, value->>3, value->>4 FROM json_each(?)`,
      [JSON.stringify([...this.rows.values()])],
    );
  }
}

export class Materializer {
  /** The ledger rows of the batch being applied. */
  private ledger: BatchLedger | null = null;
  /** Events parked in `waiting_events`: when zero, creations skip looking for events to release. */
  private waitingCount = -1;

  constructor(private readonly db: Database) {}

  private async countWaiting() {
    if (this.waitingCount < 0) {
      const row = await this.db.get<{ n: number }>('SELECT count(*) AS n FROM waiting_events');
      this.waitingCount = Number(row?.n ?? 0);
    }
    return this.waitingCount;
  }

  /**
   * Applies a batch in one transaction. The caller holds the connection (`db.exclusive`). Inputs are of unknown
   * shape: whatever reaches the host from IndexedDB or another tab is validated here again.
   */
  async applyBatch(inputs: readonly unknown[], hooks: BatchHooks = {}): Promise<BatchResult> {
    const { alongside, beforeCommit } = hooks;
    const result: BatchResult = { applied: 0, duplicates: 0, waiting: 0, released: 0, rejected: [] };
    if (!inputs.length) return result;
    await this.countWaiting();
    try {
      await this.db.transaction(async () => {
        await alongside?.();
        const batch = new BatchLedger(await this.knownIds(inputs));
        this.ledger = batch;
        for (const input of inputs) {
          await this.yieldNow();
          await this.applyOne(input, result, batch);
        }
        beforeCommit?.();
        await batch.write(this.db);
      });
    } catch (error) {
      this.waitingCount = -1; // the rollback may have undone parked events: count again next time
      throw error;
    } finally {
      this.ledger = null;
    }
    return result;
  }

  /**
   * Gives the event loop a turn every few dozen milliseconds of a long batch, so that the host still answers its
   * heartbeat (a host silent for seconds is taken for dead and replaced).
   */
  private async yieldNow() {
    const now = performance.now();
    if (now - this.lastYield < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.lastYield = performance.now();
  }
  private lastYield = 0;

  /** The ids of a batch that the ledger already holds, found with one query instead of one per event. */
  private async knownIds(inputs: readonly unknown[]): Promise<Set<string>> {
    const ids = inputs.map((input) => (input as { id?: unknown } | null)?.id).filter(isUlid);
    const rows = await this.db.values('SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))', [
      JSON.stringify(ids),
    ]);
    return new Set(rows.map((row) => row[0] as string));
  }

  private async applyOne(input: unknown, result: BatchResult, batch: BatchLedger) {
    const parsed = parseEvent(input);
    if (!parsed.ok) {
      const fields = fieldsOf(input);
      if (fields.id && batch.has(fields.id)) {
        result.duplicates++;
        return;
      }
      // Remember malformed events with a usable id too, so a redelivery is a duplicate rather than a new rejection.
      if (fields.id) batch.add({ ...fields, id: fields.id }, 'rejected');
      await this.recordRejection(input, parsed.error, result);
      return;
    }
    const event = parsed.event;
    if (batch.has(event.id)) {
      result.duplicates++;
      if (event.seq !== undefined) {
        await this.db.run('UPDATE events SET seq = ? WHERE id = ? AND seq IS NULL', [event.seq, event.id]);
        batch.fillSeq(event.id, event.seq);
      }
      return;
    }
    batch.add(event, 'applied');
    const outcome = await this.attempt(event, result);
    if (!outcome) return;
    if (outcome.status === 'waiting') {
      await this.park(event, outcome.waitsFor);
      result.waiting++;
      return;
    }
    result.applied++;
    if (outcome.creates) await this.release(outcome.creates, result);
  }

  /**
   * Runs an event's handler. Handlers that write more than once run inside a savepoint, so that a failure undoes
   * only their own changes; the others are a single write statement, which SQLite already makes atomic, and skip
   * the two extra round trips. Returns null when the event was rejected.
   */
  private async attempt(event: RoomyEvent, result: BatchResult): Promise<Outcome | null> {
    try {
      const run = () => handle(this.db, event);
      return await (MULTI_WRITE.has(event.type) ? this.db.savepoint(run) : run());
    } catch (error) {
      await this.setStatus(event.id, 'rejected');
      await this.recordRejection(event, reasonOf(error), result);
      return null;
    }
  }

  private async park(event: RoomyEvent, waitsFor: string) {
    await this.setStatus(event.id, 'waiting');
    await this.db.run('INSERT INTO waiting_events (id, waits_for, event, since) VALUES (?, ?, ?, ?)', [
      event.id,
      waitsFor,
      JSON.stringify(event),
      Date.now(),
    ]);
    this.waitingCount++;
  }

  /** Applies the events that waited for `entity`, oldest first; they may release others in turn. */
  private async release(entity: string, result: BatchResult) {
    if (this.waitingCount <= 0) return;
    const parked = await this.db.all<{ id: string; event: string }>(
      'SELECT id, event FROM waiting_events WHERE waits_for = ? ORDER BY id',
      [entity],
    );
    for (const { id, event: json } of parked) {
      await this.db.run('DELETE FROM waiting_events WHERE id = ?', [id]);
      this.waitingCount--;
      const event = JSON.parse(json) as RoomyEvent;
      const outcome = await this.attempt(event, result);
      if (!outcome) continue;
      if (outcome.status === 'waiting') {
        // It needs something else as well (a reaction whose message waited for its room): park it again.
        await this.park(event, outcome.waitsFor);
        continue;
      }
      await this.setStatus(id, 'applied');
      result.released++;
      if (outcome.creates) await this.release(outcome.creates, result);
    }
  }

  /** The ledger row of an event of this batch is still in memory; older ones are in the table. */
  private async setStatus(id: string, status: Status) {
    if (this.ledger?.setStatus(id, status)) return;
    await this.db.run('UPDATE events SET status = ? WHERE id = ?', [status, id]);
  }

  private async recordRejection(input: unknown, reason: string, result: BatchResult) {
    const { id, stream, seq, type } = fieldsOf(input);
    await this.db.run(
      'INSERT INTO rejected_events (event_id, stream, seq, type, reason, event, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [id, stream, seq ?? null, type, reason, safeJson(input).slice(0, REJECTED_JSON_CHARS), Date.now()],
    );
    result.rejected.push({ id, reason });
  }
}

/** What can be salvaged from an event of any shape to describe it. */
function fieldsOf(input: unknown) {
  const fields = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const str = (value: unknown) => (typeof value === 'string' ? value.slice(0, 64) : '');
  return {
    id: isUlid(fields.id) ? fields.id : null,
    stream: str(fields.stream),
    type: str(fields.type),
    seq: typeof fields.seq === 'number' && Number.isInteger(fields.seq) ? fields.seq : undefined,
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof Rejection) return error.message;
  return `could not apply: ${error instanceof Error ? error.message : String(error)}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
