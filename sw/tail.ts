/**
 * The live tail: on each (re)connect, catch up by pages (./catch-up.ts) to the heads, then one Server-Sent Events
 * response for every followed stream, read with fetch (EventSource does not exist in service workers), which sends
 * whatever was appended since the cursors and then live events. On any failure it reconnects with exponential
 * backoff and resumes from the cursors stored in IndexedDB, so there is no gap and no duplicate across reconnects
 * (the inbox writer drops what is at or below a cursor and refuses a gap).
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { API, formatCursors, type TailMessage } from '../protocol/api';
import type { SyncDb } from '../protocol/sync-store';
import { catchUp, newCatchUpStats } from './catch-up';
import { GapError, InboxWriter } from './inbox-writer';

export interface TailStatus {
  /** The server answered: catch-up or the stream is under way. */
  connected: boolean;
  /** Caught up and following live events. */
  live: boolean;
  running: boolean;
  lastError: string | null;
  reconnects: number;
}

const BACKOFF_MS = { first: 500, max: 30_000 };

export class Tail {
  readonly status: TailStatus = { connected: false, live: false, running: false, lastError: null, reconnects: 0 };
  readonly catchUpStats = newCatchUpStats();
  private controller: AbortController | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private resuming = false;

  constructor(
    private readonly db: SyncDb,
    private readonly writer: InboxWriter,
    private readonly onStatus: (status: TailStatus) => void,
  ) {}

  /** Starts the tail if it is not running; returns the promise of its life (for waitUntil). */
  ensureRunning(): Promise<void> {
    this.stopped = false;
    this.wake?.(); // cut a backoff short: someone wants data now
    this.status.running = true;
    this.running ??= this.loop().finally(() => {
      this.running = null;
      this.status.running = false;
    });
    return this.running;
  }

  /** Reconnects at once from the stored cursors (a host moved some back: it lacks what they had handed over). */
  resume() {
    if (!this.running) return; // the next ensureRunning starts from the cursors anyway
    this.resuming = true;
    this.controller?.abort();
    this.wake?.();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
  }

  private async loop() {
    let backoff = BACKOFF_MS.first;
    for (;;) {
      this.controller = new AbortController();
      let gap = false;
      try {
        await this.connectOnce(this.controller.signal);
      } catch (error) {
        gap = error instanceof GapError || this.resuming;
        this.status.lastError = error instanceof Error ? error.message : String(error);
      }
      this.resuming = false;
      if (this.stopped) return;
      // A gap is our own doing (resume from the cursor at once); a failure of the server backs off, starting
      // small again if the connection had worked (the server restarted, a proxy cut an idle stream).
      if (gap) backoff = 0;
      else if (this.status.connected) backoff = BACKOFF_MS.first;
      else backoff = Math.min(Math.max(backoff, BACKOFF_MS.first / 2) * 2, BACKOFF_MS.max);
      this.status.connected = false;
      this.status.live = false;
      this.status.reconnects++;
      this.onStatus(this.status);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff * (0.75 + Math.random() / 2));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
      if (this.stopped) return;
    }
  }

  private async connectOnce(signal: AbortSignal) {
    await catchUp(this.db, this.writer, this.catchUpStats, {
      signal,
      onEvents: () => {
        if (!this.status.connected) {
          this.status.connected = true;
          this.onStatus(this.status);
        }
      },
    });
    if (signal.aborted) throw new Error('stopped');
    const cursors = await this.db.getAll('cursors');
    const query = new URLSearchParams({ cursors: formatCursors(cursors.map((c) => [c.stream, c.seq])), follow: 'all' });
    const response = await fetch(`${API.tail}?${query}`, { signal, headers: { Accept: 'text/event-stream' } });
    if (!response.ok || !response.body) throw new Error(`tail answered ${response.status}`);
    this.status.connected = true;
    this.status.lastError = null;
    this.onStatus(this.status);
    let writeError: unknown = null;
    // Read with a reader, not `for await`: WebKit (Safari) has no async iteration of ReadableStream.
    const messages = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    try {
      for (let next = await messages.read(); !next.done; next = await messages.read()) {
        const message = next.value;
        const parsed = { event: message.event, data: JSON.parse(message.data) } as TailMessage;
        if (parsed.event === 'events') {
          // Not awaited: the writer merges batches that arrive while it writes. A failed write ends this connection.
          this.writer.write({ ...parsed.data, json: message.data }).catch((error: unknown) => {
            writeError ??= error;
            this.controller?.abort();
          });
        } else if (parsed.event === 'ready') {
          this.status.live = true;
          this.onStatus(this.status);
        }
      }
    } catch (error) {
      throw writeError ?? error;
    } finally {
      // As leaving a `for await` would: let go of the response (a no-op once it has ended).
      void messages.cancel().catch(() => {});
    }
    throw writeError ?? new Error('tail ended');
  }
}
