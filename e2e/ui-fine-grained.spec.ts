/**
 * Fine-grained updates, measured: a MutationObserver records every DOM change of the whole document while one
 * thing happens (a message is sent, a reaction added, a message edited, a message arrives), and each change is
 * attributed to the element it happened in. The test asserts that every change was inside the element of the
 * message concerned (or its insertion into the list), or inside the unread badge of the room concerned, and names
 * any other change it finds. It is also the end-to-end check of the reactive queries (patches applied in place,
 * rows keeping their identity): a query that re-rendered its rows would touch every message on screen.
 *
 * Besides these, exactly one region may change: the top bar's sync indicators ("1 unsent", "catching up"), whose
 * job is to show that a write is on its way to the server. Every change there is counted and reported too.
 */
import type { Page } from '@playwright/test';
import { expect, roomUrl, test, type SeededRoom } from './fixtures';
import type { TestServer } from './server';
import { badge, composer, events, message, messageAction, openRoom } from './ui-helpers';

// This file counts the seeded space's messages: a server of its own (see serverKey in fixtures.ts).
test.use({ serverKey: 'ui-fine-grained' });

const BOB = 'did:plc:bob';

/** One DOM change, as the page saw it, attributed to where it happened. */
interface Change {
  /** 'message:<id>' | 'badge:<room>' | 'sync-status' | 'other' */
  where: string;
  type: MutationRecordType;
  /** A readable path of the changed node, for the failure message. */
  node: string;
  detail: string;
}

/**
 * Starts recording in the page. Attribution happens when the observer reports, while the nodes are still where
 * they were; a node already detached by then is attributed through the removed subtree that holds it.
 */
async function startRecording(page: Page) {
  await page.evaluate(() => {
    const describe = (node: Node): string => {
      const parts: string[] = [];
      for (let n: Node | null = node; n && n !== document.body && parts.length < 6; n = n.parentNode) {
        if (n.nodeType === Node.TEXT_NODE) parts.unshift('#text');
        else if (n instanceof Element)
          parts.unshift(
            n.tagName.toLowerCase() +
              (n.id ? `#${n.id}` : '') +
              (typeof n.className === 'string' && n.className ? `.${n.className.trim().split(/\s+/).join('.')}` : ''),
          );
      }
      return parts.join(' > ');
    };
    const elementOf = (node: Node) => (node instanceof Element ? node : node.parentElement);
    /** The zone a node is in (a message, a badge, the sync status), or null when it is in none or detached. */
    const zoneOf = (node: Node): string | null => {
      const el = elementOf(node);
      if (!el) return null;
      const messageEl = el.closest<HTMLElement>('[data-message-id]');
      if (messageEl) return `message:${messageEl.dataset.messageId}`;
      const badgeEl = el.closest<HTMLElement>('[data-unread-badge]');
      if (badgeEl) return `badge:${badgeEl.dataset.unreadBadge}`;
      if (el.closest('.sync-indicators')) return 'sync-status';
      return null;
    };
    const changes: Change[] = [];
    const observer = new MutationObserver((records) => {
      const removed = records.flatMap((r) => [...r.removedNodes]);
      for (const r of records) {
        const nodes = r.type === 'childList' ? [...r.addedNodes, ...r.removedNodes] : [r.target];
        for (const node of nodes) {
          // A node added to or removed from a parent belongs to its own zone (a message inserted into the timeline
          // is that message's change), else to its parent's; a node detached since then, to the removed subtree
          // that holds it.
          const holder = removed.find((n) => n !== node && n.contains(node));
          const where = zoneOf(node) ?? zoneOf(r.target) ?? (holder && zoneOf(holder)) ?? 'other';
          changes.push({
            where,
            type: r.type,
            node:
              describe(r.type === 'childList' ? r.target : node) +
              (r.type === 'childList' ? ` ⟵ ${describe(node)}` : ''),
            detail:
              r.type === 'attributes'
                ? `${r.attributeName}: ${JSON.stringify(r.oldValue)} → ${JSON.stringify((r.target as Element).getAttribute(r.attributeName!))}`
                : r.type === 'characterData'
                  ? `${JSON.stringify(r.oldValue)} → ${JSON.stringify(r.target.textContent)}`
                  : r.addedNodes.length
                    ? 'added'
                    : 'removed',
          });
        }
      }
    });
    observer.observe(document.documentElement, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeOldValue: true,
      characterData: true,
      characterDataOldValue: true,
    });
    (window as unknown as { __recording: { observer: MutationObserver; changes: Change[] } }).__recording = {
      observer,
      changes,
    };
  });
}

async function stopRecording(page: Page): Promise<Change[]> {
  return page.evaluate(() => {
    const rec = (window as unknown as { __recording: { observer: MutationObserver; changes: Change[] } }).__recording;
    const pending = rec.observer.takeRecords();
    rec.observer.disconnect();
    // takeRecords() returns records not yet delivered; none are expected after the quiet period.
    if (pending.length)
      rec.changes.push({ where: 'other', type: 'childList', node: 'undelivered', detail: `${pending.length}` });
    return rec.changes;
  });
}

/** Waits until the DOM has not changed for `ms` (the app has settled: patches applied, badges updated). */
async function settle(page: Page, ms = 700) {
  await page.evaluate(
    (quiet) =>
      new Promise<void>((resolve) => {
        let timer = setTimeout(done, quiet);
        const observer = new MutationObserver(() => {
          clearTimeout(timer);
          timer = setTimeout(done, quiet);
        });
        observer.observe(document.documentElement, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true,
        });
        function done() {
          observer.disconnect();
          resolve();
        }
      }),
    ms,
  );
}

