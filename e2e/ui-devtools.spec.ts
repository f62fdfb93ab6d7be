/**
 * The devtools panel, used as a developer would: opened from the top bar or with Alt+Shift+D, reading the host's
 * health, the live queries with their SQL and dependency sets, the message log of debug mode, the events the host
 * refused and the sync pipeline, and switching the host strategy at runtime.
 */
import { ulid } from 'ulidx';
import { expect, roomUrl, test } from './fixtures';
import { busiestChannel, composer, message, openRoom, screenshot, send, withFreshServer } from './ui-helpers';

const devtools = (page: import('@playwright/test').Page) => page.getByRole('complementary', { name: 'Devtools' });
const field = (page: import('@playwright/test').Page, name: string) => devtools(page).locator(`[data-field="${name}"]`);

test('open and close from the top bar and with Alt+Shift+D', async ({ page, server, seeded }) => {
  await openRoom(page, roomUrl(server, seeded));
  const toggle = page.getByRole('button', { name: 'Devtools', exact: true });
  await expect(toggle).toHaveAttribute('aria-keyshortcuts', 'Alt+Shift+D');
  await expect(devtools(page)).toHaveCount(0);
  await toggle.click();
  await expect(devtools(page)).toBeVisible();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('Alt+Shift+D');
  await expect(devtools(page)).toHaveCount(0);
  await composer(page).focus();
  await page.keyboard.press('Alt+Shift+D');
  await expect(devtools(page)).toBeVisible();
  await devtools(page).getByRole('button', { name: 'Close the devtools' }).click();
  await expect(devtools(page)).toHaveCount(0);
});

