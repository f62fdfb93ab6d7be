/**
 * Hostile input: 1,000 generated events (e2e/hostile-events.ts, seeded) appended through the server's API, half
 * before the app opens (backfill) and half while it is open (live tail), with whole requests the server must refuse
 * as well. Checked: the server refuses what it must, each with its reason; what it takes but the materializer
 * refuses is kept with its reason in SQLite and listed in the devtools; what refers to a room or message that never
 * comes waits; every valid event is applied; markup and SQL in every text field are shown as the text they are
 * (no element injected, no script run, no dialog, no page error); and the app still answers the keyboard.
 *
 * What "shown as the text it is" means for lone surrogates: SQLite stores UTF-8, so one comes back as U+FFFD
 * (as String.prototype.toWellFormed makes it). U+0000 is refused by the server: the local SQLite binding would cut
 * the text there (protocol/events.ts).
 */
import type { Page } from '@playwright/test';
import { monotonicFactory } from 'ulidx';
import type { AppendResponse } from '../protocol/api';
import { LIMITS } from '../protocol/events';
import { expect, test } from './fixtures';
import { generateHostile, seededRandom, type Generated, type HostileWorld } from './hostile-events';
import type { TestServer } from './server';
import { queryLocal } from './sync-helpers';

test.use({ serverKey: 'hostile' });

const SEED = 20_261_126;
const COUNT = 1_000;
const BATCH = 50;

const SPACE_NAME = `<img src=x onerror="window.__pwned=1"> '); DROP TABLE spaces;--`;
const ROOM_NAME = '<script>alert(1)</script>';
const OTHER_ROOM_NAME = "other'); DROP TABLE rooms;--";

/** How a text comes out on screen: see the file's comment. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
const shown = wellFormed;

async function post(server: TestServer, stream: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${server.url}/api/streams/${stream}/events`, {
    method: 'POST',
    headers: { 'Content-Type': contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as { error?: string } & Partial<AppendResponse> };
}

/** The space, its rooms, and a second space whose room and event ids the generator misuses. */
async function setUp(server: TestServer): Promise<HostileWorld> {
  const newId = monotonicFactory(seededRandom(SEED + 1));
  const [stream, room, otherRoom, foreignStream, foreignRoom] = [newId(), newId(), newId(), newId(), newId()];
  const foreignEventId = newId();
  const user = 'did:plc:mallory';
  await server.append(foreignStream, [
    { id: foreignEventId, stream: foreignStream, type: 'space.create', user, payload: { name: 'Elsewhere' } },
    {
      id: newId(),
      stream: foreignStream,
      room: foreignRoom,
      type: 'room.create',
      user,
      payload: { kind: 'channel', name: 'foreign' },
    },
  ]);
  const setup = await server.append(stream, [
    { id: newId(), stream, type: 'space.create', user, payload: { name: SPACE_NAME } },
    { id: newId(), stream, room, type: 'room.create', user, payload: { kind: 'channel', name: ROOM_NAME } },
    {
      id: newId(),
      stream,
      room: otherRoom,
      type: 'room.create',
      user,
      payload: { kind: 'channel', name: OTHER_ROOM_NAME },
    },
  ]);
  expect(setup.rejected).toEqual([]);
  return { stream, room, otherRoom, foreignRoom, foreignStream, foreignEventId };
}

/** Appends generated events in batches; checks each answer against what each event must become. */
async function appendAll(server: TestServer, stream: string, events: Generated[]) {
  for (let i = 0; i < events.length; i += BATCH) {
    const batch = events.slice(i, i + BATCH);
    const { status, body } = await post(server, stream, JSON.stringify(batch.map((g) => g.event)));
    expect(status).toBe(200);
    const refused = batch.filter((g) => g.fate === 'server');
    expect(body.accepted!.map((a) => a.id)).toEqual(batch.filter((g) => g.fate !== 'server').map((g) => g.id));
    expect(body.rejected!.map((r) => r.id)).toEqual(refused.map((g) => g.id));
    body.rejected!.forEach((r, k) => expect(r.error, refused[k]!.kind).toMatch(refused[k]!.reason!));
  }
}

