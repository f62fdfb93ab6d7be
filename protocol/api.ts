/**
 * The event server's HTTP API, as seen by its clients (the service worker, tests, tools). Paths are stable so that
 * outside tools can use them; ../shared/design/events.md is the prose version of this file.
 */
import type { RoomyEvent } from './events';

export const API = {
  health: '/api/health',
  streams: '/api/streams',
  /** POST one event or an array; GET ?after=SEQ&limit=N. */
  events: (stream: string) => `/api/streams/${encodeURIComponent(stream)}/events`,
  /**
   * Live tail, one Server-Sent Events response for every stream a client follows:
   * `GET /api/tail?cursors=<stream>:<seq>,<stream>:<seq>&follow=all`. With `follow=all` the server also sends the
   * events of streams not named in `cursors`, from their first seq, including streams created later.
   */
  tail: '/api/tail',
  /** `GET` → PushPublicKey: the server's VAPID public key, for `pushManager.subscribe`. */
  pushPublicKey: '/api/push/public-key',
  /** `POST` a PushRegistration → 200 `{ ok: true }`: notify this subscription of appends to these streams. */
  pushSubscriptions: '/api/push/subscriptions',
} as const;

/** `GET /api/push/public-key` → 200 */
export interface PushPublicKey {
  /** The VAPID public key, base64url (uncompressed P-256 point), as `applicationServerKey` wants it. */
  publicKey: string;
}

/**
 * `POST /api/push/subscriptions`: a browser's push subscription (PushSubscription.toJSON()) and the streams it
 * wants to hear about. Posting again for the same endpoint replaces its stream list.
 */
export interface PushRegistration {
  subscription: { endpoint: string; expirationTime?: number | null; keys: { p256dh: string; auth: string } };
  streams: string[];
}

/**
 * The payload of a push message: the stream that has new events and its head. The service worker treats any other
 * payload (or none) as "catch up on everything".
 */
export interface PushPayload {
  stream: string;
  head: number;
}

/** `POST /api/streams/:stream/events` → 200 */
export interface AppendResponse {
  accepted: { id: string; seq: number }[];
  rejected: { id: string | null; error: string }[];
}

/** `GET /api/streams/:stream/events?after&limit` → 200; events in `seq` order. */
export interface EventsPage {
  events: RoomyEvent[];
  /** The stream's highest seq at the time of the read. */
  head: number;
  hasMore: boolean;
}

/** `GET /api/streams` → 200 */
export interface StreamsList {
  streams: { stream: string; head: number }[];
}

/** Any 4xx/5xx answer. */
export interface ApiError {
  error: string;
}

export const PAGE_LIMIT = { default: 1_000, max: 10_000 } as const;

/**
 * Server-Sent Events of the tail. Each SSE message's `event:` field names one of these and its `data:` is JSON.
 * - `events`: up to TAIL_BATCH events of one stream in seq order, contiguous after the client's cursor.
 * - `ready`: sent once after the backlog of every followed stream has been sent; from then on events are live.
 * Comments (`: ping`) keep the connection open through proxies every 15 s.
 */
export type TailMessage =
  | { event: 'events'; data: { stream: string; events: RoomyEvent[]; head: number } }
  | { event: 'ready'; data: { streams: { stream: string; head: number }[] } };

/** Events per SSE message: small enough for every browser's stream reader to take in one piece. */
export const TAIL_BATCH = 200;

export function parseCursors(param: string | null): Map<string, number> {
  const cursors = new Map<string, number>();
  for (const part of (param ?? '').split(',')) {
    const [stream, seq] = part.split(':');
    if (!stream) continue;
    const n = Number(seq ?? 0);
    cursors.set(stream, Number.isInteger(n) && n >= 0 ? n : 0);
  }
  return cursors;
}

export function formatCursors(cursors: Iterable<[string, number]>): string {
  return [...cursors].map(([stream, seq]) => `${stream}:${seq}`).join(',');
}
