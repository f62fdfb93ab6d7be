/**
 * The tab's side of the service worker: registers it, keeps it awake while this tab is open (a service worker
 * is stopped when idle; each message from a tab gives it more time), forwards the host's "outbox has writes"
 * notices to it (a BroadcastChannel message cannot wake a stopped service worker; postMessage can), and turns the
 * sync notices into signals for the UI (progress, outbox, "new version").
 */
import { createSignal } from 'solid-js';
import { registerSW } from 'virtual:pwa-register';
import { SYNC_CHANNEL, type StreamPosition, type SyncNotice, type ToServiceWorker } from '../../protocol/sync-store';
import { startPush } from './push';

const KEEPALIVE_MS = 10_000;
/** How often an open tab asks whether a new version of the app was deployed. */
const UPDATE_CHECK_MS = 30 * 60_000;

/** The build this tab runs (set at build time with VITE_ROOMY_BUILD; "dev" otherwise). */
export const APP_BUILD: string = import.meta.env.VITE_ROOMY_BUILD ?? 'dev';

export interface SyncProgress {
  /** Per stream: what the service worker has safely in the inbox, and the server's head. */
  streams: StreamPosition[];
  live: boolean;
}

const [progress, setProgress] = createSignal<SyncProgress | null>(null);
/** Per stream, the highest seq the database host has committed (from its `applied` notices). */
const [applied, setApplied] = createSignal<ReadonlyMap<string, number>>(new Map());
const [outbox, setOutbox] = createSignal<{ pending: number; failed: number; lastError: string | null }>({
  pending: 0,
  failed: 0,
  lastError: null,
});
const [updateReady, setUpdateReady] = createSignal<(() => Promise<void>) | null>(null);
/** The host's last storage failure, until it applies events again. */
const [storageProblem, setStorageProblem] = createSignal<string | null>(null);
const [controlled, setControlled] = createSignal(false);
export {
  progress as syncProgress,
  applied as appliedPositions,
  outbox as outboxState,
  updateReady,
  controlled,
  storageProblem,
};

let registration: ServiceWorkerRegistration | undefined;

export function postToServiceWorker(message: ToServiceWorker) {
  const worker = navigator.serviceWorker?.controller ?? registration?.active;
  worker?.postMessage(message);
}

export function startServiceWorker() {
  document.documentElement.dataset.build = APP_BUILD;
  if (!('serviceWorker' in navigator)) {
    console.warn('[roomy] no service worker in this browser: no offline inbox');
    return;
  }
  setControlled(navigator.serviceWorker.controller !== null);
  const update = registerSW({
    immediate: true,
    onRegisteredSW(_url, reg) {
      registration = reg;
      postToServiceWorker({ type: 'hello' });
      if (reg) {
        setInterval(() => void reg.update().catch(() => {}), UPDATE_CHECK_MS);
        void startPush(reg);
      }
    },
    // A new version is installed and waiting: the UpdatePrompt offers to reload into it. Accepting sends
    // SKIP_WAITING; when the new worker takes control, every tab of the old version reloads (registerSW does it).
    onNeedRefresh() {
      setUpdateReady(() => () => update(true));
    },
    onRegisterError(error: unknown) {
      console.error('[roomy] service worker registration failed', error);
    },
  });
  // A new controller after an earlier one is a new version taking over (the user accepted the prompt here or in
  // another tab): reload, so that no tab keeps running the old app against the new worker and cache. The first
  // controller of a first visit is not an update. (registerSW reloads only tabs that had a controller when they
  // registered, which misses a tab opened on the first visit.)
  let hadController = navigator.serviceWorker.controller !== null;
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    setControlled(true);
    if (hadController && !reloading) {
      reloading = true;
      window.location.reload();
      return;
    }
    hadController = true;
    postToServiceWorker({ type: 'hello' });
  });
  setInterval(() => postToServiceWorker({ type: 'keepalive' }), KEEPALIVE_MS);
  // Back online: cut every backoff short.
  window.addEventListener('online', () => {
    postToServiceWorker({ type: 'hello' });
    postToServiceWorker({ type: 'outbox', force: true });
  });

  const channel = new BroadcastChannel(SYNC_CHANNEL);
  channel.onmessage = (event: MessageEvent<SyncNotice>) => {
    const notice = event.data;
    if (notice.type === 'outbox') postToServiceWorker({ type: 'outbox' });
    else if (notice.type === 'progress') mergeProgress(notice.streams, notice.live);
    else if (notice.type === 'storage-error') setStorageProblem(notice.message);
    else if (notice.type === 'applied') {
      setStorageProblem(null); // the host could write again
      setApplied((before) => {
        const next = new Map(before);
        for (const { stream, seq } of notice.streams) next.set(stream, Math.max(next.get(stream) ?? 0, seq));
        return next;
      });
    } else if (notice.type === 'rewound') {
      // A host on another database holds less than the last one did: its positions, not the highest seen.
      setApplied((before) => {
        const next = new Map(before);
        for (const { stream, seq } of notice.streams) next.set(stream, seq);
        return next;
      });
    } else if (notice.type === 'outbox-state') setOutbox(notice);
  };
}

/** The SW reports the streams a write touched; keep the others. */
function mergeProgress(streams: StreamPosition[], live: boolean) {
  setProgress((before) => {
    const byStream = new Map((before?.streams ?? []).map((s) => [s.stream, s]));
    for (const s of streams) byStream.set(s.stream, s);
    return { streams: [...byStream.values()], live };
  });
}
