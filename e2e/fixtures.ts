import { test as base, expect, type Browser, type Page } from '@playwright/test';
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

export const test = base.extend<
  { seeded: SeededRoom },
  { server: TestServer; strategy: StrategyOption; serverKey: string }
>({
  strategy: ['auto', { option: true, scope: 'worker' }],
  /**
   * Files that count the seeded space's messages or rooms set their own key (`test.use({ serverKey: '…' })`): a
   * worker option with another value gives them a worker, and so a server, of their own, untouched by the events
   * earlier files added.
   */
  serverKey: ['shared', { option: true, scope: 'worker' }],
  context: async ({ context, strategy }, use) => {
    if (strategy !== 'auto') {
      await context.addInitScript((s) => {
        // Not in about:blank (a new page before its first navigation): it has no storage, and Firefox throws there.
        if (location.protocol.startsWith('http')) localStorage.setItem('roomy.db.strategy', s);
      }, strategy);
    }
    await use(context);
  },
  server: [
    async ({ serverKey }, use) => {
      void serverKey; // only its value matters: see above
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

/** The ids of every message a room has (created and not deleted), from the server's events, oldest first. */
export function expectedMessageIds(events: RoomyEvent[], room: string): string[] {
  const alive = new Set<string>();
  for (const e of events) {
    if (e.room !== room) continue;
    if (e.type === 'message.create') alive.add(e.id);
    if (e.type === 'message.delete') alive.delete(e.payload.messageId);
  }
  return [...alive].sort();
}

/**
 * Every message id the timeline shows, read as a user would: from the newest, scrolling up with the mouse wheel
 * until the beginning of the room (the timeline is virtualised: only what is near the view is in the DOM).
 */
export async function messageIdsByScrolling(page: Page): Promise<string[]> {
  const log = page.getByRole('log', { name: /^Messages in #/ });
  const box = (await log.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const seen = new Set<string>();
  const collect = async () => {
    for (const id of await log
      .locator('[data-message-id]')
      .evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.messageId!)))
      seen.add(id);
  };
  const beginning = log.locator('.timeline-start');
  for (let step = 0; step < 400; step++) {
    await collect();
    const atTop = await log.evaluate((el) => el.scrollTop <= 1);
    if (atTop && (await beginning.count()) > 0) break;
    await page.mouse.wheel(0, -Math.round(box.height * 0.7));
    await page.waitForTimeout(60);
  }
  await collect();
  return [...seen].sort();
}

export function roomUrl(server: TestServer, room: SeededRoom) {
  return `${server.url}/space/${room.stream}/room/${room.room}`;
}

/** A message event by someone else, as another client would append it through the API. */
export function messageFrom(user: string, room: SeededRoom, body: string): RoomyEvent {
  return { id: ulid(), stream: room.stream, room: room.room, type: 'message.create', user, payload: { body } };
}

/**
 * For a test that sets its own strategy: it runs in the default project only (under a forced one it would run the
 * same case again).
 */
export function skipUnlessDefaultStrategy(strategy: StrategyOption) {
  test.skip(strategy !== 'auto', 'sets its own strategy: run by the default project');
}

/** The strategy the app should report under a project's option ('auto' picks the SharedWorker where there is one). */
export const expectedStrategy = (strategy: StrategyOption) => (strategy === 'auto' ? 'shared' : strategy);

/**
 * Closes every SharedWorker of the browser through Chromium's DevTools protocol, as a crash would: the tabs' ports
 * die silently, with no error event. Returns how many there were (0 outside Chromium, which has no such handle).
 */
export async function closeSharedWorkers(browser: Browser): Promise<number> {
  if (browser.browserType().name() !== 'chromium') return 0;
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string }[];
    };
    const workers = targetInfos.filter((t) => t.type === 'shared_worker');
    for (const w of workers) await cdp.send('Target.closeTarget', { targetId: w.targetId });
    return workers.length;
  } finally {
    await cdp.detach();
  }
}

/**
 * Ends the database host the hard way: a SharedWorker host in Chromium is closed from outside (above); any other
 * host is told to crash. Not health() first: its answer would wait behind the host's work.
 */
export async function killHost(browser: Browser, page: Page, strategy: StrategyOption) {
  if (browser.browserType().name() === 'chromium' && expectedStrategy(strategy) === 'shared') {
    expect(await closeSharedWorkers(browser)).toBeGreaterThan(0);
  } else {
    await page.evaluate(() => window.roomy.inject('crash', 2_000).catch(() => null));
  }
}
