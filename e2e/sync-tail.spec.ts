/**
 * The live tail across a restart of the event server: the client resumes from its cursor with no gap and no
 * duplicate. Compared with the server: the same ids with the same seqs, and each event went through the inbox once.
 */
import { ulid } from 'ulidx';
import type { RoomyEvent } from '../protocol/events';
import { expect, roomUrl, test, type SeededRoom } from './fixtures';
import { queryLocal, recordSyncTimeline, syncTimeline } from './sync-helpers';

function burst(room: SeededRoom, label: string, count: number): RoomyEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: ulid(),
    stream: room.stream,
    room: room.room,
    type: 'message.create' as const,
    user: 'did:plc:carol',
    payload: { body: `${label} ${i + 1}` },
  }));
}

test('the event server restarted mid-tail: the client resumes with no gap and no duplicate', async ({
  page,
  server,
  seeded,
}) => {
  const streams = await server.streams();
  // Counted from the start: every event of every stream must pass through the inbox exactly once.
  await recordSyncTimeline(page, {});
  await page.goto(roomUrl(server, seeded));
  await expect(page.getByRole('status').filter({ hasText: /^live$/ })).toBeVisible();

  for (let i = 0; i < 5; i++) {
    await server.append(seeded.stream, burst(seeded, `before ${i}`, 40));
    await page.waitForTimeout(50);
  }
  await server.stop();
  await server.start();
  for (let i = 0; i < 5; i++) {
    await server.append(seeded.stream, burst(seeded, `after ${i}`, 40));
    await page.waitForTimeout(50);
  }
  await expect(page.getByText('after 4 40', { exact: true })).toBeVisible({ timeout: 30_000 });

  // The app writes events of its own meanwhile (read marks): both sides move, so both are read again each time.
  // Locally, what came from the server has a seq; the app's own writes get theirs when the server's copy is back.
  await expect
    .poll(async () => {
      const onServer = (await server.events(seeded.stream)).map((e) => [e.id, e.seq]);
      const local = (
        await queryLocal<{ id: string; seq: number }>(
          page,
          'SELECT id, seq FROM events WHERE stream = ? AND seq IS NOT NULL ORDER BY seq',
          [seeded.stream],
        )
      ).map((r) => [r.id, r.seq]);
      return JSON.stringify(local) === JSON.stringify(onServer) || { local: local.length, server: onServer.length };
    })
    .toBe(true);
  // 400 appended here, and whatever the app wrote itself (joining, read marks): every one went through the inbox
  // exactly once.
  const total = (await server.streams()).reduce((n, s) => n + s.head, 0);
  expect(total).toBeGreaterThanOrEqual(streams.reduce((n, s) => n + s.head, 0) + 400);
  await expect.poll(async () => (await syncTimeline(page)).drain?.events).toBe(total);
});
