import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEventStore } from './event-store';
import type { EventStore } from './event-store';
import { message, messages, tempStore, ulid } from './testing';
import type { TempStore } from './testing';

let temp: TempStore;
let store: EventStore;
const A = ulid();
const B = ulid();

beforeEach(() => {
  temp = tempStore();
  store = temp.store;
});
afterEach(() => temp.dispose());

describe('EventStore', () => {
  it('appends and reads back in seq order, with server-set seq and receivedAt', () => {
    const events = messages(A, 3);
    const before = Date.now();
    const result = store.append(A, events);
    expect(result.rejected).toEqual([]);
    expect(result.accepted).toEqual(events.map((e, i) => ({ id: e.id, seq: i + 1 })));

    const page = store.read(A, 0, 10);
    expect(page.head).toBe(3);
    expect(page.hasMore).toBe(false);
    expect(page.events.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    for (const e of page.events) expect(e.receivedAt).toBeGreaterThanOrEqual(before);
    expect(page.events[0]).toMatchObject(events[0] as object);
  });

  it('gives gap-free seqs per stream across batches and streams', () => {
    store.append(A, messages(A, 2));
    store.append(B, messages(B, 1));
    const third = store.append(A, messages(A, 3));
    expect(third.accepted.map((a) => a.seq)).toEqual([3, 4, 5]);
    expect(store.append(B, messages(B, 1)).accepted[0]?.seq).toBe(2);
    expect(store.streams()).toEqual({
      streams: [
        { stream: A, head: 5 },
        { stream: B, head: 2 },
      ].sort((x, y) => x.stream.localeCompare(y.stream)),
    });
  });

  it('ignores a client-sent seq and receivedAt', () => {
    const event = { ...message(A), seq: 99, receivedAt: 1 };
    expect(store.append(A, [event]).accepted).toEqual([{ id: event.id, seq: 1 }]);
    const [stored] = store.read(A, 0, 1).events;
    expect(stored?.seq).toBe(1);
    expect(stored?.receivedAt).not.toBe(1);
  });

  it('answers a duplicate id with its existing seq and stores it once', () => {
    const [first, second] = messages(A, 2) as [ReturnType<typeof message>, ReturnType<typeof message>];
    store.append(A, [first, second]);
    const again = store.append(A, [second, message(A, 'new'), first, second]);
    expect(again.accepted.map((a) => a.seq)).toEqual([2, 3, 1, 2]);
    expect(again.rejected).toEqual([]);
    expect(store.head(A)).toBe(3);
  });

  it('rejects an id already used in another stream', () => {
    const event = message(A);
    store.append(A, [event]);
    const result = store.append(B, [{ ...event, stream: B }]);
    expect(result.accepted).toEqual([]);
    expect(result.rejected).toEqual([{ id: event.id, error: `event id ${event.id} is already used in stream ${A}` }]);
    expect(store.head(B)).toBe(0);
  });

  it('applies the valid events of a batch and reports each rejection with its reason', () => {
    const good1 = message(A, 'one');
    const good2 = message(A, 'two');
    const badType = { ...message(A), type: 'message.shout' };
    const badPayload = { ...message(A), payload: { body: '' } };
    const otherStream = message(B);
    const noId = { stream: A, type: 'space.join', user: 'did:plc:bob', payload: {} };
    const result = store.append(A, [good1, badType, 42, badPayload, good2, otherStream, noId]);

    expect(result.accepted).toEqual([
      { id: good1.id, seq: 1 },
      { id: good2.id, seq: 2 },
    ]);
    expect(result.rejected).toHaveLength(5);
    const [type, notObject, payload, stream, id] = result.rejected;
    expect(type).toEqual({ id: badType.id, error: 'unknown event type "message.shout"' });
    expect(notObject).toEqual({ id: null, error: 'event must be a JSON object' });
    expect(payload?.id).toBe(badPayload.id);
    expect(payload?.error).toMatch(/payload\.body: must not be empty/);
    expect(stream).toEqual({
      id: otherStream.id,
      error: `event.stream ${B} does not match the stream ${A} it was sent to`,
    });
    expect(id?.id).toBeNull();
    expect(id?.error).toMatch(/^id: /);
    expect(store.head(A)).toBe(2);
  });

  it('refuses U+0000 in text fields (the local SQLite binding would cut the text there)', () => {
    const nul = message(A, 'before\u0000after');
    const name = { id: ulid(), stream: A, type: 'space.create', user: 'did:plc:bob', payload: { name: 'a\u0000' } };
    const result = store.append(A, [nul, name]);
    expect(result.accepted).toEqual([]);
    expect(result.rejected.map((r) => r.error)).toEqual([
      'payload.body: must not contain the character U+0000',
      'payload.name: must not contain the character U+0000',
    ]);
  });

  it('pages with after and limit, reporting head and hasMore', () => {
    store.append(A, messages(A, 10));
    const first = store.read(A, 0, 4);
    expect(first.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(first).toMatchObject({ head: 10, hasMore: true });
    const last = store.read(A, 8, 4);
    expect(last.events.map((e) => e.seq)).toEqual([9, 10]);
    expect(last.hasMore).toBe(false);
    expect(store.read(A, 10, 4)).toEqual({ events: [], head: 10, hasMore: false });
    expect(store.read(A, 50, 4)).toEqual({ events: [], head: 10, hasMore: false });
    expect(store.read(B, 0, 4)).toEqual({ events: [], head: 0, hasMore: false });
  });

  it('notifies listeners after appends that stored new events, and only then', () => {
    const changes: { stream: string; head: number }[] = [];
    const unsubscribe = store.onAppend((change) => {
      // The rows are committed when listeners run.
      expect(store.head(change.stream)).toBe(change.head);
      changes.push(change);
    });
    const events = messages(A, 2);
    store.append(A, events);
    store.append(A, events); // duplicates only
    store.append(A, [{ bad: true }]); // rejected only
    store.append(B, messages(B, 1));
    expect(changes).toEqual([
      { stream: A, head: 2 },
      { stream: B, head: 1 },
    ]);
    expect(store.listenerCount).toBe(1);
    unsubscribe();
    expect(store.listenerCount).toBe(0);
  });

  it('keeps its events across reopening, in WAL mode', () => {
    store.append(A, messages(A, 3));
    store.close();
    const reopened = openEventStore(temp.dir);
    try {
      expect(reopened.head(A)).toBe(3);
      expect(reopened.append(A, messages(A, 1)).accepted[0]?.seq).toBe(4);
    } finally {
      reopened.close();
    }
  });

  it('appends 20,000 events in 5,000-event transactions quickly', () => {
    const events = messages(A, 20_000);
    const started = performance.now();
    for (let i = 0; i < events.length; i += 5_000) store.append(A, events.slice(i, i + 5_000));
    const ms = performance.now() - started;
    expect(store.head(A)).toBe(20_000);
    // About 0.4 s on a laptop; the bound only catches a lost transaction or a missing index.
    expect(ms).toBeLessThan(4_000);
  });
});
