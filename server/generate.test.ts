import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { decodeTime } from 'ulidx';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent } from '../protocol/events';
import type { NewEvent } from '../protocol/events';
import { openEventStore } from './event-store';
import { resolvePlan } from './generate/presets';
import { START_TIME, generateSpace, spaceStreamId } from './generate/space';
import { tempDir } from './testing';

const run = promisify(execFile);

function countBy(events: readonly NewEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

function ofType<T extends NewEvent['type']>(events: readonly NewEvent[], type: T) {
  return events.filter((e): e is Extract<NewEvent, { type: T }> => e.type === type);
}

/** Every reference points at something created earlier in the stream and not yet deleted. */
function expectConsistent(events: readonly NewEvent[]) {
  const rooms = new Map<string, string>();
  const messages = new Set<string>();
  const ids = new Set<string>();
  const stream = events[0]?.stream;
  for (const e of events) {
    expect(ids.has(e.id), `duplicate id ${e.id}`).toBe(false);
    ids.add(e.id);
    expect(e.stream).toBe(stream);
    switch (e.type) {
      case 'room.create': {
        const parent = e.payload.parent;
        if (e.payload.kind === 'category') expect(parent).toBeUndefined();
        if (e.payload.kind === 'channel' && parent) expect(rooms.get(parent)).toBe('category');
        if (e.payload.kind === 'thread') expect(rooms.get(parent ?? '')).toBe('channel');
        rooms.set(e.room, e.payload.kind);
        break;
      }
      case 'message.create':
        expect(['channel', 'thread']).toContain(rooms.get(e.room));
        if (e.payload.replyTo) expect(messages.has(e.payload.replyTo)).toBe(true);
        messages.add(e.id);
        break;
      case 'message.edit':
      case 'reaction.add':
        expect(messages.has(e.payload.messageId)).toBe(true);
        break;
      case 'message.delete':
        expect(messages.delete(e.payload.messageId)).toBe(true);
        break;
      case 'read.mark':
        expect(messages.has(e.payload.upTo)).toBe(true);
        break;
    }
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('generateSpace', () => {
  it('is deterministic: the same options give identical events, other seeds other spaces', () => {
    const a = [...generateSpace({ preset: 'demo', seed: 7 })];
    const b = [...generateSpace({ preset: 'demo', seed: 7 })];
    expect(b).toEqual(a);
    const c = [...generateSpace({ preset: 'demo', seed: 8 })];
    expect(c[0]?.stream).not.toBe(a[0]?.stream);
    expect(c.map((e) => e.id)).not.toEqual(a.map((e) => e.id));
    // Different sizes with the same seed never share ids: they may be loaded into the same store.
    const bigger = [...generateSpace({ preset: 'demo', seed: 7, messages: 400 })];
    expect(bigger[0]?.stream).not.toBe(a[0]?.stream);
  });

  it('keeps the demo space id stable for seed 1', () => {
    // The server seeds this space on first start; tests and bookmarks may rely on its id.
    expect(spaceStreamId({ preset: 'demo', seed: 1 })).toBe('01JGFJJZ00X4XXAH0WKG04H8KC');
  });

  it('makes the demo space: valid events in the expected amounts', () => {
    const events = [...generateSpace({ preset: 'demo', seed: 1 })];
    for (const e of events) expect(parseEvent(e)).toMatchObject({ ok: true });
    expectConsistent(events);

    const counts = countBy(events);
    expect(counts).toMatchObject({
      'space.create': 1,
      'space.join': 6,
      'profile.update': 6,
      'room.create': 12,
      'message.create': 300,
      'reaction.add': 80,
      'message.edit': 2,
      'message.delete': 1,
      'read.mark': 2,
    });
    const [space] = ofType(events, 'space.create');
    expect(space?.payload.name).toBe('Roomy Demo');
    expect(space?.payload.description).toBeTruthy();

    const rooms = ofType(events, 'room.create');
    const kinds = countBy(rooms.map((r) => ({ ...r, type: r.payload.kind }) as unknown as NewEvent));
    expect(kinds).toEqual({ category: 3, channel: 8, thread: 1 });
    expect(rooms.map((r) => r.payload.name)).toContain('general');

    const users = ofType(events, 'profile.update').map((e) => e.user);
    expect(users).toEqual(['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].map((n) => `did:plc:${n}`));
    for (const e of ofType(events, 'profile.update')) expect(e.payload.displayName).toBeTruthy();
    expect(new Set(ofType(events, 'space.join').map((e) => e.user))).toEqual(new Set(users));

    const messages = ofType(events, 'message.create');
    const replies = messages.filter((m) => m.payload.replyTo).length;
    expect(replies).toBeGreaterThanOrEqual(20);
    expect(replies).toBeLessThanOrEqual(30);
    const bodies = messages.map((m) => m.payload.body);
    expect(new Set(bodies).size).toBeGreaterThan(200);
    expect(bodies.some((b) => /\*\*.+\*\*/.test(b))).toBe(true);
    expect(bodies.some((b) => /`[^`]+`/.test(b))).toBe(true);
    expect(bodies.some((b) => /https:\/\//.test(b))).toBe(true);
    expect(new Set(ofType(events, 'reaction.add').map((r) => r.payload.emoji)).size).toBeGreaterThanOrEqual(4);

    // Ids sort in event order, on a synthetic clock from 2025-01-01 over about two weeks.
    const ids = events.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
    expect(decodeTime(events[0]?.stream ?? '')).toBe(START_TIME);
    const days = (decodeTime(ids.at(-1) ?? '') - START_TIME) / 86_400_000;
    expect(days).toBeGreaterThan(7);
    expect(days).toBeLessThan(28);
  });

  it('spreads messages unevenly: one huge room', () => {
    const events = [...generateSpace({ preset: 'small', seed: 3 })];
    expectConsistent(events);
    const messages = ofType(events, 'message.create');
    expect(messages.length).toBe(2_000);
    const perRoom = countBy(messages.map((m) => ({ ...m, type: m.room }) as unknown as NewEvent));
    const sizes = Object.values(perRoom).sort((x, y) => y - x);
    expect(sizes[0]).toBeGreaterThan(messages.length * 0.3);
    expect(sizes.at(-1)).toBeLessThan(messages.length * 0.1);
  });

  it("sizes roomy-largest like Roomy's largest space, with a room of tens of thousands of messages", () => {
    const plan = resolvePlan({ preset: 'roomy-largest' });
    expect(plan.categories + plan.channels + plan.threads).toBe(496);
    expect(plan.messages).toBe(115_993);

    const perRoom = new Map<string, number>();
    const counts: Record<string, number> = {};
    let total = 0;
    for (const e of generateSpace({ preset: 'roomy-largest', seed: 1 })) {
      total += 1;
      counts[e.type] = (counts[e.type] ?? 0) + 1;
      if (e.type === 'message.create') perRoom.set(e.room, (perRoom.get(e.room) ?? 0) + 1);
    }
    expect(total).toBeGreaterThan(125_000);
    expect(total).toBeLessThan(127_000);
    expect(counts['room.create']).toBe(496);
    expect(counts['message.create']).toBe(115_993);
    expect(Math.max(...perRoom.values())).toBeGreaterThan(20_000);
  });

  it('applies overrides and keeps every event valid at odd sizes', () => {
    for (const options of [
      { preset: 'demo', rooms: 1, messages: 5, users: 1 },
      { preset: 'small', rooms: 40, messages: 300, users: 70 },
      { preset: 'roomy-largest', rooms: 3, messages: 0, users: 2 },
    ] as const) {
      const events = [...generateSpace(options)];
      for (const e of events) expect(parseEvent(e), JSON.stringify(e)).toMatchObject({ ok: true });
      expectConsistent(events);
      const counts = countBy(events);
      expect(counts['room.create']).toBe(options.rooms);
      expect(counts['message.create'] ?? 0).toBe(options.messages);
      expect(counts['space.join']).toBe(options.users);
    }
  });
});

describe('generator CLI', () => {
  it('writes a scaled-down roomy-largest into the store quickly, and adds nothing the second time', async () => {
    const dir = tempDir('roomy-gen-');
    dirs.push(dir);
    const args = ['--import', 'tsx', 'server/generate/cli.ts', '--preset', 'roomy-largest', '--rooms', '60'];
    args.push('--messages', '20000', '--users', '80', '--data-dir', dir);
    const first = await run(process.execPath, args);
    const stream = spaceStreamId({ preset: 'roomy-largest', rooms: 60, messages: 20_000, users: 80 });
    expect(first.stdout).toContain(`stream ${stream} (roomy-largest, seed 1)`);
    const generated = Number(/(\d+) events generated, (\d+) new/.exec(first.stdout)?.[1]);
    expect(first.stdout).toContain(`${generated} events generated, ${generated} new, head ${generated}`);
    expect(generated).toBeGreaterThan(21_000);
    const seconds = Number(/([\d.]+) s$/m.exec(first.stdout)?.[1]);
    expect(seconds).toBeLessThan(5);

    const second = await run(process.execPath, args);
    expect(second.stdout).toContain(`${generated} events generated, 0 new, head ${generated}`);

    const store = openEventStore(dir);
    try {
      expect(store.streams().streams).toEqual([{ stream, head: generated }]);
      const page = store.read(stream, 0, 10);
      expect(page.events[0]).toMatchObject({ type: 'space.create', seq: 1 });
    } finally {
      store.close();
    }
  });

  it('explains bad arguments', async () => {
    await expect(
      run(process.execPath, ['--import', 'tsx', 'server/generate/cli.ts', '--preset', 'huge']),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown preset huge'),
    });
  });
});
