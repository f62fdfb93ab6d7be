/**
 * The core scenarios: what every cell of the browser matrix (engine × host strategy) must do. Render, two tabs,
 * write, reload offline, the host killed.
 */
import assert from 'node:assert/strict';
import { ulid } from 'ulidx';
import {
  health,
  killHost,
  localEventIds,
  localMessageIds,
  openRoom,
  roomChrome,
  roomUrl,
  send,
  serverCopies,
  serverEventIds,
  shownMessages,
  waitForMessage,
} from './app';
import { expectedMessageIds, messageFrom } from '../fixtures';
import type { Tab } from './driver';
import { EXPECTED_VFS } from './matrix';
import { eventually, type Scenario } from './scenario';

/** The timeline shows a contiguous run of the room's messages that ends with the newest, in order. */
async function showsNewestOf(tab: Tab, expected: string[]) {
  const shown = (await shownMessages(tab)).map((m) => m.id);
  assert.ok(shown.length > 0, 'no message on screen');
  if (shown.every((id, i) => id === expected[expected.length - shown.length + i])) return;
  // Where the shown run sits in the room, and where the view is: behind (a live query that stopped updating) or
  // scrolled away from the end.
  const at = shown.map((id) => expected.indexOf(id));
  const scroll = await tab.evaluate(() => {
    const log = document.querySelector('[role="log"]')!;
    return { top: Math.round(log.scrollTop), height: log.scrollHeight, client: log.clientHeight };
  });
  assert.fail(
    `the timeline does not end with the newest messages: it shows ${shown.length} messages at positions ` +
      `${at[0]}..${at.at(-1)} (${at.filter((i) => i < 0).length} unknown) of ${expected.length}; scroll ${JSON.stringify(scroll)}`,
  );
}

const render: Scenario = {
  id: 'render',
  title: "render: the seeded space's rooms, the newest messages with their authors, every message stored",
  timeoutMs: 60_000,
  async run({ browser, server, room, strategy }) {
    // "/" opens a channel of the seeded space by itself, and shows its messages.
    const home = await browser.newTab();
    await openRoom(home, server.url);
    assert.match(await home.url(), /\/space\/[0-9A-Z]{26}\/room\/[0-9A-Z]{26}$/, '"/" did not open a room');
    // Then the busiest channel, loaded in the same tab at once (as typing its address would), while the first
    // page's host is still busy: WebKit caches that page frozen as it is, and with the main-thread host the new
    // page's database never opened (README, "Browser matrix").
    const tab = home;
    await openRoom(tab, roomUrl(server, room));
    const chrome = await eventually(async () => {
      const c = await roomChrome(tab);
      assert.ok(c.title.includes(room.name), `title "${c.title}"`);
      assert.ok(
        c.rooms.some((r) => r.includes(room.name)),
        `sidebar ${JSON.stringify(c.rooms)}`,
      );
      return c;
    });
    assert.ok(chrome.rooms.length > 1, "the sidebar lists the space's rooms");
    const expected = expectedMessageIds(await server.events(room.stream), room.room);
    await eventually(() => showsNewestOf(tab, expected));
    const shown = await shownMessages(tab);
    assert.ok(
      shown.every((m) => m.author.trim() !== '' && m.body.trim() !== ''),
      'every message shows an author and a body',
    );
    // Everything is in the local database, not only what is on screen.
    await eventually(async () => assert.deepEqual(await localMessageIds(tab, room.room), expected));
    const h = await health(tab);
    assert.equal(h.strategy, strategy);
    assert.equal(h.connected, true);
    assert.equal(h.vfs, EXPECTED_VFS[browser.engine][strategy]);
    assert.equal(h.role, strategy === 'shared' ? 'shared' : 'leader');
  },
};

const twoTabs: Scenario = {
  id: 'two tabs',
  title: 'two tabs: a message typed in one appears in the other, and reaches the server once',
  timeoutMs: 60_000,
  async run({ browser, server, room, strategy }) {
    const [one, two] = [await browser.newTab(), await browser.newTab()];
    await openRoom(one, roomUrl(server, room));
    await openRoom(two, roomUrl(server, room));
    const text = `hello from tab one ${ulid()}`;
    await send(one, room, text);
    const mine = await waitForMessage(one, text);
    const theirs = await waitForMessage(two, text);
    assert.equal(theirs.id, mine.id);
    await eventually(async () =>
      assert.deepEqual(
        (await serverCopies(server, room.stream, text)).map((e) => e.id),
        [mine.id],
      ),
    );
    // Both tabs are served by one host (one leader where there is a leader).
    const [h1, h2] = [await health(one), await health(two)];
    assert.equal(h1.hostId, h2.hostId);
    if (strategy !== 'shared') assert.deepEqual([h1.role, h2.role].sort(), ['follower', 'leader']);
  },
};

