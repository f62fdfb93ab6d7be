/**
 * Web Push for the event server: VAPID keys made on first start and kept in the data folder, browsers' push
 * subscriptions with the streams each wants, and a notification to every subscriber of a stream after an append.
 *
 * The payload is `{stream, head}` (protocol/api.ts PushPayload), encrypted by `web-push` for the subscription; the
 * service worker then fetches the new events itself, so a lost or coalesced push loses nothing. Appends to a stream
 * within COALESCE_MS make one push. A push service that answers 404 or 410 says the subscription is gone: it is
 * deleted. Any other failure (a push service that cannot be reached, as on machines without internet) is logged
 * and the subscription kept.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { isIP } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import webpush from 'web-push';
import type { PushPayload, PushRegistration } from '../protocol/api';
import { isUlid } from '../protocol/events';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export interface PushOptions {
  /** `mailto:` or `https:` contact the push services may use (VAPID `sub`). */
  subject?: string;
  /** Appends to one stream within this window make one push. */
  coalesceMs?: number;
  /** Tests talk to a local push service with a self-signed certificate. */
  agent?: Agent;
  /** Tests' push service listens on 127.0.0.1; real ones never do, and the server must not be a proxy to the LAN. */
  allowPrivateEndpoints?: boolean;
  log?: Pick<FastifyBaseLogger, 'warn' | 'info'>;
}

export interface PushOutcome {
  endpoint: string;
  stream: string;
  status: 'sent' | 'gone' | 'failed';
  detail?: string;
}

const COALESCE_MS = 250;
/** A push that cannot be delivered within a day is not worth delivering. */
const TTL_SECONDS = 24 * 60 * 60;
const MAX_STREAMS = 1_000;

/** Reads `<dataDir>/vapid.json`, or makes and keeps a new key pair there. */
export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  const path = join(dataDir, 'vapid.json');
  if (existsSync(path)) {
    const keys = JSON.parse(readFileSync(path, 'utf8')) as Partial<VapidKeys>;
    if (typeof keys.publicKey === 'string' && typeof keys.privateKey === 'string') {
      return { publicKey: keys.publicKey, privateKey: keys.privateKey };
    }
    throw new Error(`${path} does not hold a VAPID key pair; move it away to make a new one`);
  }
  mkdirSync(dataDir, { recursive: true });
  const keys = webpush.generateVAPIDKeys();
  // 0600: the private key signs every push this server sends.
  writeFileSync(path, JSON.stringify(keys, null, 2), { mode: 0o600, flag: 'wx' });
  return keys;
}

/** Why a registration cannot be kept, or null when it is fine. */
export function checkRegistration(body: unknown, allowPrivate = false): string | null {
  const reg = body as Partial<PushRegistration> | null;
  const sub = reg?.subscription;
  if (!sub || typeof sub.endpoint !== 'string') return 'subscription.endpoint is missing';
  let url: URL;
  try {
    url = new URL(sub.endpoint);
  } catch {
    return 'subscription.endpoint is not a URL';
  }
  if (url.protocol !== 'https:') return 'subscription.endpoint must be an https: URL';
  if (!allowPrivate && isPrivateHost(url.hostname)) return 'subscription.endpoint must be a public push service';
  if (typeof sub.keys?.p256dh !== 'string' || typeof sub.keys?.auth !== 'string') {
    return 'subscription.keys.p256dh and subscription.keys.auth are required';
  }
  if (!Array.isArray(reg.streams) || reg.streams.length > MAX_STREAMS || !reg.streams.every(isUlid)) {
    return `streams must be an array of at most ${MAX_STREAMS} stream ids`;
  }
  return null;
}

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) return true;
  if (!isIP(host)) return false;
  return /^(127\.|10\.|192\.168\.|169\.254\.|0\.|172\.(1[6-9]|2\d|3[01])\.|::1$|::$|f[cd]|fe80:)/.test(host);
}

