/**
 * A space the size of Roomy's largest (496 rooms, ~116k messages, the biggest room ~31k), generated on the server
 * before it starts: the app backfills it, opens the largest room at its newest message, and the reader scrolls
 * to its very first message, with the list virtualised all the way (a bounded number of messages in the DOM).
 */
import { expect, test } from './fixtures';
import type { RoomyEvent } from '../protocol/events';
import { TestServer } from './server';
import { roomsNav, screenshot, timeline } from './ui-helpers';

test.describe.configure({ timeout: 15 * 60_000 });

let server: TestServer;
let largest: { stream: string; room: string; name: string; messages: string[] };

test.beforeAll(async () => {
  test.setTimeout(5 * 60_000);
  server = await TestServer.start({ generate: { preset: 'roomy-largest', seed: 1 } });
  const stream = (await server.streams())[0]!.stream;
  const events: RoomyEvent[] = await server.events(stream);
  const alive = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type === 'message.create') {
      const set = alive.get(e.room) ?? new Set();
      set.add(e.id);
      alive.set(e.room, set);
    } else if (e.type === 'message.delete') alive.get(e.room)?.delete(e.payload.messageId);
  }
  const [room, ids] = [...alive].sort((a, b) => b[1].size - a[1].size)[0]!;
  const created = events.find((e) => e.type === 'room.create' && e.room === room)!;
  largest = { stream, room, name: (created.payload as { name: string }).name, messages: [...ids].sort() };
});

test.afterAll(async () => {
  await server?.dispose();
});

test('the largest room opens at its newest message and scrolls to its first one', async ({ page }, testInfo) => {
  expect(largest.messages.length, 'messages in the largest room').toBeGreaterThan(30_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);

  // Backfill: about 126k events, with a progress bar, until the tail is live.
  const started = Date.now();
  await expect(page.getByRole('status').filter({ hasText: /^live$/ })).toBeVisible({ timeout: 10 * 60_000 });
  const backfillSeconds = (Date.now() - started) / 1000;
  // How long the host's thread went without answering during the backfill (a stall past the heartbeat timeout
  // gets the host replaced: restarts).
  const { stalls, restarts } = await page.evaluate(() => window.roomy.health());

  // Open the largest room, as a link from elsewhere would: its newest message shows.
  const opening = Date.now();
  await page.goto(`${server.url}/space/${largest.stream}/room/${largest.room}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(largest.name);
  const newest = largest.messages.at(-1)!;
  await expect(timeline(page).locator(`[data-message-id="${newest}"]`)).toBeVisible();
  // The sidebar lists all 496 rooms: categories, channels and threads.
  await expect(roomsNav(page).getByRole('link')).toHaveCount(496 - 24);
  const openMs = Date.now() - opening;

  // Scroll to the top as a reader would with the keyboard: Home, and again as older messages load above.
  const scroller = timeline(page);
  await scroller.focus();
  const beginning = page.getByText(`This is the beginning of #${largest.name}.`);
  const oldest = scroller.locator(`[data-message-id="${largest.messages[0]!}"]`);
  const scrolling = Date.now();
  let presses = 0;
  let mostInDom = 0;
  while ((await oldest.count()) === 0) {
    expect(presses++, 'Home presses to reach the top').toBeLessThan(60);
    await page.keyboard.press('Home');
    // Wait for the older messages to arrive (or the beginning to show) before going on.
    await expect(scroller.getByText('Loading older messages…')).toHaveCount(0, { timeout: 60_000 });
    mostInDom = Math.max(mostInDom, await scroller.locator('[data-message-id]').count());
  }
  const scrollSeconds = (Date.now() - scrolling) / 1000;

  // The first message of the room is on screen under the room's beginning, and the list stayed virtualised.
  await expect(oldest).toBeInViewport();
  await expect(beginning).toBeInViewport();
  expect(mostInDom, 'messages in the DOM at once').toBeLessThan(150);
  await screenshot(page, testInfo, 'largest-room-top');

  // Scrolling down through the middle with the wheel renders what comes into view.
  await scroller.hover();
  for (let i = 0; i < 20; i++) await page.mouse.wheel(0, 1200);
  await expect(scroller.locator('[data-message-id]').first()).toBeVisible();
  expect(await scroller.locator('[data-message-id]').count()).toBeLessThan(150);

  const summary = {
    backfillSeconds,
    openMs,
    scrollToTopSeconds: scrollSeconds,
    homePresses: presses,
    mostMessagesInDom: mostInDom,
    hostStalls: stalls,
    hostRestarts: restarts,
  };
  await testInfo.attach('large-space.json', {
    body: JSON.stringify(summary, null, 2),
    contentType: 'application/json',
  });
  console.log(`[large space] ${testInfo.project.name}: ${JSON.stringify(summary)}`);
});