const write: Scenario = {
  id: 'write',
  title: "write: a typed message shows at once and reaches the server once with its id; another user's appears live",
  timeoutMs: 60_000,
  async run({ browser, server, room }) {
    const tab = await browser.newTab();
    await openRoom(tab, roomUrl(server, room));
    const text = `typed ${ulid()}`;
    await send(tab, room, text);
    const shown = await waitForMessage(tab, text, 5_000);
    await eventually(async () => {
      const copies = await serverCopies(server, room.stream, text);
      assert.deepEqual(
        copies.map((e) => e.id),
        [shown.id],
      );
    });
    // Delivered: the pending badge goes once the server's copy has come back through the tail.
    await eventually(async () => assert.equal((await waitForMessage(tab, text)).delivery, null));
    const fromBob = `from the API ${ulid()}`;
    const result = await server.append(room.stream, [messageFrom('did:plc:bob', room, fromBob)]);
    assert.deepEqual(result.rejected, []);
    await waitForMessage(tab, fromBob);
  },
};

const reloadOffline: Scenario = {
  id: 'reload offline',
  title: 'reload offline: with the event server stopped, a reload shows the room from the local database',
  timeoutMs: 90_000,
  async run({ browser, server, room }) {
    const tab = await browser.newTab();
    await openRoom(tab, roomUrl(server, room));
    const expected = expectedMessageIds(await server.events(room.stream), room.room);
    await eventually(() => showsNewestOf(tab, expected));
    await eventually(async () => assert.deepEqual(await localMessageIds(tab, room.room), expected));
    // The service worker controls the page: it has the app shell for the reload.
    await eventually(async () => assert.ok(await tab.evaluate(() => navigator.serviceWorker.controller !== null)), {
      message: 'no service worker controls the page',
    });
    await server.stop();
    try {
      await tab.reload();
      await eventually(() => showsNewestOf(tab, expected), { timeout: 30_000 });
      assert.ok((await roomChrome(tab)).title.includes(room.name));
      assert.deepEqual(await localMessageIds(tab, room.room), expected);
    } finally {
      await server.start();
    }
  },
};

const hostKilled: Scenario = {
  id: 'host killed',
  title: "host killed: during a burst of 1,000 incoming events; afterwards the local ids equal the server's",
  timeoutMs: 180_000,
  async run({ browser, server, room, strategy }) {
    const tab = await browser.newTab();
    await openRoom(tab, roomUrl(server, room));
    const before = await health(tab);
    const applied = (await localEventIds(tab, room.stream)).length;
    const events = Array.from({ length: 1_000 }, (_, i) => messageFrom('did:plc:bob', room, `burst #${i}`));
    const appending = (async () => {
      for (let i = 0; i < events.length; i += 250) await server.append(room.stream, events.slice(i, i + 250));
    })();
    // Kill it while the events stream in: once some have been applied, before all have.
    await eventually(async () => assert.ok((await localEventIds(tab, room.stream)).length > applied), {
      timeout: 30_000,
      message: 'the burst never started to arrive',
    });
    const how = await killHost(browser, tab, strategy);
    await appending;
    // The server's ids are read each time: the app writes events of its own meanwhile (read marks).
    await eventually(
      async () => assert.deepEqual(await localEventIds(tab, room.stream), await serverEventIds(server, room.stream)),
      {
        timeout: 120_000,
        interval: 1_000,
        message: `after the host ${how}, the local ledger never matched the server`,
      },
    );
    const after = await health(tab);
    assert.ok(after.restarts > before.restarts, `the host was not replaced (restarts ${after.restarts})`);
    assert.notEqual(after.hostId, before.hostId);
    // The screen caught up too: the timeline ends with the burst's last messages.
    const expected = expectedMessageIds(await server.events(room.stream), room.room);
    await eventually(() => showsNewestOf(tab, expected), { message: 'after the kill, the timeline is behind' });
    // The live queries were re-established: a new message shows promptly.
    const text = `after the kill ${ulid()}`;
    await server.append(room.stream, [messageFrom('did:plc:carol', room, text)]);
    await waitForMessage(tab, text, 10_000);
  },
};

export const coreScenarios: Scenario[] = [render, twoTabs, write, reloadOffline, hostKilled];
