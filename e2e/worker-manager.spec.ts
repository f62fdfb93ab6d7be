/**
 * The WorkerManager under each strategy (the project forces one): the strategy reported is the one forced, the
 * host survives being killed mid-ingest with nothing lost or doubled, leadership passes on when the leader tab
 * closes or freezes, a request that is never answered times out, and the app still works when no worker can start.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { ulid } from 'ulidx';
import { expect, expectedStrategy, killHost, messageFrom, roomUrl, test, type SeededRoom } from './fixtures';
import type { TestServer } from './server';
import { ledgerDifference } from './sync-helpers';

async function health(page: Page) {
  return page.evaluate(() => window.roomy.health());
}

/**
 * The ids of one stream's events in the local ledger that came from the server (they have a seq; the app's own
 * writes, such as read marks, get theirs when the server's copy is back). Other tests' streams are left out.
 */
async function localEventIds(page: Page, stream: string): Promise<string[]> {
  const rows = await page.evaluate(
    (s) =>
      window.roomy.db().request('query', {
        sql: 'SELECT id FROM events WHERE stream = ? AND seq IS NOT NULL ORDER BY id',
        params: [s],
      }),
    stream,
  );
  return rows.map((r) => r.id as string);
}

async function serverEventIds(server: TestServer, stream: string): Promise<string[]> {
  return (await server.events(stream)).map((e) => e.id).sort();
}

function burst(room: SeededRoom, n: number, label: string) {
  return Array.from({ length: n }, (_, i) => messageFrom('did:plc:bob', room, `${label} #${i}`));
}

/**
 * Waits until the local ledger holds exactly the server's events of the stream. Both sides are read again each
 * time: the app writes events of its own meanwhile (read marks). A failure names what one side lacks.
 */
async function expectSameEvents(page: Page, server: TestServer, stream: string) {
  await expect
    .poll(
      async () => {
        const [local, remote] = [await localEventIds(page, stream), await serverEventIds(server, stream)];
        if (JSON.stringify(local) === JSON.stringify(remote)) return true;
        return { ...(await ledgerDifference(page, local, remote)), health: await health(page) };
      },
      { timeout: 60_000, intervals: [500] },
    )
    .toBe(true);
}

/** The page on a dedicated host (its database in OPFS), the room shown. */
async function openOnOpfs(context: BrowserContext, page: Page, server: TestServer, seeded: SeededRoom) {
  await context.addInitScript(() => localStorage.setItem('roomy.db.strategy', 'dedicated'));
  await page.goto(roomUrl(server, seeded));
  await expect(page.locator('.timeline .message').first()).toBeVisible();
  expect((await health(page)).vfs).toMatch(/^OPFS/);
}

test('health() reports the strategy in use, and the host answers', async ({ page, server, seeded, strategy }) => {
  await page.goto(roomUrl(server, seeded));
  await expect(page.locator('.timeline .message').first()).toBeVisible();
  const h = await health(page);
  expect(h.strategy).toBe(expectedStrategy(strategy));
  expect(h.connected).toBe(true);
  expect(h.hostId).toMatch(/\w+/);
  expect(h.vfs).toMatch(/VFS$/);
  expect(h.metrics.subscribe?.count).toBeGreaterThan(0);
  if (expectedStrategy(strategy) !== 'shared') expect(h.role).toBe('leader');
});

test('a request the host never answers fails with a timeout instead of hanging', async ({ page, server, seeded }) => {
  await page.goto(roomUrl(server, seeded));
  await expect(page.locator('.timeline .message').first()).toBeVisible();
  const outcome = await page.evaluate(async () => {
    const started = performance.now();
    try {
      await window.roomy.inject('never-answer', 800);
      return { code: 'answered', ms: performance.now() - started };
    } catch (error) {
      return { code: (error as { code?: string }).code, ms: performance.now() - started };
    }
  });
  expect(outcome.code).toBe('TIMEOUT');
  expect(outcome.ms).toBeLessThan(5_000);
  // the host itself is fine: the next request is answered
  expect((await health(page)).connected).toBe(true);
});

test('the host killed during bursts of 1,000 incoming events, five times: nothing lost, nothing doubled', async ({
  browser,
  page,
  server,
  seeded,
  strategy,
}) => {
  test.setTimeout(240_000);
  await page.goto(roomUrl(server, seeded));
  await expect(page.locator('.timeline .message').first()).toBeVisible();
  const restartsBefore = (await health(page)).restarts;
  for (let round = 1; round <= 5; round++) {
    const events = burst(seeded, 1_000, `burst ${round}`);
    const appending = (async () => {
      for (let i = 0; i < events.length; i += 250) await server.append(seeded.stream, events.slice(i, i + 250));
    })();
    // kill while the events are streaming in
    await expect
      .poll(async () => (await localEventIds(page, seeded.stream)).length, { timeout: 30_000 })
      .toBeGreaterThan(0);
    await killHost(browser, page, strategy);
    await appending;
  }
  await expectSameEvents(page, server, seeded.stream);
  expect((await health(page)).restarts).toBeGreaterThanOrEqual(restartsBefore + 5);
  // and the open subscriptions follow the data again
  const text = `after the storm ${ulid()}`;
  await server.append(seeded.stream, [messageFrom('did:plc:carol', seeded, text)]);
  await expect(page.locator('.timeline .body', { hasText: text })).toBeVisible({ timeout: 2_000 });
});

