/**
 * Push wake-ups and the offline inbox: with every tab of the app closed and its service worker stopped, events are
 * appended on the server; a push (delivered through Chromium's DevTools protocol: no push service is reachable
 * here) makes the service worker fetch them into the inbox and show a notification; with the server then stopped,
 * a new tab shows them, read from the inbox and the local database.
 */
import { ulid } from 'ulidx';
import type { RoomyEvent } from '../protocol/events';
import { expect, roomUrl, test } from './fixtures';
import { newAppContext, queryLocal } from './sync-helpers';

test.skip(
  ({ browserName }) => browserName !== 'chromium',
  'ServiceWorker.deliverPushMessage is a Chromium CDP command',
);

test('the app says clearly when push is unavailable, and keeps syncing', async ({
  browser,
  strategy,
  server,
  seeded,
}) => {
  const context = await newAppContext(browser, strategy);
  await context.grantPermissions(['notifications'], { origin: server.url });
  const page = await context.newPage();
  try {
    await page.goto(roomUrl(server, seeded));
    // No push service can be reached from here: subscribing fails, and the app says so.
    await expect(page.getByRole('status').filter({ hasText: 'Notifications unavailable' })).toBeVisible();
    const text = `still syncing ${Date.now()}`;
    await server.append(seeded.stream, [
      {
        id: ulid(),
        stream: seeded.stream,
        room: seeded.room,
        type: 'message.create',
        user: 'did:plc:bob',
        payload: { body: text },
      },
    ]);
    await expect(page.getByText(text)).toBeVisible();
  } finally {
    await context.close();
  }
});

test('500 events pushed while no tab is open are shown by the next tab, with the server stopped', async ({
  browser,
  strategy,
  server,
  seeded,
}) => {
  const context = await newAppContext(browser, strategy);
  await context.grantPermissions(['notifications'], { origin: server.url });
  const app = await context.newPage();
  await app.goto(roomUrl(server, seeded));
  await app.waitForFunction(() => navigator.serviceWorker.controller !== null);
  // In sync before the tab closes: the push below must bring only the new events (on a server that earlier specs
  // filled, an unfinished backfill would otherwise still be ahead of them).
  await expect(app.getByRole('status').filter({ hasText: /^live$/ })).toBeVisible();
  // A blank page keeps the browser context (and a DevTools session in it) while no page of the app is open.
  const blank = await context.newPage();
  const cdp = await context.newCDPSession(blank);
  const registrations = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL.startsWith(server.url) && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  // The worker's running state, as DevTools reports it.
  let running = 'unknown';
  cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
    const ours = versions.filter((v) => v.scriptURL.startsWith(server.url)).at(-1);
    if (ours) running = ours.runningStatus;
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registrations;
  await app.close();
  // Stop the worker: nothing but the push may wake it (no tab, so no tail either). Wait until it is stopped and
  // stays so: a message the closed tab sent just before (a keepalive) can start it once more, tail and all, and a
  // tail would take the events below before the push could count them.
  await expect
    .poll(
      async () => {
        await cdp.send('ServiceWorker.stopAllWorkers');
        await new Promise((resolve) => setTimeout(resolve, 500));
        return running;
      },
      { timeout: 20_000 },
    )
    .toBe('stopped');

  const room = ulid();
  const events: RoomyEvent[] = [
    {
      id: ulid(),
      stream: seeded.stream,
      room,
      type: 'room.create',
      user: 'did:plc:bob',
      payload: { kind: 'channel', name: 'pushed' },
    },
    ...Array.from({ length: 499 }, (_, i) => ({
      id: ulid(),
      stream: seeded.stream,
      room,
      type: 'message.create' as const,
      user: 'did:plc:bob',
      payload: { body: `pushed message ${i + 1}` },
    })),
  ];
  const appended = await server.append(seeded.stream, events);
  expect(appended.accepted).toHaveLength(500);
  const head = Math.max(...appended.accepted.map((a) => a.seq));

  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: new URL(server.url).origin,
    registrationId,
    data: JSON.stringify({ stream: seeded.stream, head }),
  });
  // The push handler ends by showing the notification, after the events are in the inbox. Its count also proves
  // that the push brought them: events the tail had already stored would not be new to it.
  await expect
    .poll(
      async () => {
        const sw = context.serviceWorkers().at(-1);
        return sw
          ?.evaluate(async () =>
            (
              await (self as unknown as { registration: ServiceWorkerRegistration }).registration.getNotifications()
            ).map((n) => ({ title: n.title, url: (n.data as { url: string }).url })),
          )
          .catch(() => null); // the worker restarted under us: ask the next one
      },
      { timeout: 30_000 },
    )
    .toEqual([{ title: '499 new messages in #pushed', url: `/space/${seeded.stream}/room/${room}` }]);

  await server.stop();
  try {
    const page = await context.newPage();
    await page.goto(roomUrl(server, { ...seeded, room }));
    await expect(page.getByRole('heading', { level: 1 })).toContainText('pushed');
    await expect(page.getByText('pushed message 499', { exact: true })).toBeVisible();
    const ids = events.map((e) => e.id);
    await expect
      .poll(async () => {
        const [row] = await queryLocal<{ n: number }>(
          page,
          'SELECT count(*) AS n FROM events WHERE id IN (SELECT value FROM json_each(?)) AND seq IS NOT NULL',
          [JSON.stringify(ids)],
        );
        return row!.n;
      })
      .toBe(500);
    const [messages] = await queryLocal<{ n: number }>(page, 'SELECT count(*) AS n FROM messages WHERE room = ?', [
      room,
    ]);
    expect(messages!.n).toBe(499);
  } finally {
    await server.start();
    await context.close();
  }
});
