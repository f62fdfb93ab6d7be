/** The rules that keep the inbox gap-free and duplicate-free, and the outbox's requests within the server's limits. */
import { describe, expect, test } from 'vitest';
import { eventFactory } from '../db-worker/testing/event-factory';
import { LIMITS } from '../protocol/events';
import type { OutboxEntry } from '../protocol/sync-store';
import { firstGap, freshEvents } from './inbox-writer';
import { postBatches } from './outbox-sender';

const f = eventFactory();
const room = f.id();
const run = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ ...f.make('message.create', { body: 'x' }, { room }), seq: from + i }));

describe('inbox runs', () => {
  test('a replay after a reconnect keeps only what is after the cursor', () => {
    const events = run(5, 6); // 5..10
    expect(freshEvents(events, 4)).toBe(events);
    expect(freshEvents(events, 7).map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(freshEvents(events, 10)).toEqual([]);
  });

  test('a run must continue the cursor by exactly one, without holes', () => {
    expect(firstGap(run(5, 3), 4)).toBeNull();
    expect(firstGap(run(6, 3), 4)).toEqual({ seq: 6, after: 4 });
    const holed = [...run(5, 2), ...run(8, 2)];
    expect(firstGap(holed, 4)).toEqual({ seq: 8, after: 6 });
    expect(firstGap([], 4)).toBeNull();
  });
});

describe('outbox requests', () => {
  const entry = (body: string): OutboxEntry => {
    const event = f.make('message.create', { body }, { room });
    return {
      id: event.id,
      stream: event.stream,
      event,
      state: 'pending',
      attempts: 0,
      lastError: null,
      createdAt: 0,
      nextAttemptAt: 0,
    };
  };

  test('at most 500 events per request, in order', () => {
    const entries = Array.from({ length: 1_201 }, (_, i) => entry(`m${i}`));
    const batches = postBatches(entries);
    expect(batches.map((b) => b.length)).toEqual([500, 500, 201]);
    expect(batches.flat()).toEqual(entries);
  });

  test('large events are split so that no request body reaches the server limit', () => {
    const entries = Array.from({ length: 40 }, () => entry('é'.repeat(LIMITS.bodyChars)));
    const batches = postBatches(entries);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) {
      const bytes = new TextEncoder().encode(JSON.stringify(batch.map((e) => e.event))).length;
      expect(bytes).toBeLessThan(LIMITS.batchBytes);
    }
    expect(batches.flat()).toEqual(entries);
  });
});
