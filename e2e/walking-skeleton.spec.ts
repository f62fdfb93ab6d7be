import { expect, expectedMessageIds, messageFrom, messageIdsByScrolling, roomUrl, test } from './fixtures';

// This file counts the seeded space's messages: a server of its own (see serverKey in fixtures.ts).
test.use({ serverKey: 'walking-skeleton' });

test("the seeded space renders: rooms in the sidebar, the room's messages with their authors", async ({
  page,
  server,
  seeded,
}) => {
  await page.goto(server.url);
  // "/" opens a channel of the seeded space by itself
  await expect(page).toHaveURL(/\/space\/[0-9A-Z]{26}\/room\/[0-9A-Z]{26}$/);
  await page.goto(roomUrl(server, seeded));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(seeded.name);
  await expect(page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: seeded.name })).toBeVisible();
  const expected = expectedMessageIds(await server.events(seeded.stream), seeded.room);
  await expect(page.locator(`[data-message-id="${expected.at(-1)}"]`)).toBeVisible();
  expect(await messageIdsByScrolling(page)).toEqual(expected);
  await expect(page.locator('.timeline .message .author').first()).not.toBeEmpty();
});

test('a message typed in one tab appears in a second tab', async ({ context, server, seeded }) => {
  const [one, two] = [await context.newPage(), await context.newPage()];
  await one.goto(roomUrl(server, seeded));
  await two.goto(roomUrl(server, seeded));
  await expect(two.locator('.timeline .message').first()).toBeVisible();
  const text = `hello from tab one ${Date.now()}`;
  await one.getByRole('textbox', { name: `Message #${seeded.name}` }).fill(text);
  await one.keyboard.press('Enter');
  await expect(one.locator('.timeline .body', { hasText: text })).toBeVisible();
  await expect(two.locator('.timeline .body', { hasText: text })).toBeVisible();
  // and the server got it exactly once
  await expect
    .poll(
      async () =>
        (await server.events(seeded.stream)).filter((e) => e.type === 'message.create' && e.payload.body === text)
          .length,
    )
    .toBe(1);
});

test('a message appended through the server API by another user appears without a reload', async ({
  page,
  server,
  seeded,
}) => {
  await page.goto(roomUrl(server, seeded));
  await expect(page.locator('.timeline .message').first()).toBeVisible();
  const text = `from the API ${Date.now()}`;
  const result = await server.append(seeded.stream, [messageFrom('did:plc:bob', seeded, text)]);
  expect(result.rejected).toEqual([]);
  await expect(page.locator('.timeline .body', { hasText: text })).toBeVisible();
});

test('after a reload with the event server stopped, the room still shows every message', async ({
  page,
  server,
  seeded,
}) => {
  await page.goto(roomUrl(server, seeded));
  const expected = expectedMessageIds(await server.events(seeded.stream), seeded.room);
  await expect(page.locator(`[data-message-id="${expected.at(-1)}"]`)).toBeVisible();
  // the service worker controls the page and has the app shell cached
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await server.stop();
  try {
    await page.reload();
    await expect(page.locator(`[data-message-id="${expected.at(-1)}"]`)).toBeVisible();
    expect(await messageIdsByScrolling(page)).toEqual(expected);
    await expect(page.getByRole('heading', { level: 1 })).toContainText(seeded.name);
  } finally {
    await server.start();
  }
});