interface ShownMessage {
  id: string;
  body: string;
  author: string;
  reactions: string[];
}

/**
 * Every message of the open room as rendered, read while scrolling from the newest to the beginning. The timeline
 * is virtualised (only what is near the view is in the DOM); the scrolling runs inside the page, one frame per
 * step, because a round trip per step is slow in Firefox over WebDriver BiDi.
 */
async function renderedMessages(page: Page): Promise<Map<string, ShownMessage>> {
  const rows = await page.getByRole('log', { name: /^Messages in #/ }).evaluate(async (log) => {
    const seen = new Map<string, ShownMessage>();
    /** What is rendered now; a row keeps its fullest sighting (reactions arrive a moment after their message). */
    const collect = () => {
      let signature = '';
      for (const n of log.querySelectorAll<HTMLElement>('[data-message-id]')) {
        const row = {
          id: n.dataset.messageId!,
          body: n.querySelector('.body')?.textContent ?? '',
          author: n.querySelector('.author')?.textContent ?? '',
          reactions: [...n.querySelectorAll('.reaction [aria-hidden]')].map((r) => r.textContent ?? ''),
        };
        const before = seen.get(row.id);
        if (!before || row.reactions.length >= before.reactions.length) seen.set(row.id, row);
        signature += `${row.id}:${row.reactions.length}:${row.author};`;
      }
      return signature;
    };
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    /** Collects until what is rendered has not changed for 300 ms (the rows' own queries have answered). */
    const settle = async () => {
      let last = '';
      let since = performance.now();
      const giveUp = since + 3_000;
      while (performance.now() - since < 300 && performance.now() < giveUp) {
        await frame();
        const now = collect();
        if (now !== last) [last, since] = [now, performance.now()];
      }
    };
    const deadline = performance.now() + 90_000;
    while (performance.now() < deadline) {
      await settle();
      if (log.scrollTop <= 1 && log.querySelector('.timeline-start')) break;
      // A wheel event first: it tells the timeline the reader scrolls (otherwise it keeps the view at the end).
      log.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, bubbles: true }));
      log.scrollTop = Math.max(0, log.scrollTop - log.clientHeight * 0.8);
    }
    collect();
    return [...seen.values()];
  });
  return new Map(rows.map((r) => [r.id, r]));
}

