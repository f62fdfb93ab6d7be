/**
 * The service worker: the app's sync client and its offline shell.
 * - Precaches the built app (the manifest is injected at build time) and answers navigations with the cached
 *   index.html, so the app opens with the server down. Requests it does not know (Vite's dev modules, /api) go
 *   to the network untouched.
 * - While a tab is open (tabs say so every few seconds), tails the server into the IndexedDB inbox.
 * - Sends the outbox whenever a tab or the host says there is something in it, and retries.
 * Built as a classic script in dev and production, so that it runs in every browser.
 */
/// <reference lib="webworker" />
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { openSyncDb, SYNC_CHANNEL, type SyncNotice, type ToServiceWorker } from '../protocol/sync-store';
import { InboxWriter } from './inbox-writer';
import { OutboxSender } from './outbox-sender';
import { Tail } from './tail';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (string | { url: string; revision: string | null })[] };

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
const sync = openSyncDb().then((db) => {
  const writer = new InboxWriter(db, (cursors) => {
    const streams = [...cursors].map(([stream, c]) => ({ stream, seq: c.seq, head: c.head }));
    channel.postMessage({ type: 'progress', streams, live: tail.status.live } satisfies SyncNotice);
  });
  const tail = new Tail(db, writer, (status) => {
    if (status.live || status.connected) void outbox.flush(); // back online: send what waited
  });
  const outbox = new OutboxSender(db);
  return { db, tail, outbox };
});

channel.onmessage = (event: MessageEvent<SyncNotice>) => {
  if (event.data?.type === 'outbox') void sync.then(({ outbox }) => outbox.flush());
};

/** How long a tab's message keeps this worker alive: tabs send one at a shorter interval. */
const KEEPALIVE_MS = 25_000;

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const message = event.data as ToServiceWorker | { type: 'SKIP_WAITING' };
  switch (message?.type) {
    case 'hello':
    case 'keepalive':
      event.waitUntil(
        sync.then(({ tail, outbox }) => {
          void tail.ensureRunning();
          void outbox.flush();
          return new Promise((resolve) => setTimeout(resolve, KEEPALIVE_MS));
        }),
      );
      break;
    case 'outbox':
      event.waitUntil(sync.then(({ outbox }) => outbox.flush()));
      break;
    case 'SKIP_WAITING':
      void self.skipWaiting();
      break;
  }
});
