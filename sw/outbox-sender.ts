/**
 * Sends local writes from the IndexedDB outbox to the server, with retry and exponential backoff. The server
 * deduplicates by event id, so a write sent twice (a retry after a lost answer) is still stored once. An entry
 * leaves the outbox when the server has accepted it; one the server refuses is marked failed with its reason and
 * stays until the user retries or discards it: nothing is dropped silently.
 *
 * It runs when the host announces a write, on every keepalive of a tab, when its retry timer fires, when the live
 * tail reaches the server again (then it sends everything at once, whatever the backoff said), and on Background
 * Sync's `sync` event where the browser has it (Chromium), which can wake the worker with no tab open.
 */
import { API, type AppendResponse } from '../protocol/api';
import { LIMITS } from '../protocol/events';
import { SYNC_CHANNEL, type OutboxEntry, type SyncDb, type SyncNotice } from '../protocol/sync-store';

const BACKOFF_MS = { first: 1_000, max: 60_000 };
/** Events per POST: the server takes at most 1,000. */
const POST_EVENTS = 500;
/** Bytes per POST: the server takes at most 1 MiB; events can be up to 48 KiB each. */
const POST_BYTES = LIMITS.batchBytes / 2;
export const BACKGROUND_SYNC_TAG = 'roomy-outbox';

export interface FlushResult {
  sent: number;
  /** Entries still waiting because the network or the server failed (not refusals). */
  unsent: number;
}

export class OutboxSender {
  private running: Promise<FlushResult> | null = null;
  private again = false;
  private forceAgain = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);

  constructor(
    private readonly db: SyncDb,
    /** Asks the browser to wake us when it is online again (Background Sync), where it can. */
    private readonly requestBackgroundSync: () => Promise<void> = async () => {},
  ) {}

  /**
   * Sends whatever is due, or everything pending with `force`. Calls during a flush make it look again at the
   * end. Resolves with what is left unsent.
   */
  flush(force = false): Promise<FlushResult> {
    if (this.running) {
      this.again = true;
      this.forceAgain ||= force;
      return this.running;
    }
    this.running = this.loop(force).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop(force: boolean): Promise<FlushResult> {
    const result: FlushResult = { sent: 0, unsent: 0 };
    do {
      this.again = false;
      result.unsent = 0;
      const entries = await this.db.getAllFromIndex('outbox', 'byCreated');
      const now = Date.now();
      const pending = entries.filter((e) => e.state === 'pending');
      const due = force ? pending : pending.filter((e) => e.nextAttemptAt <= now);
      for (const [stream, list] of groupByStream(due)) {
        for (const batch of postBatches(list)) {
          const outcome = await this.send(stream, batch);
          if (outcome === 'sent') result.sent += batch.length;
          else result.unsent += batch.length;
        }
      }
      result.unsent += pending.length - due.length;
      force = this.forceAgain;
      this.forceAgain = false;
    } while (this.again);
    await this.announce();
    await this.scheduleRetry();
    if (result.unsent) await this.requestBackgroundSync().catch(() => {});
    return result;
  }

  private async send(stream: string, entries: OutboxEntry[]): Promise<'sent' | 'refused' | 'unsent'> {
    let answer: AppendResponse;
    try {
      const response = await fetch(API.events(stream), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(entries.map((e) => e.event)),
      });
      if (response.status >= 500 || response.status === 429) throw new Error(`server answered ${response.status}`);
      if (!response.ok) {
        // The whole request was refused (400/413): every entry in it fails with the server's reason.
        const { error } = (await response.json().catch(() => ({ error: `HTTP ${response.status}` }))) as {
          error: string;
        };
        await this.update(entries.map((e) => ({ ...e, state: 'failed', lastError: error, attempts: e.attempts + 1 })));
        return 'refused';
      }
      answer = (await response.json()) as AppendResponse;
    } catch (error) {
      // Offline or server down: try again later.
      const message = error instanceof Error ? error.message : String(error);
      await this.update(
        entries.map((e) => ({
          ...e,
          attempts: e.attempts + 1,
          lastError: message,
          nextAttemptAt: Date.now() + Math.min(BACKOFF_MS.first * 2 ** e.attempts, BACKOFF_MS.max),
        })),
      );
      return 'unsent';
    }
    const rejected = new Map(answer.rejected.map((r) => [r.id, r.error]));
    const tx = this.db.transaction('outbox', 'readwrite');
    for (const { id } of answer.accepted) void tx.store.delete(id);
    for (const entry of entries) {
      const error = rejected.get(entry.id);
      if (error) void tx.store.put({ ...entry, state: 'failed', lastError: error, attempts: entry.attempts + 1 });
    }
    await tx.done;
    return 'sent';
  }

  /** Writes new states, unless the user discarded or retried the entry meanwhile (theirs wins). */
  private async update(entries: OutboxEntry[]) {
    const tx = this.db.transaction('outbox', 'readwrite');
    for (const entry of entries) {
      const current = await tx.store.get(entry.id);
      if (current && current.state === 'pending' && current.attempts <= entry.attempts) void tx.store.put(entry);
    }
    await tx.done;
  }

  /** While the service worker is alive, come back when the earliest retry is due. */
  private async scheduleRetry() {
    const entries = await this.db.getAll('outbox');
    const next = Math.min(...entries.filter((e) => e.state === 'pending').map((e) => e.nextAttemptAt));
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (Number.isFinite(next)) {
      this.retryTimer = setTimeout(() => void this.flush(), Math.max(0, next - Date.now()));
    }
  }

  private async announce() {
    const entries = await this.db.getAll('outbox');
    const failed = entries.filter((e) => e.state === 'failed');
    const pending = entries.filter((e) => e.state === 'pending');
    const lastError = [...failed, ...pending].find((e) => e.lastError)?.lastError ?? null;
    this.channel.postMessage({
      type: 'outbox-state',
      pending: pending.length,
      failed: failed.length,
      lastError,
    } satisfies SyncNotice);
  }
}

function groupByStream(entries: OutboxEntry[]): Map<string, OutboxEntry[]> {
  const byStream = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const list = byStream.get(entry.stream) ?? [];
    list.push(entry);
    byStream.set(entry.stream, list);
  }
  return byStream;
}

/** Splits entries into POST bodies within the server's limits (count and bytes), keeping their order. */
export function postBatches(entries: OutboxEntry[], maxEvents = POST_EVENTS, maxBytes = POST_BYTES): OutboxEntry[][] {
  const batches: OutboxEntry[][] = [];
  let batch: OutboxEntry[] = [];
  let bytes = 2;
  for (const entry of entries) {
    const size = JSON.stringify(entry.event).length * 3 + 1; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (batch.length && (batch.length >= maxEvents || bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 2;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length) batches.push(batch);
  return batches;
}