test('1,000 hostile events: refused with reasons, kept with reasons, or shown inert; valid ones applied', async ({
  page,
  server,
}) => {
  test.setTimeout(120_000);
  const world = await setUp(server);
  const { stream, room } = world;
  const { events, expected } = generateHostile(world, SEED, COUNT);
  const fates = (fate: string) => events.filter((g) => g.fate === fate);
  // The generator covers every outcome in earnest.
  expect(fates('applied').length).toBeGreaterThan(350);
  expect(fates('server').length).toBeGreaterThan(200);
  expect(fates('host').length).toBeGreaterThan(60);
  expect(fates('waiting').length).toBeGreaterThan(60);

  // Whole requests the server must refuse, each with a reason, storing nothing.
  const head = async () => (await server.streams()).find((s) => s.stream === stream)!.head;
  const headBefore = await head();
  const valid = JSON.stringify(events.find((g) => g.fate === 'applied')!.event);
  const refusals: [string, string, number, RegExp][] = [
    ['{"id": "01', 'application/json', 400, /not valid JSON/],
    ['', 'application/json', 400, /empty/],
    [`[${valid}, {"__proto__": {"polluted": true}}]`, 'application/json', 400, /JSON/],
    [`[${valid}, {"constructor": {"prototype": {"polluted": true}}}]`, 'application/json', 400, /JSON/],
    [valid, 'text/plain', 415, /application\/json/],
    [
      JSON.stringify(Array.from({ length: LIMITS.batchEvents + 1 }, () => ({}))),
      'application/json',
      413,
      /1001 events/,
    ],
    [' '.repeat(LIMITS.batchBytes + 1), 'application/json', 413, /over the limit of 1048576 bytes/],
    [
      JSON.stringify([{ ...JSON.parse(valid), payload: { body: 'x'.repeat(LIMITS.batchBytes) } }]),
      'application/json',
      413,
      /over the limit/,
    ],
  ];
  for (const [body, type, status, reason] of refusals) {
    const answer = await post(server, stream, body, type);
    expect(answer.status, body.slice(0, 60)).toBe(status);
    expect(answer.body.error).toMatch(reason);
  }
  expect(await head()).toBe(headBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();

  const half = Math.floor(events.length / 2);
  await appendAll(server, stream, events.slice(0, half));

  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${server.url}/space/${stream}/room/${room}`);
  const composer = page.getByRole('textbox', { name: `Message #${ROOM_NAME}` });
  await expect(composer).toBeVisible();
  await expect(page.locator('.timeline .message').first()).toBeVisible();
  // The second half arrives through the live tail.
  await appendAll(server, stream, events.slice(half));

  // Every event the server holds is in the local ledger, once, with its seq.
  await expect
    .poll(
      async () => {
        const onServer = (await server.events(stream)).map((e) => `${e.id}:${e.seq}`);
        const local = (
          await queryLocal<{ id: string; seq: number }>(
            page,
            'SELECT id, seq FROM events WHERE stream = ? AND seq IS NOT NULL ORDER BY seq',
            [stream],
          )
        ).map((r) => `${r.id}:${r.seq}`);
        return JSON.stringify(local) === JSON.stringify(onServer) || { local: local.length, server: onServer.length };
      },
      { timeout: 45_000 },
    )
    .toBe(true);

  // What became of each accepted event.
  const status = new Map(
    (
      await queryLocal<{ id: string; status: string }>(page, 'SELECT id, status FROM events WHERE stream = ?', [stream])
    ).map((r) => [r.id, r.status]),
  );
  const wrongFate = events
    .filter((g) => g.fate !== 'server')
    .filter((g) => status.get(g.id!) !== { applied: 'applied', host: 'rejected', waiting: 'waiting' }[g.fate as string])
    .map((g) => `${g.kind} ${g.id}: ${status.get(g.id!)}`);
  expect(wrongFate).toEqual([]);
  for (const g of fates('server')) if (g.id) expect(status.has(g.id), g.kind).toBe(false);

  // The materializer's refusals, each kept with its reason.
  const rejected = await queryLocal<{ event_id: string; reason: string }>(
    page,
    'SELECT event_id, reason FROM rejected_events WHERE stream = ?',
    [stream],
  );
  expect(rejected.map((r) => r.event_id).sort()).toEqual(
    fates('host')
      .map((g) => g.id)
      .sort(),
  );
  const reasons = new Map(rejected.map((r) => [r.event_id, r.reason]));
  for (const g of fates('host')) expect(reasons.get(g.id!), g.kind).toMatch(g.reason!);
  const waiting = await queryLocal<{ id: string }>(
    page,
    'SELECT w.id FROM waiting_events w JOIN events e ON e.id = w.id WHERE e.stream = ? ORDER BY w.id',
    [stream],
  );
  expect(waiting.map((r) => r.id)).toEqual(
    fates('waiting')
      .map((g) => g.id)
      .sort(),
  );

  // Every valid message is there with its final body.
  const stored = await queryLocal<{ id: string; body: string }>(
    page,
    'SELECT id, body FROM messages WHERE room = ? ORDER BY id',
    [room],
  );
  expect(stored.map((m) => m.id)).toEqual([...expected.bodies.keys()].sort());
  const wrongBodies = stored
    .filter((m) => m.body !== wellFormed(expected.bodies.get(m.id)!))
    .map((m) => ({
      id: m.id,
      stored: JSON.stringify(m.body).slice(0, 300),
      expected: JSON.stringify(expected.bodies.get(m.id)).slice(0, 300),
    }));
  expect(wrongBodies).toEqual([]);

  // On screen: every message's text is its body, its reactions their emoji, its author their display name.
  const onScreen = await renderedMessages(page);
  expect([...onScreen.keys()].sort()).toEqual([...expected.bodies.keys()].sort());
  const mismatches: string[] = [];
  for (const [id, body] of expected.bodies) {
    const row = onScreen.get(id)!;
    if (row.body.trim() !== shown(body).trim()) mismatches.push(`${id} body: ${JSON.stringify(row.body.slice(0, 80))}`);
    const emoji = [...(expected.reactions.get(id) ?? [])].map(shown).sort();
    if (JSON.stringify([...row.reactions].sort()) !== JSON.stringify(emoji)) mismatches.push(`${id} reactions`);
  }
  for (const row of onScreen.values()) {
    const authorEvent = events.find((g) => g.id === row.id)!.event as { user: string };
    const name = expected.displayNames.get(authorEvent.user);
    if (name && row.author !== shown(name.trim())) mismatches.push(`${row.id} author: ${row.author}`);
  }
  expect(mismatches).toEqual([]);
  await expect(page.locator('.space-rail .space-link[aria-current="page"] .visually-hidden')).toHaveText(SPACE_NAME);
  await expect(page.locator(`.room-link[data-room-id="${room}"] .room-name`)).toHaveText(ROOM_NAME);
  await expect(page.locator(`.room-link[data-room-id="${world.otherRoom}"] .room-name`)).toHaveText(
    shown((expected.otherRoomName ?? OTHER_ROOM_NAME).trim()),
  );

  // Inert: nothing the events carried became an element, ran, or opened a dialog.
  const injected = await page.evaluate(() => ({
    pwned: (window as { __pwned?: unknown }).__pwned ?? null,
    elements: [
      ...document.querySelectorAll(
        '.app script, .app iframe, .app svg circle, .app img[src="x"], .app form:not(.composer), .app style, .app link, .app a[href^="javascript"]',
      ),
    ].map((e) => e.outerHTML.slice(0, 80)),
    handlers: [...document.querySelectorAll('.app *')].flatMap((e) =>
      [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${e.tagName} ${a.name}`),
    ),
  }));
  expect(injected).toEqual({ pwned: null, elements: [], handlers: [] });

  // The devtools list the refusals with their reasons.
  await page.getByRole('button', { name: 'Devtools' }).click();
  await page.getByRole('tab', { name: 'Rejected events' }).click();
  const table = page.getByRole('table', { name: 'Rejected events' });
  const total = (await queryLocal<{ n: number }>(page, 'SELECT count(*) AS n FROM rejected_events'))[0]!.n;
  await expect(table.locator('tbody tr')).toHaveCount(Math.min(total, 200));
  const listed = await table
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((r) => ({ id: r.querySelector('code')?.textContent, reason: r.querySelector('.reason')?.textContent })),
    );
  for (const g of fates('host')) expect(listed.find((l) => l.id === g.id)?.reason, g.kind).toMatch(g.reason!);
  await page.getByRole('button', { name: 'Close the devtools' }).click();

  // Still responsive: a message typed now is shown, and reaches the server once.
  const text = `still here ${Date.now()}`;
  await composer.fill(text);
  await composer.press('Enter');
  await expect(page.locator('.timeline .body', { hasText: text })).toBeVisible();
  await expect
    .poll(
      async () =>
        (await server.events(stream)).filter((e) => e.type === 'message.create' && e.payload.body === text).length,
    )
    .toBe(1);

  expect(dialogs).toEqual([]);
  expect(errors).toEqual([]);
});
