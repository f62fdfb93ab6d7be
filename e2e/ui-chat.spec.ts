/**
 * The chat UI, walked through as a user would: by clicking, typing and reading the screen (roles and labels, the
 * way a screen reader finds things), against a real server with the seeded demo space.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ulid } from 'ulidx';
import type { RoomyEvent } from '../protocol/events';
import { expect, roomUrl, test, type SeededRoom } from './fixtures';
import type { TestServer } from './server';
import {
  badge,
  busiestChannel,
  composer,
  events,
  message,
  messageAction,
  openRoom,
  roomsNav,
  screenshot,
  send,
  timeline,
  withFreshServer,
} from './ui-helpers';

// This file counts the seeded space's messages: a server of its own (see serverKey in fixtures.ts).
test.use({ serverKey: 'ui-chat' });

const ALICE = 'did:plc:alice';
const BOB = 'did:plc:bob';

/** A room of the seeded space by name. */
async function roomNamed(server: TestServer, seeded: SeededRoom, name: string): Promise<SeededRoom> {
  const created = (await server.events(seeded.stream)).find((e) => e.type === 'room.create' && e.payload.name === name);
  if (!created) throw new Error(`no room ${name}`);
  return { stream: seeded.stream, room: created.room!, name };
}

async function serverEvents(server: TestServer, stream: string, type: RoomyEvent['type'], user = ALICE) {
  return (await server.events(stream)).filter((e) => e.type === type && e.user === user);
}

test('the sidebar shows categories, channels and threads, with unread counts that reading clears', async ({
  page,
  server,
  seeded,
}) => {
  const random = await roomNamed(server, seeded, 'random');
  await openRoom(page, roomUrl(server, seeded));
  const nav = roomsNav(page);
  // The tree: categories (collapsible), their channels, and the general channel's thread under it.
  for (const category of ['Welcome', 'Engineering', 'Community'])
    await expect(nav.getByRole('button', { name: category })).toHaveAttribute('aria-expanded', 'true');
  await expect(
    nav.getByRole('list', { name: 'Threads of general' }).getByRole('link', { name: /Launch plan/ }),
  ).toBeVisible();
  await expect(nav.getByRole('link', { name: /^random( |$)/ })).toBeVisible();
  await nav.getByRole('button', { name: 'Community' }).click();
  await expect(nav.getByRole('link', { name: /^random( |$)/ })).toBeHidden();
  await nav.getByRole('button', { name: 'Community' }).click();
  await expect(nav.getByRole('link', { name: /^random( |$)/ })).toBeVisible();

  // The open room is read: its badge is cleared, and the read mark went to the server.
  await expect(badge(page, seeded.room)).toHaveText('');
  await expect
    .poll(async () => (await serverEvents(server, seeded.stream, 'read.mark')).some((e) => e.room === seeded.room))
    .toBe(true);

  // Another room counts what alice has not read; a new message from bob adds one.
  await expect(badge(page, random.room)).toHaveText(/^\d+ unread$/);
  const before = Number((await badge(page, random.room).textContent())!.match(/\d+/)![0]);
  await server.append(seeded.stream, [events.message(random, BOB, `news in random ${Date.now()}`)]);
  await expect(badge(page, random.room)).toHaveText(`${before + 1} unread`);

  // Opening it (at the bottom, where the news is) reads it.
  await nav.getByRole('link', { name: /^random( |$)/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('random');
  await expect(badge(page, random.room)).toHaveText('');
  await expect
    .poll(async () => (await serverEvents(server, seeded.stream, 'read.mark')).some((e) => e.room === random.room))
    .toBe(true);
});

test('messages: Enter sends, Shift+Enter adds a line, markdown is rendered safely', async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, roomUrl(server, seeded));
  const stamp = Date.now();
  const source =
    `**bold ${stamp}** and _it_ \`code <b>\` <img src=x onerror="window.pwned=1"> ` +
    `[a site](https://example.com/page) [bad](javascript:window.pwned=1) <script>window.pwned=1</script>`;
  await composer(page).fill(source);
  await composer(page).press('Enter');
  const item = message(page, `bold ${stamp}`);
  await expect(item.locator('strong', { hasText: `bold ${stamp}` })).toBeVisible();
  await expect(item.locator('em', { hasText: 'it' })).toBeVisible();
  await expect(item.locator('code')).toHaveText('code <b>');
  // Raw HTML is text: no element was made from it.
  await expect(item).toContainText('<img src=x onerror="window.pwned=1">');
  await expect(item).toContainText('<script>window.pwned=1</script>');
  await expect(item.locator('img, script')).toHaveCount(0);
  // Links: http(s) only, opened in a new tab without referrer or opener.
  const link = item.getByRole('link', { name: 'a site' });
  await expect(link).toHaveAttribute('href', 'https://example.com/page');
  await expect(link).toHaveAttribute('target', '_blank');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow');
  await expect(item.getByRole('link', { name: 'bad' })).toHaveCount(0);
  expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();

  // Shift+Enter: a new line in the same message.
  await composer(page).fill(`line one ${stamp}`);
  await composer(page).press('Shift+Enter');
  await composer(page).pressSequentially('line two');
  await expect(composer(page)).toHaveValue(`line one ${stamp}\nline two`);
  await composer(page).press('Enter');
  await expect(composer(page)).toHaveValue('');
  const twoLines = message(page, `line one ${stamp}`);
  await expect(twoLines.locator('br')).toHaveCount(1);
  await expect(twoLines).toContainText('line two');
  await expect
    .poll(async () =>
      (await serverEvents(server, seeded.stream, 'message.create')).some(
        (e) => e.type === 'message.create' && e.payload.body === `line one ${stamp}\nline two`,
      ),
    )
    .toBe(true);
});

