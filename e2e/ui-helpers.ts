/**
 * Helpers for the UI specs (e2e/ui-*.spec.ts): finding things the way a user sees them (roles and labels), and
 * writing the README's screenshots.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { ulid } from 'ulidx';
import type { RoomyEvent } from '../protocol/events';
import type { SeededRoom } from './fixtures';
import { TestServer } from './server';

export const composer = (page: Page) => page.getByRole('textbox', { name: /^Message #/ });
export const timeline = (page: Page) => page.getByRole('log', { name: /^Messages in #/ });
export const roomsNav = (page: Page) => page.getByRole('navigation', { name: 'Rooms' });
/** A message on screen, found by the text of its body (not by a reply preview that quotes it). */
export const message = (page: Page, text: string | RegExp) =>
  timeline(page)
    .getByRole('listitem')
    .filter({ has: page.locator('.body', { hasText: text }) });
/** The unread badge of a room in the sidebar. */
export const badge = (page: Page, room: string) => page.locator(`[data-unread-badge="${room}"]`);

/** Waits until the room's messages are on screen. */
export async function openRoom(page: Page, url: string) {
  await page.goto(url);
  await expect(timeline(page).getByRole('listitem').first()).toBeVisible();
}

export async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
  await expect(message(page, text.split('\n')[0]!).last()).toBeVisible();
}

/** Clicks one of a message's actions (they show on hover and focus). */
export async function messageAction(item: Locator, action: 'Add reaction' | 'Reply' | 'Edit' | 'Delete') {
  await item.hover();
  await item.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: action }).click();
}

/** Events as another client would append them through the server's API. */
export const events = {
  message: (room: SeededRoom, user: string, body: string): RoomyEvent => ({
    id: ulid(),
    stream: room.stream,
    room: room.room,
    type: 'message.create',
    user,
    payload: { body },
  }),
  reaction: (room: SeededRoom, user: string, messageId: string, emoji: string): RoomyEvent => ({
    id: ulid(),
    stream: room.stream,
    room: room.room,
    type: 'reaction.add',
    user,
    payload: { messageId, emoji },
  }),
};

/**
 * A screenshot for the README. Written to docs/screenshots/ when UPDATE_SCREENSHOTS=1 (from the Chromium project
 * only, so that one browser's rendering is published), else next to the test's other output.
 */
export async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const publish = process.env.UPDATE_SCREENSHOTS === '1' && testInfo.project.name === 'chromium';
  const dir = publish ? join(process.cwd(), 'docs', 'screenshots') : testInfo.outputPath('screenshots');
  mkdirSync(dir, { recursive: true });
  // Let fonts and layout settle first.
  await page.evaluate(() =>
    document.fonts.ready.then(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    ),
  );
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** The busiest channel of the first space of a server (as the `seeded` fixture picks it). */
export async function busiestChannel(server: TestServer): Promise<SeededRoom> {
  const stream = (await server.streams())[0]!.stream;
  const all = await server.events(stream);
  const counts = new Map<string, number>();
  for (const e of all) if (e.type === 'message.create') counts.set(e.room!, (counts.get(e.room!) ?? 0) + 1);
  const channels = all.filter((e) => e.type === 'room.create' && e.payload.kind === 'channel');
  const busiest = channels.sort((a, b) => (counts.get(b.room!) ?? 0) - (counts.get(a.room!) ?? 0))[0]!;
  return { stream, room: busiest.room!, name: (busiest.payload as { name: string }).name };
}

/**
 * A server of its own for a screenshot, so that what other tests wrote on the shared one does not show. Stopped
 * and removed after `use`.
 */
export async function withFreshServer<T>(use: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await TestServer.start();
  try {
    return await use(server);
  } finally {
    await server.dispose();
  }
}
