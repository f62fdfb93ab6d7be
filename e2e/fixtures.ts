import { test as base, expect, type Page } from '@playwright/test';
import { ulid } from 'ulidx';
import type { RoomyEvent } from '../protocol/events';
import { TestServer } from './server';

export interface SeededRoom {
  stream: string;
  room: string;
  name: string;
}

/** The host strategy a project forces ('auto' lets the app choose), as the app's runtime switch would store it. */
export type StrategyOption = 'auto' | 'shared' | 'dedicated' | 'main';

export const test = base.extend<{ seeded: SeededRoom }, { server: TestServer; strategy: StrategyOption }>({
  strategy: ['auto', { option: true, scope: 'worker' }],
  context: async ({ context, strategy }, use) => {
    if (strategy !== 'auto') {
      await context.addInitScript((s) => localStorage.setItem('roomy.db.strategy', s), strategy);
    }
    await use(context);
  },
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a function asks for from it
    async ({}, use) => {
      const server = await TestServer.start();
      await use(server);
      await server.dispose();
    },
    { scope: 'worker' },
  ],
  /** The seeded demo space's busiest channel. */
  seeded: async ({ server }, use) => {
    const stream = (await server.streams())[0]!.stream;
    const events = await server.events(stream);
    const rooms = events.filter((e) => e.type === 'room.create' && e.payload.kind === 'channel');
    const counts = new Map<string, number>();
    for (const e of events) if (e.type === 'message.create') counts.set(e.room, (counts.get(e.room) ?? 0) + 1);
    const busiest = rooms.sort((a, b) => (counts.get(b.room!) ?? 0) - (counts.get(a.room!) ?? 0))[0]!;
    await use({ stream, room: busiest.room!, name: (busiest.payload as { name: string }).name });
  },
});
export { expect };

/** The ids of the messages a room shows (the latest `limit`), computed from the server's events. */
export function expectedMessageIds(events: RoomyEvent[], room: string, limit = 100): string[] {
  const alive = new Set<string>();
  for (const e of events) {
    if (e.room !== room) continue;
    if (e.type === 'message.create') alive.add(e.id);
    if (e.type === 'message.delete') alive.delete(e.payload.messageId);
  }
  return [...alive].sort().slice(-limit);
}

export async function renderedMessageIds(page: Page): Promise<string[]> {
  return page
    .locator('.timeline .message')
    .evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.messageId!));
}

export function roomUrl(server: TestServer, room: SeededRoom) {
  return `${server.url}/space/${room.stream}/room/${room.room}`;
}

/** A message event by someone else, as another client would append it through the API. */
export function messageFrom(user: string, room: SeededRoom, body: string): RoomyEvent {
  return { id: ulid(), stream: room.stream, room: room.room, type: 'message.create', user, payload: { body } };
}