test.describe('leader election (dedicated and main strategies)', () => {
  test.skip(({ strategy }) => expectedStrategy(strategy) === 'shared', 'the SharedWorker needs no leader');

  test('three tabs: closing the leader hands the database to another tab with no lost write', async ({
    context,
    server,
    seeded,
  }) => {
    const tabs = [await context.newPage(), await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      await tab.goto(roomUrl(server, seeded));
      await expect(tab.locator('.timeline .message').first()).toBeVisible();
    }
    const roles = await Promise.all(tabs.map(async (t) => (await health(t)).role));
    expect(roles.filter((r) => r === 'leader')).toHaveLength(1);
    const leader = tabs[roles.indexOf('leader')]!;
    const followers = tabs.filter((t) => t !== leader);

    // writes from a follower just before, during and after the leader goes
    const sent: string[] = [];
    const send = async (tab: Page, text: string) => {
      sent.push(text);
      await tab.getByRole('textbox', { name: `Message #${seeded.name}` }).fill(text);
      await tab.keyboard.press('Enter');
    };
    await send(followers[0]!, `before ${ulid()}`);
    await leader.close();
    await send(followers[0]!, `during ${ulid()}`);
    await send(followers[1]!, `after ${ulid()}`);

    await expect
      .poll(async () => (await Promise.all(followers.map(health))).filter((h) => h.role === 'leader').length, {
        timeout: 20_000,
      })
      .toBe(1);
    for (const tab of followers) {
      for (const text of sent) await expect(tab.locator('.timeline .body', { hasText: text })).toBeVisible();
    }
    await expect
      .poll(async () => {
        const bodies = (await server.events(seeded.stream)).flatMap((e) =>
          e.type === 'message.create' ? [e.payload.body] : [],
        );
        return sent.map((text) => bodies.filter((b) => b === text).length);
      })
      .toEqual(sent.map(() => 1));
  });

  test('a host that stops answering while its tab keeps every lock is replaced, with no lost write', async ({
    context,
    server,
    seeded,
  }) => {
    const [first, second] = [await context.newPage(), await context.newPage()];
    for (const tab of [first, second]) {
      await tab.goto(roomUrl(server, seeded));
      await expect(tab.locator('.timeline .message').first()).toBeVisible();
    }
    const leader = (await health(first)).role === 'leader' ? first : second;
    const follower = leader === first ? second : first;
    const before = await health(follower);
    // The leader's host stops answering but keeps its locks. Whichever tab notices first replaces it: the leader
    // tab by closing its own host, or the follower by stealing the locks. (A tab that is itself frozen cannot
    // notice anything: the main-strategy test below hangs a real main thread to force the steal.)
    await leader.evaluate(() => window.roomy.inject('freeze', 1_000).catch(() => null));
    await expect.poll(async () => (await health(follower)).hostId, { timeout: 20_000 }).not.toBe(before.hostId);
    await expect
      .poll(async () => (await Promise.all([first, second].map(async (t) => (await health(t)).role))).sort(), {
        timeout: 20_000,
      })
      .toEqual(['follower', 'leader']);
    const texts = [`from the follower ${ulid()}`, `from the old leader ${ulid()}`];
    for (const [tab, text] of [
      [follower, texts[0]!],
      [leader, texts[1]!],
    ] as const) {
      await tab.getByRole('textbox', { name: `Message #${seeded.name}` }).fill(text);
      await tab.keyboard.press('Enter');
    }
    for (const tab of [first, second]) {
      for (const text of texts) await expect(tab.locator('.timeline .body', { hasText: text })).toBeVisible();
    }
    await expect
      .poll(async () => {
        const bodies = (await server.events(seeded.stream)).flatMap((e) =>
          e.type === 'message.create' ? [e.payload.body] : [],
        );
        return texts.map((text) => bodies.filter((b) => b === text).length);
      })
      .toEqual([1, 1]);
  });
});

