import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API } from '../protocol/api';
import type { AppendResponse, EventsPage } from '../protocol/api';
import { buildApp } from './app';
import { CONTENT_SECURITY_POLICY } from './security-headers';
import { message, messages, tempDir, tempStore, ulid } from './testing';
import type { TempStore } from './testing';

let temp: TempStore;
let app: FastifyInstance;
const S = ulid();

beforeEach(() => {
  temp = tempStore();
  app = buildApp({ store: temp.store });
});
afterEach(async () => {
  await app.close();
  temp.dispose();
});

const post = (body: unknown, stream = S) =>
  app.inject({
    method: 'POST',
    url: API.events(stream),
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('API', () => {
  it('answers health', async () => {
    const res = await app.inject(API.health);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('appends one envelope or an array, and pages through them', async () => {
    const one = message(S, 'first');
    expect((await post(one)).json()).toEqual({ accepted: [{ id: one.id, seq: 1 }], rejected: [] });
    const more = messages(S, 4);
    const res = await post(more);
    expect(res.statusCode).toBe(200);
    expect((res.json() as AppendResponse).accepted.map((a) => a.seq)).toEqual([2, 3, 4, 5]);

    const page = (await app.inject(`${API.events(S)}?after=1&limit=3`)).json() as EventsPage;
    expect(page.head).toBe(5);
    expect(page.hasMore).toBe(true);
    expect(page.events.map((e) => e.id)).toEqual(more.slice(0, 3).map((e) => e.id));
    const all = (await app.inject(API.events(S))).json() as EventsPage;
    expect(all.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.hasMore).toBe(false);
  });

  it('answers a duplicate with its existing seq and reports rejections per event', async () => {
    const good = message(S);
    await post(good);
    const res = await post([good, { ...message(S), payload: { body: 7 } }, message(ulid())]);
    expect(res.statusCode).toBe(200);
    const body = res.json() as AppendResponse;
    expect(body.accepted).toEqual([{ id: good.id, seq: 1 }]);
    expect(body.rejected).toHaveLength(2);
    expect(body.rejected[0]?.error).toMatch(/^payload\.body: /);
    expect(body.rejected[1]?.error).toMatch(/does not match the stream/);
  });

  it('lists streams with their heads', async () => {
    const other = ulid();
    await post(messages(S, 2));
    await post(messages(other, 1), other);
    expect((await app.inject(API.streams)).json()).toEqual({
      streams: [
        { stream: S, head: 2 },
        { stream: other, head: 1 },
      ],
    });
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await app.inject({
      method: 'POST',
      url: API.events(S),
      payload: '{"id": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'request body is not valid JSON' });
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = messages(S, 1).map((e) => ({ ...e, padding: 'x'.repeat(1024 * 1024) }));
    const res = await post(big);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: 'request body is over the limit of 1048576 bytes' });
    expect(temp.store.head(S)).toBe(0);
  });

  it('refuses more than 1,000 events with 413', async () => {
    const res = await post(messages(S, 1_001));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: '1001 events in one request, over the limit of 1000' });
    expect((await post(messages(S, 1_000))).statusCode).toBe(200);
  });

  it('refuses a stream id that is not a ULID with 400', async () => {
    for (const res of [
      await post(message(S), 'not-a-ulid'),
      await app.inject(API.events('lowercase0000000000000000x')),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: 'params/stream must match format "ulid"' });
    }
  });

  it('refuses other content types with 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: API.events(S),
      payload: 'hi',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ error: 'content-type must be application/json' });
  });

  it('validates after and limit', async () => {
    const cases: [string, string][] = [
      ['after=-1', 'querystring/after must be >= 0'],
      ['after=x', 'querystring/after must be integer'],
      ['after=1.5', 'querystring/after must be integer'],
      ['limit=0', 'querystring/limit must be >= 1'],
      ['limit=10001', 'querystring/limit must be <= 10000'],
      ['limit=many', 'querystring/limit must be integer'],
    ];
    for (const [query, error] of cases) {
      const res = await app.inject(`${API.events(S)}?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json(), query).toEqual({ error });
    }
    expect((await app.inject(`${API.events(S)}?after=0&limit=10000`)).statusCode).toBe(200);
  });

  it('answers unknown API paths and non-API paths without a static dir with 404 JSON', async () => {
    for (const [method, url] of [
      ['GET', '/api/nope'],
      ['POST', '/api/streams'],
      ['GET', '/somewhere'],
    ] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: `not found: ${method} ${url}` });
    }
  });

  it('refuses tail cursors that are not ULIDs with 400', async () => {
    const res = await app.inject(`${API.tail}?cursors=nope:3`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'cursors: "nope" is not a ULID' });
    expect((await app.inject(`${API.tail}?follow=some`)).statusCode).toBe(400);
  });
});

describe('static app', () => {
  let dir: string;
  let staticApp: FastifyInstance;
  const html = '<!doctype html><title>Roomy</title>';

  beforeAll(() => {
    dir = tempDir('roomy-static-');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), html);
    writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(dir, 'manifest.webmanifest'), '{"name":"Roomy"}');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'sqlite-def456.wasm'), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  });
  beforeEach(() => {
    staticApp = buildApp({ store: temp.store, staticDir: dir });
  });
  afterEach(() => staticApp.close());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html with the CSP, nosniff and no-cache', async () => {
    for (const url of ['/', '/index.html']) {
      const res = await staticApp.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe(html);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers['content-security-policy']).not.toMatch(/'unsafe-eval'/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('falls back to index.html for app routes, not for files or the API', async () => {
    const route = await staticApp.inject('/spaces/01JGFJJZ00X4XXAH0WKG04H8KC/rooms/general?x=1');
    expect(route.statusCode).toBe(200);
    expect(route.body).toBe(html);
    expect(route.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(route.headers['cache-control']).toBe('no-cache');

    const dotted = await staticApp.inject({ url: '/u/alice.bsky.social', headers: { accept: 'text/html,*/*;q=0.8' } });
    expect(dotted.statusCode).toBe(200);
    expect(dotted.body).toBe(html);

    const missingFile = await staticApp.inject({ url: '/assets/gone-123.js', headers: { accept: '*/*' } });
    expect(missingFile.statusCode).toBe(404);
    const api = await staticApp.inject('/api/nope');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: 'not found: GET /api/nope' });
    expect((await staticApp.inject({ method: 'POST', url: '/spaces/x' })).statusCode).toBe(404);
    expect((await staticApp.inject(API.health)).json()).toEqual({ ok: true });
  });

  it('caches hashed assets for good and revalidates the service worker and manifest', async () => {
    const asset = await staticApp.inject('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-security-policy']).toBeUndefined();
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    for (const url of ['/sw.js', '/manifest.webmanifest']) {
      expect((await staticApp.inject(url)).headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('serves .wasm as application/wasm', async () => {
    const res = await staticApp.inject('/assets/sqlite-def456.wasm');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/wasm');
  });
});