test('host health, live queries with SQL and dependency sets, and the message log in debug mode', async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, `${roomUrl(server, seeded)}?debug=1`);
  await page.getByRole('button', { name: 'Devtools', exact: true }).click();

  // Host: what runs the database, and how it is doing.
  await expect(field(page, 'strategy')).toHaveText(/^(shared|dedicated|main)$/);
  await expect(field(page, 'vfs')).toHaveText(/VFS/);
  await expect(field(page, 'leader')).not.toBeEmpty();
  await expect(field(page, 'connected')).toHaveText('true');
  await expect(field(page, 'events')).toHaveText(/^[1-9]\d* applied · \d+ waiting · \d+ rejected$/);
  await expect(field(page, 'uptimeMs')).toHaveText(/\d+(\.\d)? (ms|s)|min/);
  await expect(devtools(page).getByRole('table', { name: 'Requests by method' })).toContainText('subscribe');

  // Live queries: the timeline's "latest N of a room", with what it reads and how often it ran.
  await devtools(page).getByRole('tab', { name: 'Live queries' }).click();
  const queries = devtools(page).getByRole('list', { name: 'Live queries' });
  const timelineQuery = queries
    .getByRole('listitem')
    .filter({ hasText: 'FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?' });
  await expect(timelineQuery).toHaveCount(1);
  await expect(timelineQuery).toContainText(/depends on: messages\([^)]*\broom\b[^)]*\)/);
  await expect(timelineQuery).toContainText(/\d+ runs/);
  await expect(timelineQuery).toContainText(/last \d/);
  await expect(timelineQuery).toContainText(seeded.room);
  await devtools(page).getByRole('searchbox', { name: 'Filter queries by SQL' }).fill('read_marks');
  await expect(queries.getByRole('listitem')).toHaveCount(1);
  // The sidebar's unread counts: rooms, read marks and messages.
  await expect(queries.getByRole('listitem')).toContainText(/depends on: .*\bmessages\(room, id\)/);
  await expect(queries.getByRole('listitem')).toContainText('read_marks(');

  // A write shows in the message log, request and answer, and its patches come back as an event.
  await devtools(page).getByRole('tab', { name: 'Messages' }).click();
  const log = devtools(page).getByRole('table', { name: 'Tab and host messages' });
  await expect(log).toContainText('subscribe');
  await send(page, `traced ${Date.now()}`);
  await expect(log.getByRole('row').filter({ hasText: /tab → host\s*write #\d+/ })).not.toHaveCount(0);
  await expect(log.getByRole('row').filter({ hasText: /host → tab\s*event patches/ })).not.toHaveCount(0);
  await expect(devtools(page).getByRole('table', { name: 'Sync channel messages' })).toContainText('outbox');
});

test('without debug mode the log says how to turn it on', async ({ page, server, seeded }) => {
  await openRoom(page, roomUrl(server, seeded));
  await page.getByRole('button', { name: 'Devtools', exact: true }).click();
  await devtools(page).getByRole('tab', { name: 'Messages' }).click();
  await expect(devtools(page).getByRole('link', { name: '?debug=1' })).toBeVisible();
  await expect(devtools(page).getByRole('table', { name: 'Tab and host messages' })).toHaveCount(0);
});

test('rejected events with their reasons, and the sync pipeline', async ({ page, server, seeded }) => {
  await openRoom(page, roomUrl(server, seeded));
  await page.getByRole('button', { name: 'Devtools', exact: true }).click();
  await devtools(page).getByRole('tab', { name: 'Rejected events' }).click();
  const table = devtools(page).getByRole('table', { name: 'Rejected events' });

  // Bob edits a message of alice's: the server stores it (it is well formed), the host refuses it.
  const alices = (await server.events(seeded.stream)).find(
    (e) => e.type === 'message.create' && e.user === 'did:plc:alice',
  )!;
  const forged = ulid();
  await server.append(seeded.stream, [
    {
      id: forged,
      stream: seeded.stream,
      room: alices.room,
      type: 'message.edit',
      user: 'did:plc:bob',
      payload: { messageId: alices.id, body: 'not yours to edit' },
    },
  ]);
  const row = table.getByRole('row').filter({ hasText: forged });
  await expect(row).toContainText('message.edit');
  await expect(row).toContainText('only the author can edit a message');

  // Sync: per stream, the server's head, what the service worker received, what the host applied.
  await devtools(page).getByRole('tab', { name: 'Sync' }).click();
  const head = (await server.streams()).find((s) => s.stream === seeded.stream)!.head;
  const backfill = devtools(page).getByRole('table', { name: 'Backfill by stream' });
  const n = head.toLocaleString('en-US');
  // All of it received and applied: the cells read head, received, applied.
  await expect(backfill.getByRole('row').filter({ hasText: seeded.stream }).getByRole('cell')).toHaveText([
    seeded.stream,
    n,
    n,
    n,
    '',
  ]);
  await expect(field(page, 'inbox')).toContainText(/^0 events received, not yet applied/);
  await expect(field(page, 'outbox')).toContainText(/^0 pending · 0 failed/);
});

test('the strategy switcher moves the tab to another host, and the app goes on', async ({ page, server, seeded }) => {
  await openRoom(page, roomUrl(server, seeded));
  await page.getByRole('button', { name: 'Devtools', exact: true }).click();
  await expect(field(page, 'strategy')).toHaveText(/^(shared|dedicated|main)$/);
  const target = (await field(page, 'strategy').textContent()) === 'main' ? 'dedicated' : 'main';
  const switcher = devtools(page).getByRole('combobox', { name: 'Host strategy' });
  await switcher.selectOption(target);
  await devtools(page).getByRole('button', { name: 'Switch' }).click();
  await expect(
    devtools(page)
      .getByRole('status')
      .filter({ hasText: `Now on ${target}.` }),
  ).toBeVisible({
    timeout: 30_000,
  });
  await expect(field(page, 'strategy')).toHaveText(target);
  // The live queries came back on the new host: a new message still shows.
  const text = `after the switch ${Date.now()}`;
  await send(page, text);
  await expect(message(page, text)).toBeVisible();
});

test('the devtools (README screenshot)', async ({ page }, testInfo) => {
  await withFreshServer(async (server) => {
    await page.setViewportSize({ width: 1440, height: 860 });
    await openRoom(page, `${roomUrl(server, await busiestChannel(server))}?debug=1`);
    await page.keyboard.press('Alt+Shift+D');
    await devtools(page).getByRole('tab', { name: 'Live queries' }).click();
    // The queries over messages: the timeline ("latest N"), the unread counts (grouped), the reply previews.
    await devtools(page).getByRole('searchbox', { name: 'Filter queries by SQL' }).fill('from messages');
    await expect(
      devtools(page)
        .getByRole('list', { name: 'Live queries' })
        .getByRole('listitem')
        .filter({ hasText: 'LIMIT' })
        .first(),
    ).toBeVisible();
    await screenshot(page, testInfo, 'devtools');
    await devtools(page).getByRole('tab', { name: 'Host' }).click();
    await expect(field(page, 'strategy')).toBeVisible();
    await screenshot(page, testInfo, 'devtools-host');
  });
});
