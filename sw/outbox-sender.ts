/**
 * Sends local writes from the IndexedDB outbox to the server, with retry and exponential backoff. The server
 * deduplicates by event id, so a write sent twice (a retry after a lost answer) is still stored once. An entry
 * leaves the outbox when the server has accepted it; one the server refuses is marked failed with its reason and
 * stays until the user retries or discards it: nothing is dropped silently.
 */
import { API, type AppendResponse } from '../protocol/api';
import { SYNC_CHANNEL, type OutboxEntry, type SyncDb, type SyncNotice } from '../protocol/sync-store';

const BACKOFF_MS = { first: 1_000, max: 60_000 };
/** Events per POST: the server takes at most 1,000. */
const POST_BATCH = 200;

export class OutboxSender {
  private running: Promise<void> | null = null;
  private again = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly channel = new BroadcastChannel(SYNC_CHANNEL);

  constructor(private readonly db: SyncDb) {}

  /** Sends whatever is due. Calls during a flush make it look again at the end. */
  flush(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async loop() {
    do {
      this.again = false;
      const entries = await this.db.getAllFromIndex('outbox', 'byCreated');
      const now = Date.now();
      const due = entries.filter((e) => e.state === 'pending' && e.nextAttemptAt <= now);
      const byStream = new Map<string, OutboxEntry[]>();
      for (const entry of due) {
        const list = byStream.get(entry.stream) ?? [];
        list.push(entry);
        byStream.set(entry.stream, list);
      }
      for (const [stream, list] of byStream) {
        for (let i = 0; i < list.length; i += POST_BATCH) await this.send(stream, list.slice(i, i + POST_BATCH));
      }
      await this.announce();
      this.scheduleRetry();
    } while (this.again);
  }

  private async send(stream: string, entries: OutboxEntry[]) {
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
        await this.update(entries.map((e) => ({ ...e, state: 'failed', lastError: error })));
        return;
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
      return;
    }
    const rejected = new Map(answer.rejected.map((r) => [r.id, r.error]));
    const tx = this.db.transaction('outbox', 'readwrite');
    for (const { id } of answer.accepted) void tx.store.delete(id);
    for (const entry of entries) {
      const error = rejected.get(entry.id);
      if (error) void tx.store.put({ ...entry, state: 'failed', lastError: error, attempts: entry.attempts + 1 });
    }
    await tx.done;
  }

  private async update(entries: OutboxEntry[]) {
    const tx = this.db.transaction('outbox', 'readwrite');
    for (const entry of entries) void tx.store.put(entry);
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
    const pending = entries.length - failed.length;
    const lastError = entries.find((e) => e.lastError)?.lastError ?? null;
    this.channel.postMessage({ type: 'outbox-state', pending, failed: failed.length, lastError } satisfies SyncNotice);
  }
}
