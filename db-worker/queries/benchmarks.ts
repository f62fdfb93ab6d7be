/**
 * Measurements of the live-query engine, written against a Database so that they run the same in Node (MemoryVFS,
 * bench/live-queries.ts) and in a browser harness (any VFS): give each a freshly migrated, empty database.
 *
 * - fan-out: the time from a commit to every subscription updated, with 1, 100 and 1,000 subscriptions of which
 *   one is affected (the others watch other rooms);
 * - latest N: the cost of bringing "the latest 50 messages of a room" up to date after a new message, maintained
 *   incrementally versus re-run and diffed, in rooms of different sizes.
 * Every figure is a median over many commits; configurations are interleaved (A B C C B A) so that drift on a
 * busy machine spreads evenly.
 */
import type { QuerySpec } from '../../protocol/messages';
import type { NewEvent } from '../../protocol/events';
import { Materializer } from '../materializer/materializer';
import type { Database } from '../sqlite/database';
import { eventFactory } from '../testing/event-factory';
import { LiveQueries, type Subscriber } from './live-queries';

export interface Sample {
  median: number;
  p90: number;
  n: number;
}

export function sample(values: readonly number[]): Sample {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { median: at(0.5), p90: at(0.9), n: sorted.length };
}

/** A subscriber that only counts what it is sent (the cost of a real tab's port is not the engine's). */
class CountingSubscriber implements Subscriber {
  readonly id = 1;
  patches = 0;
  send(name: string) {
    if (name === 'patches') this.patches++;
  }
}

const timeline = (room: string, limit: number): QuerySpec => ({
  sql: 'SELECT id, room, author, body, reply_to, created_at, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?',
  params: [room, limit],
});
/** The same query in a form the engine does not maintain (LIMIT is an expression): it is re-run and diffed. */
const timelineRerun = (room: string, limit: number): QuerySpec => ({
  sql: 'SELECT id, room, author, body, reply_to, created_at, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ? + 0',
  params: [room, limit],
});

/** A space with rooms of the given sizes, written through the materializer in batches of 1,000. */
async function seed(db: Database, sizes: readonly number[], onProgress?: (done: number, total: number) => void) {
  const materializer = new Materializer(db);
  const f = eventFactory();
  const rooms = sizes.map(() => f.id());
  const apply = (events: NewEvent[]) => db.exclusive(() => materializer.applyBatch(events));
  await apply([
    f.make('space.create', { name: 'Bench' }),
    ...rooms.map((room, i) => f.make('room.create', { kind: 'channel', name: `room ${i}` }, { room })),
  ]);
  const total = sizes.reduce((a, b) => a + b, 0);
  let done = 0;
  let batch: NewEvent[] = [];
  for (const [i, size] of sizes.entries()) {
    for (let j = 0; j < size; j++) {
      batch.push(f.make('message.create', { body: `message ${j} of room ${i}` }, { room: rooms[i]! }));
      if (batch.length === 1000) {
        await apply(batch);
        done += batch.length;
        batch = [];
        onProgress?.(done, total);
      }
    }
  }
  if (batch.length) await apply(batch);
  return { materializer, f, rooms };
}

export interface FanoutResult {
  subscriptions: number;
  /** From the start of the write to every subscription updated (the commit itself included). */
  writeToUpdatedMs: Sample;
  /** From the commit to every subscription updated: the engine's share. */
  commitToUpdatedMs: Sample;
}

export async function measureFanout(
  db: Database,
  options: { counts?: number[]; commitsPerStep?: number; onProgress?: (message: string) => void } = {},
): Promise<FanoutResult[]> {
  const counts = [...(options.counts ?? [1, 100, 1000])].sort((a, b) => a - b);
  const max = counts[counts.length - 1]!;
  const commits = options.commitsPerStep ?? 100;
  options.onProgress?.(`fan-out: seeding ${max} rooms`);
  const { materializer, f, rooms } = await seed(
    db,
    Array.from({ length: max }, () => 20),
  );
  const live = new LiveQueries(db);
  const subscriber = new CountingSubscriber();
  let committedAt = 0;
  db.onCommit(() => (committedAt = performance.now()));
  const affected = rooms[0]!;
  await live.subscribe(subscriber, 'affected', timeline(affected, 50));
  let others = 0;
  const setOthers = async (n: number) => {
    for (; others < n; others++) await live.subscribe(subscriber, `other${others}`, timeline(rooms[others + 1]!, 50));
    for (; others > n; others--) live.unsubscribe(subscriber, `other${others - 1}`);
  };
  const results = new Map<number, { write: number[]; commit: number[] }>(
    counts.map((n) => [n, { write: [], commit: [] }]),
  );
  for (const n of [...counts, ...[...counts].reverse()]) {
    await setOthers(n - 1);
    options.onProgress?.(`fan-out: ${n} subscriptions`);
    for (let i = 0; i < commits; i++) {
      const event = f.make('message.create', { body: `news ${i}` }, { room: affected });
      const started = performance.now();
      await db.exclusive(() => materializer.applyBatch([event]));
      await live.settled();
      const ended = performance.now();
      results.get(n)!.write.push(ended - started);
      results.get(n)!.commit.push(ended - committedAt);
    }
  }
  await setOthers(0);
  return counts.map((n) => ({
    subscriptions: n,
    writeToUpdatedMs: sample(results.get(n)!.write),
    commitToUpdatedMs: sample(results.get(n)!.commit),
  }));
}

export interface IngestResult {
  label: string;
  ms: Sample;
}

/**
 * What live queries cost the ingest path: the same events applied in batches of 1,000, with no subscription, and
 * with the subscriptions of an open app (timelines of three rooms, unread counts, reactions, threads, rooms) kept
 * up to date after every batch (watch triggers, invalidation, incremental updates, re-runs). `clock` defaults to
 * performance.now; in Node, CPU time is steadier on a shared machine.
 */