test('main strategy: a leader whose main thread really hangs loses the lead, and gets it back as a follower', async ({
  context,
  server,
  seeded,
  strategy,
}) => {
  test.skip(strategy !== 'main', 'only the main-thread host hangs with its tab');
  const [first, second] = [await context.newPage(), await context.newPage()];
  for (const tab of [first, second]) {
    await tab.goto(roomUrl(server, seeded));
    await expect(tab.locator('.timeline .message').first()).toBeVisible();
  }
  const leader = (await health(first)).role === 'leader' ? first : second;
  const follower = leader === first ? second : first;
  // Busy for 12 s: its host cannot answer, its locks stay held.
  await leader.evaluate(() => {
    setTimeout(() => {
      const until = Date.now() + 12_000;
      while (Date.now() < until);
    }, 0);
  });
  await expect.poll(async () => (await health(follower)).role, { timeout: 20_000 }).toBe('leader');
  const text = `written while the old leader hangs ${ulid()}`;
  await follower.getByRole('textbox', { name: `Message #${seeded.name}` }).fill(text);
  await follower.keyboard.press('Enter');
  await expect(follower.locator('.timeline .body', { hasText: text })).toBeVisible();
  // When the old leader wakes, it finds its lock taken and follows the new host.
  await expect.poll(async () => (await health(leader)).role, { timeout: 30_000 }).toBe('follower');
  await expect(leader.locator('.timeline .body', { hasText: text })).toBeVisible();
});

test('when no worker can start, the main-thread host takes over', async ({
  context,
  page,
  server,
  seeded,
  strategy,
}) => {
  test.skip(strategy !== 'auto', 'one run is enough: it starts from the default strategy');
  // Every worker the app starts gets a script that does not exist, so the SharedWorker and the dedicated worker
  // both fail to start. (A route cannot do this: the service worker serves the real scripts from its precache.)
  await context.addInitScript(() => {
    const broken = <T extends typeof Worker | typeof SharedWorker>(Original: T) =>
      function (_url: string | URL, options?: WorkerOptions) {
        return new Original('/no-such-worker.js', options);
      } as unknown as T;
    window.SharedWorker = broken(window.SharedWorker);
    window.Worker = broken(window.Worker);
  });
  await page.goto(roomUrl(server, seeded));
  await expect(page.locator('.timeline .message').first()).toBeVisible({ timeout: 30_000 });
  const h = await health(page);
  expect(h.strategy).toBe('main');
  expect(h.reason).toMatch(/fallback/);
});

test('a switch to a host on another database (OPFS to IndexedDB) syncs what that database lacks', async ({
  context,
  page,
  server,
  seeded,
  strategy,
}) => {
  test.skip(strategy !== 'auto', 'sets its own strategies: one run per browser');
  await openOnOpfs(context, page, server, seeded);
  const expected = await serverEventIds(server, seeded.stream);
  await expect.poll(() => localEventIds(page, seeded.stream)).toEqual(expected);
  // The main-thread host keeps its database in IndexedDB: empty, while the service worker has handed every event
  // over. It must notice, and have them sent again.
  await page.evaluate(() => window.roomy.switchStrategy('main'));
  await expect.poll(async () => (await health(page)).vfs, { timeout: 30_000 }).toMatch(/^IDB/);
  await expect.poll(() => localEventIds(page, seeded.stream), { timeout: 30_000 }).toEqual(expected);
  const newest = (await server.events(seeded.stream)).filter(
    (e) => e.room === seeded.room && e.type === 'message.create',
  );
  await expect(page.locator(`[data-message-id="${newest.at(-1)!.id}"]`)).toBeVisible();
});

test('a switch to a host on another database during an ingest loses nothing below what the inbox still holds', async ({
  context,
  page,
  server,
  seeded,
  strategy,
}) => {
  test.skip(strategy !== 'auto', 'sets its own strategies: one run per browser');
  test.setTimeout(120_000);
  await openOnOpfs(context, page, server, seeded);
  const before = (await localEventIds(page, seeded.stream)).length;
  // The new host's database lacks everything the old one applied, and the inbox still holds what it had not: the
  // new host must have the first part sent again, though its own database ends at the inbox's last event.
  const appending = (async () => {
    const events = burst(seeded, 4_000, 'during the switch');
    for (let i = 0; i < events.length; i += 1_000) await server.append(seeded.stream, events.slice(i, i + 1_000));
  })();
  await expect
    .poll(async () => (await localEventIds(page, seeded.stream)).length, { intervals: [50] })
    .toBeGreaterThan(before);
  await page.evaluate(() => window.roomy.switchStrategy('main'));
  await appending;
  await expect.poll(async () => (await health(page)).vfs, { timeout: 30_000 }).toMatch(/^IDB/);
  await expectSameEvents(page, server, seeded.stream);
});

test('switching strategy at runtime moves every tab', async ({ context, server, seeded, strategy }) => {
  test.skip(strategy !== 'auto', 'one run per browser');
  const [one, two] = [await context.newPage(), await context.newPage()];
  for (const tab of [one, two]) {
    await tab.goto(roomUrl(server, seeded));
    await expect(tab.locator('.timeline .message').first()).toBeVisible();
  }
  await one.evaluate(() => window.roomy.switchStrategy('main'));
  for (const tab of [one, two]) await expect.poll(async () => (await health(tab)).strategy).toBe('main');
  const text = `after the switch ${ulid()}`;
  await two.getByRole('textbox', { name: `Message #${seeded.name}` }).fill(text);
  await two.keyboard.press('Enter');
  for (const tab of [one, two]) await expect(tab.locator('.timeline .body', { hasText: text })).toBeVisible();
});
