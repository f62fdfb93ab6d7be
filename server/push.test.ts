/**
 * Web Push against a real push service stand-in: an HTTPS server on 127.0.0.1 (self-signed certificate) that
 * receives what web-push sends, decrypts it with the subscription's keys (http_ece, as a browser would), and
 * answers as the test tells it (201, 410, 500).
 */
// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- the tools tsconfig only sees this file of server/
/// <reference path="./http-ece.d.ts" />
import { execFileSync } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import ece from 'http_ece';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildApp } from './app';
import { PushNotifier, checkRegistration, loadOrCreateVapidKeys } from './push';
import { message, tempDir, tempStore, ulid, type TempStore } from './testing';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

let certDir: string;
let pushService: Server;
let pushUrl: string;
let answer = 201;
const received: Received[] = [];
const agent = new Agent({ rejectUnauthorized: false });

beforeAll(async () => {
  certDir = tempDir('roomy-push-cert-');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
  ], { stdio: 'ignore' }); // prettier-ignore
  pushService = createServer(
    { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(answer).end();
      });
    },
  );
  await new Promise<void>((resolve) => pushService.listen(0, '127.0.0.1', resolve));
  pushUrl = `https://127.0.0.1:${(pushService.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => pushService.close(resolve));
  rmSync(certDir, { recursive: true, force: true });
});

/** A browser's subscription: its ECDH key pair and auth secret (the private half stays here, to decrypt). */
function browserSubscription(name = ulid()) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  return {
    ecdh,
    auth,
    json: {
      endpoint: `${pushUrl}/push/${name}`,
      keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') },
    },
  };
}

function decrypt(body: Buffer, sub: ReturnType<typeof browserSubscription>): unknown {
  const plain = ece.decrypt(body, {
    version: 'aes128gcm',
    privateKey: sub.ecdh,
    authSecret: sub.auth.toString('base64url'),
  });
  return JSON.parse(plain.toString('utf8'));
}

let temp: TempStore;
let push: PushNotifier;
const warnings: unknown[] = [];

beforeEach(() => {
  temp = tempStore();
  received.length = 0;
  warnings.length = 0;
  answer = 201;
  push = new PushNotifier(temp.dir, {
    agent,
    allowPrivateEndpoints: true,
    coalesceMs: 20,
    log: { warn: (o: unknown) => warnings.push(o), info: () => {} } as never,
  });
});

afterEach(async () => {
  await push.close();
  temp.dispose();
});

describe('VAPID keys', () => {
  test('made on first start, kept in the data folder (owner-only), the same on the next start', () => {
    const dir = tempDir();
    try {
      const first = loadOrCreateVapidKeys(dir);
      expect(statSync(join(dir, 'vapid.json')).mode & 0o777).toBe(0o600);
      expect(loadOrCreateVapidKeys(dir)).toEqual(first);
      expect(Buffer.from(first.publicKey, 'base64url')).toHaveLength(65); // an uncompressed P-256 point
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HTTP routes', () => {
  test('GET /api/push/public-key; POST /api/push/subscriptions keeps a subscription for its streams', async () => {
    const app = buildApp({ store: temp.store, push });
    const key = await app.inject({ method: 'GET', url: '/api/push/public-key' });
    expect(key.json()).toEqual({ publicKey: push.publicKey });

    const stream = ulid();
    const sub = browserSubscription();
    const ok = await app.inject({
      method: 'POST',
      url: '/api/push/subscriptions',
      payload: { subscription: sub.json, streams: [stream] },
    });
    expect(ok.statusCode).toBe(200);
    expect(push.subscribers(stream)).toEqual([sub.json.endpoint]);

    const bad = await app.inject({
      method: 'POST',
      url: '/api/push/subscriptions',
      payload: { subscription: { ...sub.json, endpoint: 'http://push.example/x' }, streams: [stream] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: 'subscription.endpoint must be an https: URL' });
    await app.close();
  });

  test('refuses endpoints that are not public push services, and malformed registrations', () => {
    const keys = { p256dh: 'x', auth: 'y' };
    const streams = [ulid()];
    expect(checkRegistration({ subscription: { endpoint: 'https://127.0.0.1/x', keys }, streams })).toMatch(/public/);
    expect(checkRegistration({ subscription: { endpoint: 'https://10.1.2.3/x', keys }, streams })).toMatch(/public/);
    expect(checkRegistration({ subscription: { endpoint: 'https://localhost/x', keys }, streams })).toMatch(/public/);
    expect(checkRegistration({ subscription: { endpoint: 'https://fcm.googleapis.com/x', keys }, streams })).toBeNull();
    expect(checkRegistration({ subscription: { endpoint: 'https://push.example/x' }, streams })).toMatch(/keys/);
    expect(checkRegistration({ subscription: { endpoint: 'https://push.example/x', keys }, streams: ['x'] })).toMatch(
      /streams/,
    );
  });
});

describe('notifications on append', () => {
  test('subscribers of the stream get one encrypted push {stream, head} per burst; others get none', async () => {
    const stream = ulid();
    const subscriber = browserSubscription('in');
    const other = browserSubscription('out');
    push.subscribe({ subscription: subscriber.json, streams: [stream] });
    push.subscribe({ subscription: other.json, streams: [ulid()] });
    const app = buildApp({ store: temp.store, push });
    for (let i = 0; i < 3; i++) temp.store.append(stream, [message(stream, `m${i}`)]);
    await new Promise((r) => setTimeout(r, 50));
    await push.flush();
    expect(received.map((r) => r.path)).toEqual(['/push/in']);
    const [push1] = received;
    expect(push1!.headers['content-encoding']).toBe('aes128gcm');
    expect(String(push1!.headers.authorization)).toMatch(/^vapid t=.+, k=/);
    expect(decrypt(push1!.body, subscriber)).toEqual({ stream, head: 3 });
    await app.close();
  });

  test('a subscription the push service says is gone (410) is deleted; other failures are logged and kept', async () => {
    const stream = ulid();
    const sub = browserSubscription();
    push.subscribe({ subscription: sub.json, streams: [stream] });
    const app = buildApp({ store: temp.store, push });

    answer = 500;
    temp.store.append(stream, [message(stream)]);
    await new Promise((r) => setTimeout(r, 50));
    await push.flush();
    expect(push.subscribers(stream)).toEqual([sub.json.endpoint]);
    expect(warnings).toMatchObject([{ endpoint: sub.json.endpoint, detail: 'push service answered 500' }]);

    answer = 410;
    temp.store.append(stream, [message(stream)]);
    await new Promise((r) => setTimeout(r, 50));
    await push.flush();
    expect(push.subscribers(stream)).toEqual([]);
    await app.close();
  });

  test('an unreachable push service is logged, and the append is not affected', async () => {
    const stream = ulid();
    const sub = browserSubscription();
    push.subscribe({ subscription: { ...sub.json, endpoint: 'https://127.0.0.1:1/push/x' }, streams: [stream] });
    const app = buildApp({ store: temp.store, push });
    const response = await app.inject({
      method: 'POST',
      url: `/api/streams/${stream}/events`,
      payload: [message(stream)],
    });
    expect(response.json().accepted).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 50));
    await push.flush();
    expect(warnings).toHaveLength(1);
    expect(push.subscribers(stream)).toHaveLength(1);
    await app.close();
  });
});