export class PushNotifier {
  readonly publicKey: string;
  private readonly db: Database.Database;
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; head: number }>();
  private readonly sending = new Set<Promise<unknown>>();
  private readonly listeners = new Set<(outcome: PushOutcome) => void>();
  /** Where failures are told; the app's logger unless the options name one. */
  log: PushOptions['log'];

  constructor(
    dataDir: string,
    private readonly options: PushOptions = {},
  ) {
    this.log = options.log;
    const keys = loadOrCreateVapidKeys(dataDir);
    this.publicKey = keys.publicKey;
    webpush.setVapidDetails(options.subject ?? 'mailto:roomy@example.invalid', keys.publicKey, keys.privateKey);
    this.db = new Database(join(dataDir, 'push.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS subscriptions (
        endpoint TEXT PRIMARY KEY,
        p256dh TEXT NOT NULL,
        auth TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS subscription_streams (
        endpoint TEXT NOT NULL REFERENCES subscriptions(endpoint) ON DELETE CASCADE,
        stream TEXT NOT NULL,
        PRIMARY KEY (stream, endpoint)
      );
    `);
    this.db.pragma('foreign_keys = ON');
  }

  /** Keeps a subscription and replaces its stream list. Throws with the reason when the registration is bad. */
  subscribe(body: unknown): void {
    const problem = checkRegistration(body, this.options.allowPrivateEndpoints);
    if (problem) throw new Error(problem);
    const { subscription, streams } = body as PushRegistration;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO subscriptions (endpoint, p256dh, auth, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth,
             updated_at = excluded.updated_at`,
        )
        .run(subscription.endpoint, subscription.keys.p256dh, subscription.keys.auth, Date.now());
      this.db.prepare('DELETE FROM subscription_streams WHERE endpoint = ?').run(subscription.endpoint);
      const add = this.db.prepare('INSERT OR IGNORE INTO subscription_streams (endpoint, stream) VALUES (?, ?)');
      for (const stream of streams) add.run(subscription.endpoint, stream);
    })();
  }

  /** Subscribers of a stream (tests and diagnostics). */
  subscribers(stream: string): string[] {
    return this.db
      .prepare<[string], { endpoint: string }>('SELECT endpoint FROM subscription_streams WHERE stream = ?')
      .all(stream)
      .map((row) => row.endpoint);
  }

  /** Called after an append: one push per stream per COALESCE_MS. */
  notify(stream: string, head: number): void {
    const pending = this.timers.get(stream);
    if (pending) {
      pending.head = Math.max(pending.head, head);
      return;
    }
    const entry = {
      head,
      timer: setTimeout(() => {
        this.timers.delete(stream);
        this.track(this.send(stream, entry.head));
      }, this.options.coalesceMs ?? COALESCE_MS),
    };
    this.timers.set(stream, entry);
  }

  /** Told of every push attempt's outcome (tests). */
  onOutcome(listener: (outcome: PushOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async send(stream: string, head: number): Promise<void> {
    const rows = this.db
      .prepare<[string], { endpoint: string; p256dh: string; auth: string }>(
        `SELECT s.endpoint, s.p256dh, s.auth FROM subscription_streams ss JOIN subscriptions s USING (endpoint)
         WHERE ss.stream = ?`,
      )
      .all(stream);
    const payload = JSON.stringify({ stream, head } satisfies PushPayload);
    await Promise.all(
      rows.map(async ({ endpoint, p256dh, auth }) => {
        let outcome: PushOutcome;
        try {
          await webpush.sendNotification({ endpoint, keys: { p256dh, auth } }, payload, {
            TTL: TTL_SECONDS,
            urgency: 'normal',
            topic: stream.slice(-32),
            timeout: 10_000,
            ...(this.options.agent ? { agent: this.options.agent } : {}),
          });
          outcome = { endpoint, stream, status: 'sent' };
        } catch (error) {
          const status = (error as { statusCode?: number }).statusCode;
          if (status === 404 || status === 410) {
            this.db.prepare('DELETE FROM subscriptions WHERE endpoint = ?').run(endpoint);
            outcome = { endpoint, stream, status: 'gone', detail: `push service answered ${status}` };
            this.log?.info({ endpoint }, 'push subscription gone: deleted');
          } else {
            const detail = status ? `push service answered ${status}` : (error as Error).message;
            outcome = { endpoint, stream, status: 'failed', detail };
            this.log?.warn({ endpoint, stream, detail }, 'push failed');
          }
        }
        for (const listener of this.listeners) listener(outcome);
      }),
    );
  }

  private track(promise: Promise<unknown>) {
    this.sending.add(promise);
    void promise.finally(() => this.sending.delete(promise));
  }

  /** Sends what is coalescing now and waits for every push under way. */
  async flush(): Promise<void> {
    for (const [stream, { timer, head }] of this.timers) {
      clearTimeout(timer);
      this.timers.delete(stream);
      this.track(this.send(stream, head));
    }
    await Promise.all([...this.sending]);
  }

  async close(): Promise<void> {
    await this.flush();
    this.db.close();
  }
}