/** Asserts that every change happened in one of the allowed places, and that the expected place did change. */
function expectOnly(changes: Change[], allowed: string[], mustChange: string) {
  const unexpected = changes.filter((c) => !allowed.includes(c.where) && c.where !== 'sync-status');
  expect(
    unexpected.map((c) => `${c.where} ${c.type} ${c.node}: ${c.detail}`),
    'DOM changes outside the message and badge concerned',
  ).toEqual([]);
  expect(changes.filter((c) => c.where === mustChange).length, `changes in ${mustChange}`).toBeGreaterThan(0);
}

function summary(changes: Change[]) {
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.where, (counts.get(c.where) ?? 0) + 1);
  return Object.fromEntries(counts);
}

async function idOf(page: Page, text: string) {
  return (await message(page, text).getAttribute('data-message-id'))!;
}

async function roomNamed(server: TestServer, seeded: SeededRoom, name: string): Promise<SeededRoom> {
  const created = (await server.events(seeded.stream)).find(
    (e) => e.type === 'room.create' && e.payload.name === name,
  )!;
  return { stream: seeded.stream, room: created.room!, name };
}

test("sending, reacting, editing and receiving each touch only the message concerned and its room's badge", async ({
  page,
  server,
  seeded,
}, testInfo) => {
  await openRoom(page, roomUrl(server, seeded));
  // Settled: the room was read (badge cleared) and the sync is live.
  await expect(badge(page, seeded.room)).toHaveText('');
  await expect(page.getByRole('status').filter({ hasText: /^live$/ })).toBeVisible();
  await settle(page);
  const onScreen = await page.locator('[data-message-id]').count();
  expect(onScreen, 'messages rendered around the viewport').toBeGreaterThan(5);
  // Mark the message elements now on screen, to check at the end that they are still the same elements.
  await page.evaluate(() =>
    document.querySelectorAll('[data-message-id]').forEach((el) => ((el as HTMLElement & { seen?: true }).seen = true)),
  );

  // 1. Sending: the new message is inserted into the list; nothing else on the page changes.
  const text = `fine-grained ${Date.now()}`;
  await composer(page).fill(text);
  await startRecording(page);
  await composer(page).press('Enter');
  await expect(message(page, text)).toBeVisible();
  await expect(message(page, text).locator('[data-delivery]')).toHaveCount(0); // delivered: the server's copy is back
  await settle(page);
  const sent = await idOf(page, text);
  const sending = await stopRecording(page);
  expectOnly(sending, [`message:${sent}`, `badge:${seeded.room}`], `message:${sent}`);

  // 2. Reacting to someone else's message in the middle of the screen.
  const others = page.locator('[data-message-id]:not(.mine)');
  const target = others.nth(Math.max(0, (await others.count()) - 3));
  const targetId = (await target.getAttribute('data-message-id'))!;
  await startRecording(page);
  await messageAction(target, 'Add reaction');
  await target.getByRole('button', { name: 'React with rocket' }).click();
  await expect(target.getByRole('button', { name: /^🚀 \d+ reactions?$/ })).toHaveAttribute('aria-pressed', 'true');
  await expect(target.locator('[data-delivery]')).toHaveCount(0);
  await settle(page);
  const reacting = await stopRecording(page);
  expectOnly(reacting, [`message:${targetId}`, `badge:${seeded.room}`], `message:${targetId}`);

  // 3. Editing one's message (Up in the composer, type, Enter).
  await composer(page).click();
  await startRecording(page);
  await composer(page).press('ArrowUp');
  const editor = page.getByRole('textbox', { name: 'Edit message' });
  await editor.fill(`${text} (changed)`);
  await editor.press('Enter');
  await expect(message(page, `${text} (changed)`).getByText('(edited)')).toBeVisible();
  await expect(message(page, text).locator('[data-delivery]')).toHaveCount(0);
  await settle(page);
  const editing = await stopRecording(page);
  expectOnly(editing, [`message:${sent}`, `badge:${seeded.room}`], `message:${sent}`);

  // 4. A message from someone else arrives in this room: it is inserted; the room's badge may blink while the
  //    reader's read mark follows.
  const arriving = `from bob ${Date.now()}`;
  await startRecording(page);
  await server.append(seeded.stream, [events.message(seeded, BOB, arriving)]);
  await expect(message(page, arriving)).toBeVisible();
  await expect(badge(page, seeded.room)).toHaveText('');
  await settle(page);
  const arrivedId = await idOf(page, arriving);
  const receiving = await stopRecording(page);
  expectOnly(receiving, [`message:${arrivedId}`, `badge:${seeded.room}`], `message:${arrivedId}`);

  // 5. A message in another room: only that room's badge changes.
  const random = await roomNamed(server, seeded, 'random');
  const before = await badge(page, random.room).textContent();
  await startRecording(page);
  await server.append(seeded.stream, [events.message(random, BOB, `elsewhere ${Date.now()}`)]);
  await expect(badge(page, random.room)).not.toHaveText(before!);
  await settle(page);
  const elsewhere = await stopRecording(page);
  expectOnly(elsewhere, [`badge:${random.room}`], `badge:${random.room}`);

  // Nothing was re-rendered: the only message elements made since the start are the two new messages.
  const made = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement & { seen?: true }>('[data-message-id]')]
      .filter((el) => !el.seen)
      .map((el) => el.dataset.messageId),
  );
  expect(made.sort()).toEqual([sent, arrivedId].sort());

  const report = { sending, reacting, editing, receiving, elsewhere };
  await testInfo.attach('mutations.json', { body: JSON.stringify(report, null, 2), contentType: 'application/json' });
  console.log(
    '[fine-grained] changes by place:',
    JSON.stringify(Object.fromEntries(Object.entries(report).map(([k, v]) => [k, summary(v)]))),
  );
});
