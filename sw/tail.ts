/**
 * The live tail: one Server-Sent Events response for every followed stream, read with fetch (EventSource does not
 * exist in service workers). It sends the backlog after each cursor first, then live events. On any failure it
 * reconnects with exponential backoff and resumes from the cursors stored in IndexedDB, so there is no gap and no
 * duplicate across reconnects.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { API, formatCursors, type TailMessage } from '../protocol/api';
import type { SyncDb } from '../protocol/sync-store';
import { GapError, InboxWriter } from './inbox-writer';

export interface TailStatus {
  connected: boolean;
  live: boolean;
  lastError: string | null;
  reconnects: number;
}

const BACKOFF_MS = { first: 500, max: 30_000 };

export class Tail {
  readonly status: TailStatus = { connected: false, live: false, lastError: null, reconnects: 0 };
  private controller: AbortController | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly db: SyncDb,
    private readonly writer: InboxWriter,
    private readonly onStatus: (status: TailStatus) => void,
  ) {}

  /** Starts the tail if it is not running; returns the promise of its life (for waitUntil). */
  ensureRunning(): Promise<void> {
    this.stopped = false;
    this.wake?.(); // cut a backoff short: someone wants data now
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
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
        gap = error instanceof GapError;
        this.status.lastError = error instanceof Error ? error.message : String(error);
      }
      if (this.stopped) return;
      // A gap is our own doing (resume from the cursor at once); a failure of the server backs off.
      backoff = gap ? 0 : Math.min(backoff * 2, BACKOFF_MS.max);
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
    }
  }

  private async connectOnce(signal: AbortSignal) {
    const cursors = await this.db.getAll('cursors');
    const query = new URLSearchParams({ cursors: formatCursors(cursors.map((c) => [c.stream, c.seq])), follow: 'all' });
    const response = await fetch(`${API.tail}?${query}`, { signal, headers: { Accept: 'text/event-stream' } });
    if (!response.ok || !response.body) throw new Error(`tail answered ${response.status}`);
    this.status.connected = true;
    this.status.lastError = null;
    this.onStatus(this.status);
    let writeError: unknown = null;
    const messages = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
    try {
      for await (const message of messages as unknown as AsyncIterable<{ event?: string; data: string }>) {
        const parsed = { event: message.event, data: JSON.parse(message.data) } as TailMessage;
        if (parsed.event === 'events') {
          // Not awaited: the writer merges batches that arrive while it writes. A failed write ends this connection.
          this.writer.write(parsed.data).catch((error: unknown) => {
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
    }
    throw writeError ?? new Error('tail ended');
  }
}
