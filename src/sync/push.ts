/**
 * Web Push: the app subscribes this browser (one subscription per service worker registration) with the server's
 * VAPID key and tells the server which streams to notify it about. Where that cannot work (no permission, no push
 * service reachable, no Push API) the state says why, the UI shows it, and sync carries on without push while the
 * app is open.
 */
import { createSignal } from 'solid-js';
import { API, type PushPublicKey, type PushRegistration, type StreamsList } from '../../protocol/api';

export type PushState =
  | { state: 'starting' }
  | { state: 'unsupported'; reason: string }
  /** The user has not been asked yet: a button asks (browsers want a click for the permission prompt). */
  | { state: 'ask' }
  | { state: 'denied'; reason: string }
  | { state: 'subscribed'; streams: number }
  | { state: 'failed'; reason: string };

const [pushState, setPushState] = createSignal<PushState>({ state: 'starting' });
export { pushState };

let registration: ServiceWorkerRegistration | undefined;

export async function startPush(reg: ServiceWorkerRegistration) {
  registration = reg;
  if (!('PushManager' in window) || !reg.pushManager) {
    setPushState({ state: 'unsupported', reason: 'this browser has no Push API' });
    return;
  }
  const permission = typeof Notification === 'undefined' ? 'default' : Notification.permission;
  if (permission === 'denied') setPushState({ state: 'denied', reason: 'notifications are blocked for this site' });
  else if (permission === 'granted') await subscribe();
  else setPushState({ state: 'ask' });
}

/** Asks for permission (call it from a click) and subscribes. */
export async function enablePush() {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    setPushState({ state: 'denied', reason: 'notifications were not allowed' });
    return;
  }
  await subscribe();
}

async function subscribe() {
  const reg = registration;
  if (!reg) return;
  try {
    // Push needs an active worker; registration resolves before activation on a first visit.
    const ready = await navigator.serviceWorker.ready;
    const { publicKey } = await getJson<PushPublicKey>(API.pushPublicKey);
    const subscription =
      (await ready.pushManager.getSubscription()) ??
      (await ready.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: publicKey }));
    const { streams } = await getJson<StreamsList>(API.streams);
    const body: PushRegistration = {
      subscription: subscription.toJSON() as PushRegistration['subscription'],
      streams: streams.map((s) => s.stream),
    };
    const response = await fetch(API.pushSubscriptions, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    setPushState({ state: 'subscribed', streams: streams.length });
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.warn('[roomy] push subscription failed; syncing without push', error);
    setPushState({ state: 'failed', reason });
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}
