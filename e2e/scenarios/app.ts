/**
 * The app as scenarios see it, through any driver: where things are (found by the labels users and assistive
 * technology see), what the page shows, what its local database holds (`window.roomy`, docs/worker-manager.md) and
 * what the server holds. One `evaluate` per read, so that reads are cheap over WebDriver too.
 */
import assert from 'node:assert/strict';
import type { RoomyEvent } from '../../protocol/events';
import type { SqlParam } from '../../protocol/messages';
import type { SeededRoom } from '../fixtures';
import type { TestServer } from '../server';
import type { Tab } from './driver';
import { eventually } from './scenario';

/** A CSS attribute value, quoted. */
const quoted = (value: string) => JSON.stringify(value);

export const selectors = {
  composer: (room: SeededRoom) => `textarea[aria-label=${quoted(`Message #${room.name}`)}]`,
  timeline: '[role="log"]',
  message: '[role="log"] [data-message-id]',
};

export function roomUrl(server: { url: string }, room: SeededRoom, origin = server.url) {
  return `${origin}/space/${room.stream}/room/${room.room}`;
}

export interface ShownMessage {
  id: string;
  author: string;
  body: string;
  /** The delivery badge ('pending', 'failed'), if any. */
  delivery: string | null;
}

/** The messages the timeline has in the DOM (a virtualised list: the ones near the view), in order. */
export function shownMessages(tab: Tab): Promise<ShownMessage[]> {
  return tab.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[role="log"] [data-message-id]')].map((node) => ({
      id: node.dataset.messageId!,
      author: node.querySelector('.author')?.textContent ?? '',
      body: node.querySelector('.body')?.textContent ?? '',
      delivery: node.querySelector<HTMLElement>('[data-delivery]')?.dataset.delivery ?? null,
    })),
  );
}

/** What a reader sees at the top of the room: its title and the rooms in the sidebar. */
export function roomChrome(tab: Tab): Promise<{ title: string; rooms: string[] }> {
  return tab.evaluate(() => ({
    title: document.querySelector('main h1')?.textContent ?? '',
    rooms: [...document.querySelectorAll('nav[aria-label="Rooms"] a')].map((a) => a.textContent ?? ''),
  }));
}

