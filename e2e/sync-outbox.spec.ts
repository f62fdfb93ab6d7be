/**
 * The outbox: writes made while the server is away are shown at once as pending, survive a reload, and reach the
 * server exactly once when it is back; a write the server refuses is shown failed, with Retry and Discard.
 */
import type { Page } from '@playwright/test';
import { ulid } from 'ulidx';
import { openEventStore } from '../server/event-store';
import { expect, roomUrl, test, type SeededRoom } from './fixtures';
import type { TestServer } from './server';

function composer(page: Page, room: SeededRoom) {
  return page.getByRole('textbox', { name: `Message #${room.name}` });
}

async function send(page: Page, room: SeededRoom, text: string) {
  await composer(page, room).fill(text);
  await composer(page, room).press('Enter');
}

/** The message row showing this text (the latest, if it was sent twice). */
function messageRow(page: Page, text: string) {
  return page.locator('[data-message-id]', { has: page.getByText(text, { exact: true }) });
}

/** The outbox entry of a write, read from the page's IndexedDB (protocol/sync-store.ts). */
function outboxEntry(page: Page, id: string) {
  return page.evaluate(
    (id) =>
      new Promise<{ state: string; attempts: number } | undefined>((resolve, reject) => {
        const open = indexedDB.open('roomy-sync');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('outbox').objectStore('outbox').get(id);
          get.onsuccess = () => {
            open.result.close();
            resolve(get.result && { state: get.result.state, attempts: get.result.attempts });
          };
        };
      }),
    id,
  );
}

/** Scrolls the timeline to its newest messages, as a reader would (a virtualised list renders only what is near). */
async function scrollToLatest(page: Page) {
  for (let i = 0; i < 5; i++) {
    await page
      .locator('[data-message-id]')
      .last()
      .evaluate((node) => {
        let scroller = node.parentElement;
        while (scroller && !/(auto|scroll)/.test(getComputedStyle(scroller).overflowY))
          scroller = scroller.parentElement;
        if (scroller) scroller.scrollTop = scroller.scrollHeight;
      });
    await page.waitForTimeout(100);
  }
}

async function openRoom(page: Page, server: TestServer, room: SeededRoom) {
  await page.goto(roomUrl(server, room));
  await expect(page.locator('[data-message-id]').first()).toBeVisible();
  // The service worker controls the page: it has the app shell for the reloads with the server down.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

test('messages written while the server is down are pending, survive a reload, and reach it exactly once', async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, server, seeded);
  await server.stop();
  const texts = [1, 2, 3].map((n) => `written offline ${n} ${Date.now()}`);
  let ids: string[];
  try {
    for (const text of texts) await send(page, seeded, text);
    for (const text of texts) {
      await expect(messageRow(page, text)).toBeVisible();
      await expect(messageRow(page, text).locator('[data-delivery="pending"]')).toBeVisible();
    }
    // The outbox status counts them (and whatever else the app wrote meanwhile, such as read marks).
    const unsent = page.getByRole('status').filter({ hasText: /\d+ unsent/ });
    await expect(unsent).toBeVisible();
    expect(Number(/(\d+) unsent/.exec((await unsent.textContent())!)![1])).toBeGreaterThanOrEqual(3);
    ids = (await Promise.all(texts.map((text) => messageRow(page, text).getAttribute('data-message-id')))) as string[];

    await page.reload();
    await expect(page.locator('[data-message-id]').first()).toBeVisible();
    await scrollToLatest(page);
    for (const text of texts) {
      await expect(messageRow(page, text).locator('[data-delivery="pending"]')).toBeVisible();
    }
  } finally {
    await server.start();
  }
  // Back online: each is delivered, its badge goes once the server's copy has come back.
  for (const text of texts)
    await expect(messageRow(page, text).locator('[data-delivery]')).toHaveCount(0, { timeout: 30_000 });
  const onServer = (await server.events(seeded.stream)).filter((e) => ids.includes(e.id));
  expect(onServer.map((e) => e.id).sort()).toEqual([...ids].sort());
  expect(onServer.map((e) => (e.payload as { body: string }).body).sort()).toEqual([...texts].sort());
  await expect(page.getByRole('status').filter({ hasText: /unsent|failed/ })).toHaveCount(0);
});

test('a write the server refuses is shown failed with Retry and Discard; Discard takes it back', async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, server, seeded);
  await server.stop();
  const text = `refused ${Date.now()}`;
  try {
    await send(page, seeded, text);
    await expect(messageRow(page, text).locator('[data-delivery="pending"]')).toBeVisible();
    const id = (await messageRow(page, text).getAttribute('data-message-id'))!;
    // Meanwhile another client used the same event id in another space: the server must refuse ours. (Written
    // into the stopped server's store, the way the server itself would have stored it.)
    const store = openEventStore(server.dataDir);
    const other = ulid();
    const result = store.append(other, [
      { id, stream: other, type: 'space.create', user: 'did:plc:mallory', payload: { name: 'Elsewhere' } },
    ]);
    store.close();
    expect(result.rejected).toEqual([]);
  } finally {
    await server.start();
  }
  const failed = messageRow(page, text).locator('[data-delivery="failed"]');
  await expect(failed).toContainText(`already used in stream`, { timeout: 30_000 });
  await expect(page.getByRole('status').filter({ hasText: '1 failed' })).toBeVisible();

  const id = (await messageRow(page, text).getAttribute('data-message-id'))!;
  const before = await outboxEntry(page, id);
  expect(before?.state).toBe('failed');
  await failed.getByRole('button', { name: 'Retry' }).click();
  // Sent again and refused again: still failed, still there.
  await expect.poll(() => outboxEntry(page, id)).toEqual({ state: 'failed', attempts: before!.attempts + 1 });
  await expect(failed).toContainText(`already used in stream`);
  await expect(messageRow(page, text)).toBeVisible();

  await failed.getByRole('button', { name: 'Discard' }).click();
  await expect(messageRow(page, text)).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: /unsent|failed/ })).toHaveCount(0);
  // It survives a reload as gone, and the server never took it into this space.
  await page.reload();
  await expect(page.locator('[data-message-id]').first()).toBeVisible();
  await expect(messageRow(page, text)).toHaveCount(0);
  const onServer = (await server.events(seeded.stream)).filter(
    (e) => e.type === 'message.create' && e.payload.body === text,
  );
  expect(onServer).toEqual([]);
});
