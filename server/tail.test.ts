import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { API, TAIL_BATCH } from '../protocol/api';
import type { TailMessage } from '../protocol/api';
import { buildApp } from './app';
import { messages, tempStore, ulid } from './testing';
import type { TempStore } from './testing';

type Received = TailMessage | { event: 'comment'; data: string };

/** A minimal SSE reader over Node's fetch, as the service worker reads the tail. */
class TailClient {
  readonly received: Received[] = [];
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  ended = false;
  done: Promise<void>;

  constructor(url: string, opts: { pauseMs?: number } = {}) {
    this.done = this.run(url, opts.pauseMs ?? 0);
  }

  private async run(url: string, pauseMs: number) {
    try {
      const res = await fetch(url, { signal: this.abort.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      if (pauseMs) await sleep(pauseMs);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        this.wake();
      }
    } catch (error) {
      if (!this.abort.signal.aborted) throw error;
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private parse(block: string) {
    if (block.startsWith(':')) {
      this.received.push({ event: 'comment', data: block.slice(1).trim() });
      return;
    }
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    this.received.push({ event, data: JSON.parse(data ?? 'null') } as TailMessage);
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (this.ended) throw new Error(`stream ended before ${what}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** seqs received for a stream, in arrival order. */
  seqs(stream: string): number[] {
    return this.received.flatMap((m) =>
      m.event === 'events' && m.data.stream === stream ? m.data.events.map((e) => e.seq ?? -1) : [],
    );
  }

  indexOfReady(): number {
    return this.received.findIndex((m) => m.event === 'ready');
  }

  close() {
    this.abort.abort();
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let temp: TempStore;
let app: FastifyInstance;
let base: string;
const clients: TailClient[] = [];

async function start(options: { tailPingMs?: number } = {}) {
  app = buildApp({ store: temp.store, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

function tail(query: string, opts?: { pauseMs?: number }): TailClient {
  const client = new TailClient(`${base}${API.tail}?${query}`, opts);
  clients.push(client);
  return client;
}

beforeEach(() => {
  temp = tempStore();
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  const closing = app.close();
  // Node's fetch (undici) opens a spare keep-alive socket after an abort; close() would wait 4 s for it to time out.
  app.server.closeAllConnections();
  await closing;
  temp.dispose();
});

describe('tail', () => {
  it('sends the backlog in batches, then ready, then live events, without gap or duplicate while appends race', async () => {
    const S = ulid();
    temp.store.append(S, messages(S, 1_000));
    await start();
    // Appends every millisecond, some straight into the store, some over HTTP, from before the connection until
    // well after ready.
    let racing = true;
    let viaHttp = 0;
    const racer = (async () => {
      while (racing) {
        temp.store.append(S, messages(S, 3));
        const res = await fetch(`${base}${API.events(S)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(messages(S, 2)),
        });
        expect(res.status).toBe(200);
        viaHttp += 2;
        await sleep(1);
      }
    })();

    const client = tail(`cursors=${S}:100`);
    await client.until(() => client.indexOfReady() >= 0, 'ready');
    const ready = client.received[client.indexOfReady()] as Extract<TailMessage, { event: 'ready' }>;
    const seqsBeforeReady = client.seqs(S).length;
    expect(ready.data.streams).toEqual([{ stream: S, head: 100 + seqsBeforeReady }]);
    expect(seqsBeforeReady).toBeGreaterThanOrEqual(900);

    const headAtReady = ready.data.streams[0]?.head ?? 0;
    await client.until(() => temp.store.head(S) > headAtReady + 50, 'live appends');
    racing = false;
    await racer;
    const finalHead = temp.store.head(S);
    await client.until(() => client.seqs(S).at(-1) === finalHead, `seq ${finalHead}`);

    expect(client.seqs(S)).toEqual(range(101, finalHead));
    expect(viaHttp).toBeGreaterThan(0);
    for (const m of client.received) {
      if (m.event !== 'events') continue;
      expect(m.data.events.length).toBeLessThanOrEqual(TAIL_BATCH);
      expect(m.data.head).toBeGreaterThanOrEqual(m.data.events.at(-1)?.seq ?? 0);
    }
    // Live events came after ready.
    expect(client.received.slice(client.indexOfReady() + 1).some((m) => m.event === 'events')).toBe(true);
  });

  it('with follow=all sends other streams from the start and picks up streams created later', async () => {
    const [A, B, C] = [ulid(), ulid(), ulid()];
    temp.store.append(A, messages(A, 5));
    temp.store.append(B, messages(B, 3));
    await start();
    const client = tail(`cursors=${A}:2&follow=all`);
    await client.until(() => client.indexOfReady() >= 0, 'ready');
    expect(client.seqs(A)).toEqual([3, 4, 5]);
    expect(client.seqs(B)).toEqual([1, 2, 3]);

    temp.store.append(C, messages(C, 2));
    await client.until(() => client.seqs(C).length === 2, 'the new stream');
    expect(client.seqs(C)).toEqual([1, 2]);
    expect(client.received.findIndex((m) => m.event === 'events' && m.data.stream === C)).toBeGreaterThan(
      client.indexOfReady(),
    );
  });

  it('without follow=all sends only the streams named in cursors, including one that does not exist yet', async () => {
    const [A, B, later] = [ulid(), ulid(), ulid()];
    temp.store.append(A, messages(A, 2));
    temp.store.append(B, messages(B, 2));
    await start();
    const client = tail(`cursors=${A}:0,${later}:0`);
    await client.until(() => client.indexOfReady() >= 0, 'ready');
    const ready = client.received[client.indexOfReady()];
    expect(ready).toEqual({
      event: 'ready',
      data: {
        streams: [
          { stream: A, head: 2 },
          { stream: later, head: 0 },
        ],
      },
    });
    temp.store.append(B, messages(B, 1));
    temp.store.append(later, messages(later, 1));
    await client.until(() => client.seqs(later).length === 1, 'the named stream');
    expect(client.seqs(B)).toEqual([]);
  });

  it('sends keep-alive comments', async () => {
    await start({ tailPingMs: 30 });
    const client = tail('follow=all');
    await client.until(() => client.received.some((m) => m.event === 'comment' && m.data === 'ping'), 'a ping');
  });

  it('unsubscribes from the store when the client goes away', async () => {
    await start();
    const client = tail('follow=all');
    await client.until(() => client.indexOfReady() >= 0, 'ready');
    expect(temp.store.listenerCount).toBe(1);
    client.close();
    for (let i = 0; i < 100 && temp.store.listenerCount > 0; i++) await sleep(10);
    expect(temp.store.listenerCount).toBe(0);
  });

  it('waits for the client to read instead of buffering the whole backlog', async () => {
    const S = ulid();
    const total = 40_000;
    for (let i = 0; i < total; i += 5_000)
      temp.store.append(
        S,
        messages(S, 5_000).map((e) => ({ ...e, payload: { body: 'x'.repeat(200) } })),
      );
    await start();
    const reads = vi.spyOn(temp.store, 'readRaw');
    const client = tail(`cursors=${S}:0`, { pauseMs: 400 });
    await sleep(300);
    // While the client does not read, the server stops once the socket buffers are full.
    expect(reads.mock.calls.length).toBeLessThan(total / TAIL_BATCH);
    await client.until(() => client.indexOfReady() >= 0, 'ready', 20_000);
    expect(client.seqs(S)).toEqual(range(1, total));
  });

  it('ends open tails when the server closes', async () => {
    await start();
    const client = tail('follow=all');
    await client.until(() => client.indexOfReady() >= 0, 'ready');
    await app.close();
    await client.done;
    expect(client.ended).toBe(true);
    expect(temp.store.listenerCount).toBe(0);
  });
});
