/**
 * The service worker: the app's sync client and its offline shell.
 * - Precaches the built app (the manifest is injected at build time) and answers navigations with the cached
 *   index.html, so the app opens with the server down. Requests it does not know (Vite's dev modules, /api) go
 *   to the network untouched: no route matches them, so it never calls respondWith for them.
 * - While a tab is open (tabs say so every few seconds), catches up by pages and tails the server into the
 *   IndexedDB inbox; when the last tab has gone, it stops the tail.
 * - On a push, catches up on the stream the push names (or on every stream) and shows a notification.
 * - Sends the outbox whenever a tab or the host says there is something in it, and retries (timers, Background
 *   Sync where the browser has it).
 * - A new version waits until the user accepts the "new version" prompt (SKIP_WAITING), so an open tab never runs
 *   against a service worker and cache of another version.
 * Built as a classic script in dev and production, so that it runs in every browser.
 */
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import type { PushPayload } from '../protocol/api';
import { isUlid, type RoomyEvent } from '../protocol/events';
import { openSyncDb, SYNC_CHANNEL, type SyncDb, type SyncNotice, type ToServiceWorker } from '../protocol/sync-store';
import { catchUp } from './catch-up';
import { InboxWriter } from './inbox-writer';
import { countNewMessages, describeNewMessages, noNewMessages } from './notifications';
import { BACKGROUND_SYNC_TAG, OutboxSender } from './outbox-sender';
import { Tail } from './tail';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };
/** Background Sync (Chromium); absent from the standard lib types. */
type SyncEvent = ExtendableEvent & { tag: string; lastChance?: boolean };
type WithSync = ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };

const manifest = self.__WB_MANIFEST;
precacheAndRoute(manifest);
cleanupOutdatedCaches();
if (manifest.some((entry) => (typeof entry === 'string' ? entry : entry.url) === 'index.html')) {
  registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//] }));
}

self.addEventListener('install', () => {
  // The first install takes over at once; later versions wait for the tab's "new version" prompt (SKIP_WAITING).
  if (!self.registration.active) void self.skipWaiting();
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

const channel = new BroadcastChannel(SYNC_CHANNEL);
let sync = startSync();

/**
 * Opens the sync database and starts the sync client on it. When the database goes away under it (site data
 * cleared, or deleted by a tab), the client stops and a new one starts on a fresh database: its cursors are
 * empty, so it catches up from the start and the new database host gets everything again (a clean re-sync).
 */
function startSync() {
  return openSyncDb({ onGone: (why) => void restartSync(why) }).then(createSyncClient);
}

async function restartSync(why: string) {
  console.warn(`[roomy sw] the sync database went away (${why}): starting over`);
  const old = sync;
  sync = startSync();
  (await old.catch(() => null))?.tail.stop();
  if (!retiring) void (await sync).tail.ensureRunning();
}

function createSyncClient(db: SyncDb) {
  const writer = new InboxWriter(db, (cursors) => {
    const streams = [...cursors.values()].map(({ stream, seq, head }) => ({ stream, seq, head }));
    channel.postMessage({ type: 'progress', streams, live: tail.status.live } satisfies SyncNotice);
  });
  const tail = new Tail(db, writer, (status) => {
    if (status.connected) void outbox.flush(true); // the server is reachable again: send what waited, now
    void announceProgress();
  });
  // Background Sync wakes the worker when the browser is back online. Registering while online fires at once
  // (a server that is down is not "offline"), which would spin: then the timers and the tail's reconnect retry.
  const outbox = new OutboxSender(db, async () => {
    if (!self.navigator.onLine) await (self.registration as WithSync).sync?.register(BACKGROUND_SYNC_TAG);
  });
  return { db, writer, tail, outbox };
}

/** Tells the tabs where every stream stands and whether the tail is live (tabs that just opened know nothing). */
async function announceProgress() {
  const { db, tail } = await sync;
  const streams = (await db.getAll('cursors')).map(({ stream, seq, head }) => ({ stream, seq, head }));
  channel.postMessage({ type: 'progress', streams, live: tail.status.live } satisfies SyncNotice);
}

channel.onmessage = (event: MessageEvent<SyncNotice>) => {
  if (event.data?.type === 'outbox') void sync.then(({ outbox }) => outbox.flush());
  if (event.data?.type === 'sw-retire') void retire();
  if (event.data?.type === 'rewound') void sync.then(({ tail }) => tail.resume());
};

/**
 * Keepalives hold this worker's events open (waitUntil) while tabs are open. The browser activates a new version
 * only once the old one has no event in flight, so when a new version is told to take over (SKIP_WAITING), it says
 * so, and this one lets go at once: ends its keepalives and its tail (the new version runs its own).
 */
let retiring = false;
const keepalives = new Set<() => void>();
async function retire() {
  retiring = true;
  for (const end of keepalives) end();
  keepalives.clear();
  (await sync).tail.stop();
}

/** How long a tab's message keeps this worker alive: tabs send one at a shorter interval. */
const KEEPALIVE_MS = 25_000;

/** The tail runs while a window of the app is open; with none left it stops (pushes take over). */
async function stopTailWithoutTabs() {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (windows.length === 0) (await sync).tail.stop();
}

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const message = event.data as ToServiceWorker;
  switch (message?.type) {
    case 'hello':
    case 'keepalive':
      event.waitUntil(
        sync.then(async ({ tail, outbox }) => {
          if (retiring) return; // the new version serves the tabs now
          if (message.type === 'hello') void announceProgress();
          void tail.ensureRunning();
          void outbox.flush();
          await new Promise<void>((resolve) => {
            const end = () => {
              clearTimeout(timer);
              keepalives.delete(end);
              resolve();
            };
            const timer = setTimeout(end, KEEPALIVE_MS);
            keepalives.add(end);
          });
          await stopTailWithoutTabs();
        }),
      );
      break;
    case 'outbox':
      event.waitUntil(sync.then(({ outbox }) => outbox.flush(message.force)));
      break;
    case 'status':
      event.waitUntil(
        sync.then(({ tail, writer }) =>
          event.source?.postMessage({
            type: 'status',
            tail: tail.status,
            catchUp: tail.catchUpStats,
            writer: writer.stats,
          }),
        ),
      );
      break;
    case 'SKIP_WAITING':
      channel.postMessage({ type: 'sw-retire' } satisfies SyncNotice);
      void self.skipWaiting();
      break;
  }
});

