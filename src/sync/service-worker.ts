/**
 * The tab's side of the service worker: registers it, keeps it awake while this tab is open (a service worker
 * is stopped when idle; each message from a tab gives it more time), and forwards the host's "outbox has writes"
 * notices to it (a BroadcastChannel message cannot wake a stopped service worker; postMessage can).
 */
import { createSignal } from 'solid-js';
import { registerSW } from 'virtual:pwa-register';
import { SYNC_CHANNEL, type SyncNotice, type ToServiceWorker } from '../../protocol/sync-store';

const KEEPALIVE_MS = 10_000;

export interface SyncProgress {
  streams: { stream: string; seq: number; head: number }[];
  live: boolean;
}

const [progress, setProgress] = createSignal<SyncProgress | null>(null);
const [outbox, setOutbox] = createSignal<{ pending: number; failed: number; lastError: string | null }>({
  pending: 0,
  failed: 0,
  lastError: null,
});
const [updateReady, setUpdateReady] = createSignal<(() => Promise<void>) | null>(null);
export { progress as syncProgress, outbox as outboxState, updateReady };

function post(message: ToServiceWorker) {
  const worker = navigator.serviceWorker?.controller ?? registration?.active;
  worker?.postMessage(message);
}

let registration: ServiceWorkerRegistration | undefined;

export function startServiceWorker() {
  if (!('serviceWorker' in navigator)) {
    console.warn('[roomy] no service worker in this browser: no offline inbox');
    return;
  }
  const update = registerSW({
    immediate: true,
    onRegisteredSW(_url, reg) {
      registration = reg;
      post({ type: 'hello' });
    },
    onNeedRefresh() {
      setUpdateReady(() => () => update(true));
    },
    onRegisterError(error: unknown) {
      console.error('[roomy] service worker registration failed', error);
    },
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => post({ type: 'hello' }));
  setInterval(() => post({ type: 'keepalive' }), KEEPALIVE_MS);

  const channel = new BroadcastChannel(SYNC_CHANNEL);
  channel.onmessage = (event: MessageEvent<SyncNotice>) => {
    const notice = event.data;
    if (notice.type === 'outbox') post({ type: 'outbox' });
    else if (notice.type === 'progress') setProgress({ streams: notice.streams, live: notice.live });
    else if (notice.type === 'outbox-state') setOutbox(notice);
  };
}