test('reactions: pick one, see the count, take it back; others add to it', async ({ page, server, seeded }) => {
  await openRoom(page, roomUrl(server, seeded));
  const text = `react to me ${Date.now()}`;
  await send(page, text);
  const item = message(page, text);
  await messageAction(item, 'Add reaction');
  const picker = item.getByRole('group', { name: 'Pick a reaction' });
  await expect(picker.getByRole('button', { name: 'React with thumbs up' })).toBeFocused();
  await picker.getByRole('button', { name: 'React with party' }).click();
  await expect(picker).toBeHidden();
  const party = item.getByRole('list', { name: 'Reactions' }).getByRole('button', { name: '🎉 1 reaction' });
  await expect(party).toHaveAttribute('aria-pressed', 'true');

  // Someone else reacts the same way: the count grows, and it is still marked as ours.
  const created = (await serverEvents(server, seeded.stream, 'message.create')).find(
    (e) => e.type === 'message.create' && e.payload.body === text,
  )!;
  await server.append(seeded.stream, [events.reaction(seeded, BOB, created.id, '🎉')]);
  const both = item.getByRole('button', { name: '🎉 2 reactions' });
  await expect(both).toHaveAttribute('aria-pressed', 'true');

  // Clicking our reaction takes it back.
  await both.click();
  await expect(item.getByRole('button', { name: '🎉 1 reaction' })).toHaveAttribute('aria-pressed', 'false');

  // The picker works from the keyboard: arrows move, Enter picks, Escape closes.
  await messageAction(item, 'Add reaction');
  await page.keyboard.press('ArrowRight');
  await expect(picker.getByRole('button', { name: 'React with heart' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(item.getByRole('button', { name: '❤️ 1 reaction' })).toHaveAttribute('aria-pressed', 'true');
  await messageAction(item, 'Add reaction');
  await page.keyboard.press('Escape');
  await expect(picker).toBeHidden();
});

test('a reply shows a preview of the message it answers', async ({ page, server, seeded }) => {
  await openRoom(page, roomUrl(server, seeded));
  const original = `the original question ${Date.now()}`;
  await server.append(seeded.stream, [events.message(seeded, BOB, original)]);
  const target = message(page, original);
  await expect(target).toBeVisible();
  const author = (await target.locator('.author').textContent())!;

  await messageAction(target, 'Reply');
  await expect(page.getByText(`Replying to ${author}`)).toBeVisible();
  await expect(composer(page)).toBeFocused();
  const answer = `the answer ${Date.now()}`;
  await composer(page).fill(answer);
  await composer(page).press('Enter');
  const reply = message(page, answer);
  await expect(reply.locator('.reply-preview')).toHaveText(`↪ In reply to ${author} ${original}`);
  await expect(page.getByText(`Replying to ${author}`)).toBeHidden();
  await expect
    .poll(async () =>
      (await serverEvents(server, seeded.stream, 'message.create')).some(
        (e) => e.type === 'message.create' && e.payload.body === answer && e.payload.replyTo !== undefined,
      ),
    )
    .toBe(true);

  // Escape drops a reply being written.
  await messageAction(target, 'Reply');
  await composer(page).press('Escape');
  await expect(page.getByText(`Replying to ${author}`)).toBeHidden();
});

test('edit with Up or the Edit button, marked "edited"; delete after confirming; only one\'s own', async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, roomUrl(server, seeded));
  const stamp = Date.now();
  await send(page, `first draft ${stamp}`);

  // Up in the empty composer edits the last message of one's own.
  await composer(page).press('ArrowUp');
  const editor = timeline(page).getByRole('textbox', { name: 'Edit message' });
  await expect(editor).toBeFocused();
  await expect(editor).toHaveValue(`first draft ${stamp}`);
  await editor.fill(`second draft ${stamp}`);
  await editor.press('Enter');
  const edited = message(page, `second draft ${stamp}`);
  await expect(edited.getByText('(edited)')).toBeVisible();
  await expect(message(page, `first draft ${stamp}`)).toHaveCount(0);
  await expect(composer(page)).toBeFocused();

  // The Edit button; Escape cancels, Save saves.
  await messageAction(edited, 'Edit');
  await editor.fill('never saved');
  await editor.press('Escape');
  await expect(editor).toBeHidden();
  await expect(edited).toContainText(`second draft ${stamp}`);
  await messageAction(edited, 'Edit');
  await editor.fill(`third draft ${stamp}`);
  await timeline(page).getByRole('button', { name: 'Save' }).click();
  const third = message(page, `third draft ${stamp}`);
  await expect(third.getByText('(edited)')).toBeVisible();
  await expect
    .poll(async () => (await serverEvents(server, seeded.stream, 'message.edit')).length)
    .toBeGreaterThanOrEqual(2);

  // Delete asks first; Cancel keeps it.
  await messageAction(third, 'Delete');
  const confirm = third.getByRole('alertdialog', { name: 'Delete this message?' });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(third).toBeVisible();
  await messageAction(third, 'Delete');
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(message(page, `third draft ${stamp}`)).toHaveCount(0);
  await expect.poll(async () => (await serverEvents(server, seeded.stream, 'message.delete')).length).toBe(1);

  // Other people's messages can be replied to and reacted to, not edited or deleted.
  await server.append(seeded.stream, [events.message(seeded, BOB, `bob says ${stamp}`)]);
  const bobs = message(page, `bob says ${stamp}`);
  await bobs.hover();
  const actions = bobs.getByRole('toolbar', { name: 'Message actions' });
  await expect(actions.getByRole('button', { name: 'Reply' })).toBeVisible();
  await expect(actions.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(actions.getByRole('button', { name: 'Delete' })).toHaveCount(0);
});

test("the threads board lists a channel's threads; a new thread opens empty and joins the sidebar", async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, roomUrl(server, seeded));
  await page.getByRole('navigation', { name: 'Room views' }).getByRole('link', { name: 'Threads' }).click();
  const board = page.getByRole('region', { name: 'Threads' });
  const card = board.getByRole('link', { name: /Launch plan/ });
  await expect(card).toContainText(/\d+ messages/);

  const name = `Release checklist ${Date.now() % 100000}`;
  await board.getByRole('textbox', { name: 'New thread name' }).fill(name);
  await board.getByRole('button', { name: 'Start thread' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  await expect(page.getByRole('heading', { level: 1 }).getByRole('link', { name: `# ${seeded.name}` })).toBeVisible();
  await expect(page.getByText(`No messages in #${name} yet`)).toBeVisible();
  await expect(
    roomsNav(page)
      .getByRole('list', { name: `Threads of ${seeded.name}` })
      .getByRole('link', { name: new RegExp(name) }),
  ).toHaveAttribute('aria-current', 'page');
  await composer(page).fill('first post in the thread');
  await composer(page).press('Enter');
  await expect(message(page, 'first post in the thread')).toBeVisible();

  // Back on the board, the new thread is first (latest activity) with its one message.
  await page
    .getByRole('heading', { level: 1 })
    .getByRole('link', { name: `# ${seeded.name}` })
    .click();
  await page.getByRole('navigation', { name: 'Room views' }).getByRole('link', { name: 'Threads' }).click();
  await expect(board.getByRole('link').first()).toContainText(name);
  await expect(board.getByRole('link').first()).toContainText('1 message');
});

test("the member list, and a profile edit that renames one's messages and sets an https avatar", async ({
  page,
  server,
  seeded,
}) => {
  // Pictures are loaded from the net in real life; here one https address answers with the app's icon.
  const icon = readFileSync(join(process.env.ROOMY_DIST ?? 'dist', 'pwa-64x64.png'));
  await page.route('https://avatars.example/**', (route) => route.fulfill({ body: icon, contentType: 'image/png' }));
  await openRoom(page, roomUrl(server, seeded));
  await send(page, `a message of mine ${Date.now()}`);

  await page.getByRole('button', { name: 'Members' }).click();
  const members = page.getByRole('complementary', { name: 'Members' });
  await expect(members.getByRole('listitem').filter({ hasText: 'Bob' })).toHaveCount(1);
  expect(await members.getByRole('listitem').count()).toBeGreaterThanOrEqual(6);
  await members.getByRole('searchbox', { name: 'Filter members' }).fill('bob');
  await expect(members.getByRole('listitem')).toHaveCount(1);
  await members.getByRole('searchbox', { name: 'Filter members' }).fill('');

  await page.getByRole('button', { name: /switch identity or edit profile/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Your identity' });
  await dialog.getByRole('textbox', { name: 'Display name' }).fill('Alice Tester');
  // Only https pictures are accepted.
  await dialog.getByRole('textbox', { name: 'Avatar URL (https)' }).fill('http://avatars.example/alice.png');
  await dialog.getByRole('button', { name: 'Save profile' }).click();
  await expect(dialog.getByRole('alert')).toContainText('https://');
  await dialog.getByRole('textbox', { name: 'Avatar URL (https)' }).fill('https://avatars.example/alice.png');
  await dialog.getByRole('button', { name: 'Save profile' }).click();
  await expect(dialog).toBeHidden();

  await expect(page.getByRole('button', { name: /Alice Tester/ })).toBeVisible();
  const mine = message(page, 'a message of mine');
  await expect(mine.locator('.author')).toHaveText('Alice Tester');
  await expect(mine.locator('.avatar img')).toHaveAttribute('src', 'https://avatars.example/alice.png');
  await expect(members.getByRole('listitem').filter({ hasText: 'Alice Tester' })).toHaveCount(1);
  await expect
    .poll(async () => (await serverEvents(server, seeded.stream, 'profile.update')).at(-1)?.payload)
    .toEqual({ displayName: 'Alice Tester', avatarUrl: 'https://avatars.example/alice.png' });
});

test('the identity picker: become someone else of the space, or a new person who joins it', async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, roomUrl(server, seeded));
  const identity = () => page.getByRole('button', { name: /switch identity or edit profile/ });
  await expect(identity()).toContainText('Alice');

  await identity().click();
  const dialog = page.getByRole('dialog', { name: 'Your identity' });
  await dialog.getByRole('tab', { name: 'Switch identity' }).click();
  await dialog.getByRole('searchbox', { name: 'Find a person' }).fill('bob');
  await dialog.getByRole('list', { name: 'People in this space' }).getByRole('button', { name: /Bob/ }).click();
  await expect(dialog).toBeHidden();
  await expect(identity()).toContainText('Bob');
  // Now bob's messages are one's own.
  const text = `bob writes ${Date.now()}`;
  await send(page, text);
  await expect
    .poll(async () =>
      (await serverEvents(server, seeded.stream, 'message.create', BOB)).some(
        (e) => e.type === 'message.create' && e.payload.body === text,
      ),
    )
    .toBe(true);
  const item = message(page, text);
  await item.hover();
  await expect(item.getByRole('button', { name: 'Edit' })).toBeVisible();

  // A new identity joins the space under its name.
  await identity().click();
  await dialog.getByRole('tab', { name: 'Switch identity' }).click();
  await dialog.getByRole('textbox', { name: 'New identity' }).fill('Zoe Example');
  await dialog.getByRole('button', { name: 'Create and join' }).click();
  await expect(dialog).toBeHidden();
  await expect(identity()).toContainText('Zoe Example');
  await page.getByRole('button', { name: 'Members' }).click();
  await expect(
    page.getByRole('complementary', { name: 'Members' }).getByRole('listitem').filter({ hasText: 'Zoe Example (you)' }),
  ).toBeVisible();
  const joins = (await server.events(seeded.stream)).filter(
    (e) => e.type === 'space.join' && e.user.startsWith('did:plc:local-'),
  );
  expect(joins).toHaveLength(1);
});

test('the space switcher: a space created elsewhere appears in the rail and opens', async ({
  page,
  server,
  seeded,
}) => {
  await openRoom(page, roomUrl(server, seeded));
  const stream = ulid();
  const lobby = ulid();
  await server.append(stream, [
    { id: ulid(), stream, type: 'space.create', user: BOB, payload: { name: 'Second Space' } },
    { id: ulid(), stream, type: 'space.join', user: BOB, payload: {} },
    { id: ulid(), stream, room: lobby, type: 'room.create', user: BOB, payload: { kind: 'channel', name: 'lobby' } },
    {
      id: ulid(),
      stream,
      room: lobby,
      type: 'message.create',
      user: BOB,
      payload: { body: 'welcome to the second space' },
    },
  ]);
  const rail = page.getByRole('navigation', { name: 'Spaces' });
  await expect(rail.getByRole('link', { name: 'Roomy Demo' })).toHaveAttribute('aria-current', 'page');
  await rail.getByRole('link', { name: 'Second Space' }).click();
  await expect(rail.getByRole('link', { name: 'Second Space' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1 })).toContainText('lobby');
  await expect(message(page, 'welcome to the second space')).toBeVisible();
  // Back to the first space: the room that was open there opens again.
  await rail.getByRole('link', { name: 'Roomy Demo' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(seeded.name);
});

test('the chat at a glance (README screenshot)', async ({ page }, testInfo) => {
  await withFreshServer(async (server) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const room = await busiestChannel(server);
    await openRoom(page, roomUrl(server, room));
    // A little life: a reply with markdown, and reactions from two people.
    const lastId = (await timeline(page)
      .getByRole('listitem')
      .filter({ has: page.locator('.body') })
      .last()
      .getAttribute('data-message-id'))!;
    const last = timeline(page).locator(`[data-message-id="${lastId}"]`);
    await messageAction(last, 'Reply');
    await composer(page).fill(
      'Same here: it went away after **`PRAGMA optimize`**, see https://sqlite.org/pragma.html',
    );
    await composer(page).press('Enter');
    await expect(message(page, 'Same here')).toBeVisible();
    await server.append(room.stream, [
      events.reaction(room, BOB, lastId, '👀'),
      events.reaction(room, BOB, lastId, '💯'),
    ]);
    await messageAction(last, 'Add reaction');
    await last.getByRole('button', { name: 'React with eyes' }).click();
    await expect(last.getByRole('button', { name: '👀 2 reactions' })).toBeVisible();
    await page.getByRole('button', { name: 'Members' }).click();
    await expect(page.getByRole('complementary', { name: 'Members' }).getByRole('listitem').first()).toBeVisible();
    await composer(page).focus();
    await screenshot(page, testInfo, 'chat');
    // And the threads board of the same channel.
    await page.getByRole('navigation', { name: 'Room views' }).getByRole('link', { name: 'Threads' }).click();
    await expect(page.getByRole('region', { name: 'Threads' }).getByRole('link').first()).toBeVisible();
    await screenshot(page, testInfo, 'threads-board');
  });
});