self.addEventListener('sync', (event) => {
  const e = event as SyncEvent;
  if (e.tag !== BACKGROUND_SYNC_TAG) return;
  // Rejecting tells the browser to try again later (it backs off on its own).
  e.waitUntil(
    sync
      .then(({ outbox }) => outbox.flush(true))
      .then(({ unsent }) => {
        if (unsent) throw new Error(`${unsent} writes still unsent`);
      }),
  );
});

self.addEventListener('push', (event) => event.waitUntil(onPush(event.data)));

/** The stream a push names, if it names one we can use; otherwise catch up on everything. */
function pushedStream(data: PushMessageData | null): string | undefined {
  try {
    const payload = data?.json() as Partial<PushPayload> | undefined;
    return isUlid(payload?.stream) ? payload.stream : undefined;
  } catch {
    return undefined;
  }
}

async function onPush(data: PushMessageData | null) {
  const stream = pushedStream(data);
  const { db, writer, tail } = await sync;
  const tally = noNewMessages();
  try {
    await catchUp(db, writer, tail.catchUpStats, {
      streams: stream ? [stream] : undefined,
      onEvents: (events: RoomyEvent[]) => countNewMessages(tally, events),
    });
  } catch (error) {
    console.warn('[roomy sw] catch-up after a push failed', error);
  }
  // A visible, focused tab shows the messages itself.
  const windows = await self.clients.matchAll({ type: 'window' });
  if (windows.some((w) => w.visibilityState === 'visible' && w.focused)) return;
  const names = new Map((await db.getAll('rooms')).map((r) => [r.id, r.name]));
  const content = describeNewMessages(tally, (room) => names.get(room) ?? null);
  if (!content) return;
  await self.registration.showNotification(content.title, {
    body: content.body,
    tag: content.tag,
    data: { url: content.url },
  });
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL((event.notification.data as { url?: string } | null)?.url ?? '/', self.location.origin).href;
  event.waitUntil(openApp(url));
});

/** Shows the room in an open tab of the app if there is one, else in a new one. */
async function openApp(url: string) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = windows[0];
  if (!tab) {
    await self.clients.openWindow(url);
    return;
  }
  const focused = await tab.focus();
  await focused.navigate(url).catch(() => self.clients.openWindow(url));
}