export async function measureIngest(
  open: () => Promise<Database>,
  events: readonly NewEvent[],
  options: { repeats?: number; clock?: () => number; onProgress?: (message: string) => void } = {},
): Promise<IngestResult[]> {
  const clock = options.clock ?? (() => performance.now());
  const repeats = options.repeats ?? 5;
  const space = events.find((e) => e.type === 'space.create')?.stream ?? '';
  const rooms = [...new Set(events.flatMap((e) => (e.type === 'message.create' ? [e.room] : [])))].slice(0, 3);
  const user = events.find((e) => e.type === 'message.create')?.user ?? '';
  const firstMessage = events.find((e) => e.type === 'message.create')?.id ?? '';
  const appQueries: QuerySpec[] = [
    ...rooms.map((room) => timeline(room, 50)),
    {
      sql: `SELECT rm.id AS id, count(*) AS unread FROM rooms rm LEFT JOIN read_marks r ON r.room = rm.id AND r.user = ?
            JOIN messages m ON m.room = rm.id AND m.id > coalesce(r.up_to, '') GROUP BY rm.id`,
      params: [user],
    },
    {
      sql: `SELECT message || ' ' || emoji AS id, message, emoji, count(*) AS count, max(user = ?) AS mine,
                   min(event_id) AS first FROM reactions WHERE message >= ? GROUP BY message, emoji`,
      params: [user, firstMessage],
    },
    {
      sql: `SELECT room AS id, count(*) AS messages, max(id) AS latest FROM messages
            WHERE room IN (SELECT id FROM rooms WHERE parent = ? AND kind = 'thread') GROUP BY room`,
      params: [rooms[0] ?? ''],
    },
    {
      sql: 'SELECT id, kind, name, parent FROM rooms WHERE space = ? AND deleted = 0 ORDER BY name, id',
      params: [space],
    },
  ];
  const runs: Record<string, number[]> = { without: [], with: [] };
  for (let r = 0; r < repeats; r++) {
    for (const mode of r % 2 ? ['with', 'without'] : ['without', 'with']) {
      options.onProgress?.(`ingest: ${mode} subscriptions, run ${r + 1} of ${repeats}`);
      const db = await open();
      const materializer = new Materializer(db);
      const live = new LiveQueries(db);
      if (mode === 'with') {
        const subscriber = new CountingSubscriber();
        for (const [i, spec] of appQueries.entries()) await live.subscribe(subscriber, `q${i}`, spec);
      }
      const started = clock();
      for (let i = 0; i < events.length; i += 1000) {
        await db.exclusive(() => materializer.applyBatch(events.slice(i, i + 1000)));
      }
      await live.settled();
      runs[mode]!.push(clock() - started);
      await db.close();
    }
  }
  return [
    { label: 'without subscriptions', ms: sample(runs.without!) },
    { label: `with ${appQueries.length} subscriptions of an open app`, ms: sample(runs.with!) },
  ];
}

export interface LatestNResult {
  roomSize: number;
  limit: number;
  /** The engine's work for the subscription after one new message (its `lastCostMs`). */
  incrementalMs: Sample;
  rerunMs: Sample;
}

export async function measureLatestN(
  db: Database,
  options: { sizes?: number[]; limits?: number[]; commits?: number; onProgress?: (message: string) => void } = {},
): Promise<LatestNResult[]> {
  const sizes = options.sizes ?? [1_000, 116_000];
  const limits = options.limits ?? [50];
  const commits = options.commits ?? 200;
  options.onProgress?.(`latest N: seeding rooms of ${sizes.join(', ')} messages`);
  const { materializer, f, rooms } = await seed(db, sizes, (done, total) => {
    if (done % 20_000 === 0) options.onProgress?.(`latest N: ${done} of ${total} messages`);
  });
  const live = new LiveQueries(db);
  const subscriber = new CountingSubscriber();
  const results: LatestNResult[] = [];
  for (const limit of limits) {
    options.onProgress?.(`latest ${limit}: ${commits} new messages`);
    const costs = new Map<string, number[]>();
    for (const [i, room] of rooms.entries()) {
      await live.subscribe(subscriber, `incremental${i}`, timeline(room, limit));
      await live.subscribe(subscriber, `rerun${i}`, timelineRerun(room, limit));
      costs.set(`incremental${i}`, []);
      costs.set(`rerun${i}`, []);
    }
    const modes = new Map(live.describe().map((info) => [info.id.split(':')[1]!, info.mode]));
    if (modes.get('incremental0') !== 'incremental' || modes.get('rerun0') !== 'rerun') {
      throw new Error(`the benchmark's queries are not maintained as intended: ${JSON.stringify([...modes])}`);
    }
    const order = [...rooms.keys(), ...[...rooms.keys()].reverse()];
    for (let round = 0; round < commits / order.length; round++) {
      for (const i of order) {
        const event = f.make('message.create', { body: `news ${round}` }, { room: rooms[i]! });
        await db.exclusive(() => materializer.applyBatch([event]));
        await live.settled();
        for (const info of live.describe()) {
          const id = info.id.split(':')[1]!;
          if (id === `incremental${i}` || id === `rerun${i}`) costs.get(id)!.push(info.lastCostMs);
        }
      }
    }
    for (const [i, roomSize] of sizes.entries()) {
      results.push({
        roomSize,
        limit,
        incrementalMs: sample(costs.get(`incremental${i}`)!),
        rerunMs: sample(costs.get(`rerun${i}`)!),
      });
      live.unsubscribe(subscriber, `incremental${i}`);
      live.unsubscribe(subscriber, `rerun${i}`);
    }
  }
  return results;
}