/** Opens a room and waits until its messages are on screen. */
export async function openRoom(tab: Tab, url: string, timeout = 30_000) {
  await tab.goto(url);
  try {
    await eventually(async () => assert.ok((await shownMessages(tab)).length > 0, 'no message on screen'), {
      timeout,
      message: `the room at ${url} showed no message`,
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await diagnosis(tab)}`, { cause: error });
  }
}

/** What the page says about itself, for a failure's message: its text and the database's health. */
export async function diagnosis(tab: Tab): Promise<string> {
  try {
    const state = await tab.evaluate(async () => ({
      text: document.querySelector('main')?.textContent?.slice(0, 200) ?? null,
      health: await Promise.race([
        window.roomy.health(),
        new Promise((resolve) => setTimeout(() => resolve('health() did not answer in 3 s'), 3_000)),
      ]),
      locks: await navigator.locks.query(),
      // When the database host's code and storage layer loaded (ms since the page started).
      loaded: performance
        .getEntriesByType('resource')
        .map((e) => e as PerformanceResourceTiming)
        .filter((e) => /wa-sqlite|VFS|main-thread|entry-/.test(e.name))
        .map((e) => `${e.name.split('/').pop()} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`),
      now: Math.round(performance.now()),
      // Whether each IndexedDB database of the origin opens (a connection left behind can block it).
      idb: await Promise.all(
        (await indexedDB.databases()).map(
          ({ name }) =>
            new Promise((resolve) => {
              const request = indexedDB.open(name!);
              request.onsuccess = () => {
                // and whether a write transaction on all its stores starts (an unfinished one would hold it)
                const db = request.result;
                const stores = [...db.objectStoreNames];
                if (!stores.length) return resolve(`${name}: opens, no store`);
                const tx = db.transaction(stores, 'readwrite');
                tx.objectStore(stores[0]!).count();
                tx.oncomplete = () => resolve(`${name}: opens, writable`);
                tx.onerror = () => resolve(`${name}: opens, write failed: ${tx.error?.message}`);
                setTimeout(() => resolve(`${name}: opens, write waits`), 1_000);
                setTimeout(() => db.close(), 1_100);
              };
              request.onerror = () => resolve(`${name}: ${request.error?.message}`);
              request.onblocked = () => resolve(`${name}: blocked`);
              setTimeout(() => resolve(`${name}: does not open`), 1_000);
            }),
        ),
      ),
    }));
    return `page: ${JSON.stringify(state)}`;
  } catch (error) {
    return `page: could not be asked (${(error as Error).message})`;
  }
}

/** Types a message and presses Enter, as a user does. */
export async function send(tab: Tab, room: SeededRoom, text: string) {
  await tab.fill(selectors.composer(room), text);
  await tab.press(selectors.composer(room), 'Enter');
}

/** Waits until a message with this body is on screen; returns it. */
export async function waitForMessage(tab: Tab, text: string, timeout = 15_000): Promise<ShownMessage> {
  try {
    return await eventually(
      async () => {
        const found = (await shownMessages(tab)).find((m) => m.body.includes(text));
        assert.ok(found, `"${text}" is not on screen`);
        return found;
      },
      { timeout, message: `"${text}" never appeared` },
    );
  } catch (error) {
    // Tell "never stored" from "stored but not shown" (a live query that stopped updating).
    const stored = await queryLocal<{ id: string }>(tab, 'SELECT id FROM messages WHERE body = ?', [text]).then(
      (rows) => `${rows.length} cop${rows.length === 1 ? 'y' : 'ies'} in the local database`,
      (e: Error) => `the local database could not be asked (${e.message})`,
    );
    throw new Error(`${(error as Error).message}; ${stored}\n${await diagnosis(tab)}`, { cause: error });
  }
}

export function health(tab: Tab) {
  return tab.evaluate(() => window.roomy.health());
}

/** Runs a read-only query on the page's local database. */
export function queryLocal<T>(tab: Tab, sql: string, params: SqlParam[] = []): Promise<T[]> {
  return tab.evaluate(([sql, params]) => window.roomy.db().request('query', { sql, params }) as Promise<T[]>, [
    sql,
    params,
  ] as const);
}

/** The ids of one stream's events in the local ledger (applied, waiting or rejected), sorted. */
export async function localEventIds(tab: Tab, stream: string): Promise<string[]> {
  const rows = await queryLocal<{ id: string }>(tab, 'SELECT id FROM events WHERE stream = ? ORDER BY id', [stream]);
  return rows.map((r) => r.id);
}

/** The ids of the messages of a room in the local database, sorted. */
export async function localMessageIds(tab: Tab, room: string): Promise<string[]> {
  const rows = await queryLocal<{ id: string }>(tab, 'SELECT id FROM messages WHERE room = ? ORDER BY id', [room]);
  return rows.map((r) => r.id);
}

export async function serverEventIds(server: TestServer, stream: string): Promise<string[]> {
  return (await server.events(stream)).map((e) => e.id).sort();
}

/** How many times the server holds a message with this body. */
export async function serverCopies(server: TestServer, stream: string, body: string): Promise<RoomyEvent[]> {
  return (await server.events(stream)).filter((e) => e.type === 'message.create' && e.payload.body === body);
}

/** Ends the database host the hard way where the driver can (Chromium's CDP), else makes it crash itself. */
export async function killHost(
  browser: { killSharedWorkers(): Promise<boolean> },
  tab: Tab,
  strategy: string,
): Promise<'killed from outside' | 'crashed itself'> {
  if (strategy === 'shared' && (await browser.killSharedWorkers())) return 'killed from outside';
  await tab.evaluate(() => window.roomy.inject('crash', 2_000).catch(() => null));
  return 'crashed itself';
}
