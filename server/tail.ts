/**
 * One live tail: a Server-Sent Events response that sends, for every followed stream, the events after the client's
 * cursor (the backlog) in batches, then `ready`, then each new event as it is appended. Format: protocol/api.ts.
 *
 * Correctness rests on one rule: the session remembers the last seq it sent per stream and only ever reads the store
 * *after* it. Appends merely wake the pump; they carry no events. So an append racing the backlog read can neither be
 * missed (the pump reads again until it has caught up with the head) nor sent twice (the next read starts after it).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { TAIL_BATCH } from '../protocol/api';
import type { TailMessage } from '../protocol/api';
import type { EventStore } from './event-store';

export interface TailOptions {
  store: EventStore;
  /** stream → the last seq the client already has. */
  cursors: ReadonlyMap<string, number>;
  /** Also follow every other stream from its start, including streams created while the tail is open. */
  followAll: boolean;
  /** A comment line keeps idle connections open through proxies that drop silent ones. */
  pingMs?: number;
}

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: proxies must not compress or buffer the stream.
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // nginx buffers responses unless told not to.
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
} as const;

export class TailSession {
  private readonly store: EventStore;
  private readonly followAll: boolean;
  private readonly lastSent: Map<string, number>;
  /** Aborted when the response closes: ends any wait for 'drain'. */
  private readonly closing = new AbortController();
  private readonly cleanups: (() => void)[] = [];
  private readySent = false;
  private pumping = false;
  private again = false;
  private scheduled = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly options: TailOptions,
  ) {
    this.store = options.store;
    this.followAll = options.followAll;
    this.lastSent = new Map(options.cursors);
    if (this.followAll) {
      for (const { stream } of this.store.streams().streams) {
        if (!this.lastSent.has(stream)) this.lastSent.set(stream, 0);
      }
    }
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Writes the response head, subscribes to appends and starts sending the backlog. */
  start(): void {
    // Subscribe before the first read: an append between the two then still wakes the pump.
    this.cleanups.push(this.store.onAppend(({ stream, head }) => this.onAppend(stream, head)));
    const ping = setInterval(() => this.res.write(': ping\n\n'), this.options.pingMs ?? 15_000);
    this.cleanups.push(() => clearInterval(ping));
    this.res.once('close', () => this.dispose());
    this.res.writeHead(200, SSE_HEADERS);
    this.schedule();
  }

  /** Ends the response (server shutdown); the client's reader sees a clean end and may reconnect elsewhere. */
  close(): void {
    if (!this.res.writableEnded) this.res.end();
    this.dispose();
  }

  /** Runs once, on client disconnect or close(). */
  onClosed(callback: () => void): void {
    if (this.closed) callback();
    else this.closing.signal.addEventListener('abort', callback, { once: true });
  }

  private dispose(): void {
    if (this.closed) return;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.closing.abort();
    // After a client disconnect the socket can linger half-open, and server.close() would wait for it.
    if (!this.res.writableEnded) this.res.destroy();
  }

  private onAppend(stream: string, head: number): void {
    const sent = this.lastSent.get(stream);
    if (sent === undefined) {
      if (!this.followAll) return;
      this.lastSent.set(stream, 0);
    } else if (head <= sent) {
      return;
    }
    this.schedule();
  }

  /**
   * Runs the pump soon rather than inside the append's call stack (which is an HTTP request of some other client),
   * and folds a burst of appends into one run.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  /** Single-flight: while it runs, a wake-up only asks it to go round once more. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        await this.sendAvailable();
        if (this.closed) return;
        // Appends may have come in while we waited for 'drain': `ready` promises that the backlog is complete.
        if (!this.readySent && !this.caughtUp()) this.again = true;
        else if (!this.readySent) {
          this.readySent = true;
          const streams = [...this.lastSent.keys()].map((stream) => ({ stream, head: this.store.head(stream) }));
          this.send({ event: 'ready', data: { streams } });
        }
      } while (this.again && !this.closed);
    } catch (error) {
      // A write after the socket went away, or the store closed under us during shutdown: the tail is over.
      if (!this.closed) this.res.destroy(error as Error);
    } finally {
      this.pumping = false;
    }
  }

  /** Sends every stored event after lastSent, stream by stream, TAIL_BATCH at a time, waiting on backpressure. */
  private async sendAvailable(): Promise<void> {
    // Iterating the live map also visits streams that follow=all adds meanwhile.
    for (const [stream, sent] of this.lastSent) {
      let after = sent;
      for (;;) {
        if (this.closed) return;
        const page = this.store.readRaw(stream, after, TAIL_BATCH);
        if (page.events.length === 0) break;
        after += page.events.length;
        this.lastSent.set(stream, after);
        // The stored JSON goes out as it is: no parse and re-serialise per event.
        const data = `{"stream":${JSON.stringify(stream)},"events":[${page.events.join(',')}],"head":${page.head}}`;
        if (!this.write('events', data)) await this.drain();
        if (!page.hasMore) break;
      }
    }
  }

  private caughtUp(): boolean {
    for (const [stream, sent] of this.lastSent) if (this.store.head(stream) > sent) return false;
    return true;
  }

  private send(message: TailMessage): boolean {
    return this.write(message.event, JSON.stringify(message.data));
  }

  /** JSON has no raw newlines, so each message is one `data:` line. */
  private write(event: TailMessage['event'], data: string): boolean {
    return this.res.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  private async drain(): Promise<void> {
    try {
      await once(this.res, 'drain', { signal: this.closing.signal });
    } catch {
      // Aborted because the client went away: the loop sees `closed` and stops.
    }
  }
}
