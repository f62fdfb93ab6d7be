/**
 * latency.same-tab and latency.cross-tab: from a write to the DOM change that shows it (a MutationObserver sees the
 * new message's `data-message-id`), with 100 live queries open on the host over the generated space.
 *
 * The write is what the composer sends (src/app/actions.ts sendMessage): a message.create and the author's
 * read.mark, through `window.roomy.db().request('write')`. Same tab: the tab that shows the room writes. Cross tab:
 * a second tab on the same room writes, the first one shows it.
 *
 * The floor, measured in the same run: a query round trip of the room's timeline query (the bare host round trip
 * plus the query alone; the bare round trip, `ping`, is reported with it) plus Solid's own update (how long the
 * tab's handler of the patches message runs: decoding it, applying the patches to the stores in one batch, which
 * updates the DOM synchronously). Targets: p50 ≤ 16 ms and ≤ 2x the floor; p99 ≤ 50 ms.
 */
import { monotonicFactory } from 'ulidx';
import type { TestServer } from '../../e2e/server';
import type { QuerySpec, SubscriptionInfo } from '../../protocol/messages';
import { request, roomUrl, waitForHost, type RoomInfo } from '../harness/app';
import type { BenchBrowser, BenchPage, ProfileSummary } from '../harness/browsers';
import { progress } from '../harness/progress';
import { makeRow, type MetricRow } from '../harness/rows';
import { median, summarize, type Summary } from '../harness/stats';
import type { Sizes } from '../harness/options';

interface Probe {
  seen: Record<string, number>;
  patches: { arrived: number; handledMs: number }[];
  /** The host's commit notices (one per SQLite commit, to every tab), with the tables each changed. */
  commits: { arrived: number; tables: string[] }[];
  wait(id: string, timeoutMs: number): Promise<number | null>;
  /** Waits for the message written at `t0`, then tells what the host sent this tab in between. */
  watch(id: string, t0: number): Promise<Watched>;
}

interface Watched {
  t0: number;
  seen: number | null;
  patches: Probe['patches'];
  commits: Probe['commits'];
}

/**
 * Installed before the app's scripts: notes when each message id first appears in the DOM, and how long the tab's
 * handler of each `patches` message from the host runs (by wrapping the `onmessage` setter of message ports and
 * workers, which is how the app's client listens).
 */
function installProbe() {
  const now = () => performance.timeOrigin + performance.now();
  const waiters = new Map<string, (t: number) => void>();
  const probe: Probe = {
    seen: {},
    patches: [],
    commits: [],
    wait(id, timeoutMs) {
      if (probe.seen[id]) return Promise.resolve(probe.seen[id]!);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(null), timeoutMs);
        waiters.set(id, (t) => {
          clearTimeout(timer);
          resolve(t);
        });
      });
    },
    async watch(id, t0) {
      const seen = await probe.wait(id, 10_000);
      const between = (t: number) => t >= t0 && (seen === null || t <= seen);
      return {
        t0,
        seen,
        patches: probe.patches.filter((p) => between(p.arrived)),
        commits: probe.commits.filter((c) => between(c.arrived)),
      };
    },
  };
  (window as unknown as { benchProbe: Probe }).benchProbe = probe;
  const mark = (element: Element) => {
    const id = element.getAttribute('data-message-id');
    if (!id || probe.seen[id]) return;
    const t = now();
    probe.seen[id] = t;
    waiters.get(id)?.(t);
    waiters.delete(id);
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') mark(record.target as Element);
      for (const node of record.addedNodes) {
        if (!(node instanceof Element)) continue;
        if (node.hasAttribute('data-message-id')) mark(node);
        for (const inner of node.querySelectorAll('[data-message-id]')) mark(inner);
      }
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-message-id'] });

  for (const proto of [MessagePort.prototype, Worker.prototype, BroadcastChannel.prototype]) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, 'onmessage');
    if (!descriptor?.set || !descriptor.get) continue;
    const { get, set } = descriptor;
    Object.defineProperty(proto, 'onmessage', {
      configurable: true,
      enumerable: descriptor.enumerable,
      get() {
        return get.call(this);
      },
      set(handler: unknown) {
        if (typeof handler !== 'function') return set.call(this, handler);
        set.call(this, function (this: unknown, event: MessageEvent) {
          const started = performance.now();
          const result = (handler as (e: MessageEvent) => unknown).call(this, event);
          if (typeof event.data === 'string' && event.data.includes('"name":"patches"')) {
            probe.patches.push({ arrived: performance.timeOrigin + started, handledMs: performance.now() - started });
          } else if (typeof event.data === 'string' && event.data.includes('"name":"commit"')) {
            const tables = (JSON.parse(event.data) as { json?: { data?: { tables?: string[] } } }).json?.data?.tables;
            probe.commits.push({ arrived: performance.timeOrigin + started, tables: tables ?? [] });
          }
          return result;
        });
      },
    });
  }
}

async function openRoomTab(browser: BenchBrowser, url: string): Promise<BenchPage> {
  const page = await browser.newPage();
  await page.addInitScript(installProbe, null);
  await page.goto(url);
  await waitForHost(page);
  await page.evaluate(async () => {
    for (let i = 0; i < 600 && !document.querySelector('[data-message-id]'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!document.querySelector('[data-message-id]')) throw new Error('the room shows no message');
  }, null);
  return page;
}

/** The room's timeline subscription as the app made it (for the floor), or the app's shape with 50 rows. */
function timelineSpec(subscriptions: SubscriptionInfo[], room: string): { spec: QuerySpec; found: boolean } {
  const found = subscriptions.find(
    (s) => /from\s+messages/i.test(s.sql) && /order\s+by\s+id\s+desc/i.test(s.sql) && s.params[0] === room,
  );
  if (found) return { spec: { sql: found.sql, params: found.params }, found: true };
  return {
    spec: {
      sql: 'SELECT id, room, author, body, reply_to, created_at, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?',
      params: [room, 50],
    },
    found: false,
  };
}

/**
 * Opens live queries from the tab until the host holds `total`: the timelines (latest 50) and message counts of
 * other rooms, biggest first, as other views and tabs would have them open. None reads the room written to.
 */
async function openExtraQueries(page: BenchPage, room: string, total: number) {
  const existing = (await request<SubscriptionInfo[]>(page, 'subscriptions', {})).length;
  const needed = Math.max(0, total - existing);
  const rooms = (
    await request<{ room: string }[]>(page, 'query', {
      sql: 'SELECT room FROM messages WHERE room != ? GROUP BY room ORDER BY count(*) DESC LIMIT ?',
      params: [room, needed],
    })
  ).map((r) => r.room);
  // A small space has fewer rooms than queries wanted: then rooms repeat, each time with another window size.
  const specs: QuerySpec[] = Array.from({ length: rooms.length ? needed : 0 }, (_, i) => {
    const other = rooms[i % rooms.length]!;
    const round = Math.floor(i / rooms.length);
    const count = 'SELECT room AS id, count(*) AS messages, max(id) AS latest FROM messages WHERE room = ?';
    return i % 4 === 3
      ? round === 0
        ? { sql: count, params: [other] }
        : { sql: `${count} AND length(id) > ?`, params: [other, round] }
      : {
          sql: 'SELECT id, room, author, body, reply_to, created_at, edited_at FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?',
          params: [other, 50 + round],
        };
  });
  await page.evaluate(async (specs) => {
    const db = (window as unknown as { roomy: { db(): SubscribingDb } }).roomy.db();
    const subscriptions = specs.map((spec) => db.subscribe(spec, { onRows() {}, onPatch() {}, onError() {} }));
    (window as unknown as { benchSubscriptions: unknown[] }).benchSubscriptions = subscriptions;
    await Promise.all(subscriptions.map((s) => s.ready));
  }, specs);
  return {
    existing,
    added: specs.length,
    total: (await request<SubscriptionInfo[]>(page, 'subscriptions', {})).length,
  };
}

interface SubscribingDb {
  subscribe(
    spec: QuerySpec,
    handlers: { onRows(): void; onPatch(): void; onError(): void },
  ): { ready: Promise<unknown> };
}

interface WriteSample {
  /** Write sent → message in the DOM of the watching tab. */
  ms: number | null;
  /** Write sent → the watching tab received the patches that showed it. */
  toPatchesMs: number | null;
  /** Handling those patches in the tab (decode + Solid update). */
  handledMs: number | null;
  /** The commits the host announced between the write and the DOM change: ms after the write, and their tables. */
  commits: { ms: number; tables: string[] }[];
}

/** Writes one message from `writer` and waits for it in `watcher`'s DOM (one round trip to each tab). */
async function writeAndWatch(
  writer: BenchPage,
  watcher: BenchPage,
  events: unknown[],
  id: string,
): Promise<WriteSample> {
  let result: Watched;
  if (writer === watcher) {
    result = await writer.evaluate(
      async ({ events, id }) => {
        const t0 = performance.timeOrigin + performance.now();
        const written = window.roomy.db().request('write', { events } as never);
        const watched = await (window as unknown as { benchProbe: Probe }).benchProbe.watch(id, t0);
        await written;
        return watched;
      },
      { events, id },
    );
  } else {
    const t0 = await writer.evaluate(
      ({ events }) => {
        const t = performance.timeOrigin + performance.now();
        // Posted synchronously; its answer is not waited for (the other tab shows the message whenever it comes).
        void window.roomy.db().request('write', { events } as never);
        return t;
      },
      { events },
    );
    result = await watcher.evaluate(
      ({ id, t0 }) => (window as unknown as { benchProbe: Probe }).benchProbe.watch(id, t0),
      { id, t0 },
    );
  }
  const last = result.patches[result.patches.length - 1];
  return {
    ms: result.seen === null ? null : result.seen - result.t0,
    toPatchesMs: last ? last.arrived - result.t0 : null,
    handledMs: last ? last.handledMs : null,
    commits: result.commits.map((c) => ({ ms: c.arrived - result.t0, tables: c.tables })),
  };
}

/**
 * What the writes cost the live-query engine: the subscriptions they woke (their `wakeups` grew), how those were
 * brought up to date (re-runs or incremental updates), and the costliest at the last write.
 */
function describeUpkeep(before: SubscriptionInfo[], after: SubscriptionInfo[], writes: number): string {
  const old = new Map(before.map((s) => [s.id, s]));
  const woken = after
    .map((s) => {
      const b = old.get(s.id);
      return { s, wakeups: s.wakeups - (b?.wakeups ?? 0), runs: s.runs - (b?.runs ?? 0) };
    })
    .filter((w) => w.wakeups > 0);
  const sum = (f: (w: (typeof woken)[number]) => number) => woken.reduce((n, w) => n + f(w), 0);
  const top = [...woken].sort((a, b) => b.s.lastCostMs - a.s.lastCostMs).slice(0, 3);
  const one = ({ s, runs }: (typeof woken)[number]) =>
    `${s.lastCostMs.toFixed(1)} ms ${s.mode}${s.shape ? ` ${s.shape}` : ''} (${runs} re-runs) ` +
    `"${s.sql.replace(/\s+/g, ' ').slice(0, 60)}…"`;
  return (
    `the writes woke ${woken.length} of ${after.length} live queries, ${(sum((w) => w.wakeups) / writes).toFixed(1)} ` +
    `per write, ${(sum((w) => w.runs) / writes).toFixed(1)} of them re-run; upkeep at the last write ` +
    `${sum((w) => w.s.lastCostMs).toFixed(1)} ms, costliest: ${top.map(one).join('; ') || 'none'}`
  );
}

/**
 * The commits a write waited for, typically: "2 commits: local_writes at 40 ms; events,messages,read_marks at 85 ms"
 * (the most frequent count, then the median time of each commit and the tables it most often changed).
 */
function describeCommits(samples: WriteSample[]): string {
  const counts = new Map<number, number>();
  for (const s of samples) counts.set(s.commits.length, (counts.get(s.commits.length) ?? 0) + 1);
  const [typical] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? [0];
  const same = samples.filter((s) => s.commits.length === typical);
  if (!typical) return 'no commit notice seen in between';
  const parts: string[] = [];
  for (let i = 0; i < typical; i++) {
    const tables = new Map<string, number>();
    for (const s of same) {
      const key = [...s.commits[i]!.tables].sort().join(',');
      tables.set(key, (tables.get(key) ?? 0) + 1);
    }
    const [common] = [...tables].sort((a, b) => b[1] - a[1])[0]!;
    parts.push(`${common || '(none)'} at ${median(same.map((s) => s.commits[i]!.ms))?.toFixed(0)} ms`);
  }
  return `${typical} commits before it showed (${same.length} of ${samples.length} writes): ${parts.join('; ')}`;
}

export interface LatencyResult {
  sizeLabel: string;
  subscriptions: number;
  sameTab: Summary;
  crossTab: Summary;
  missed: { sameTab: number; crossTab: number };
  /** Medians of the parts of a same-tab write: to the patches' arrival, and handling them. */
  parts: { sameTab: { toPatches: number | null; handled: number | null }; crossTab: { toPatches: number | null } };
  /** What the host committed between a write and its DOM change. */
  commits: { sameTab: string; crossTab: string };
  /** What the same-tab writes cost the live-query engine (see describeUpkeep). */
  upkeep: string;
  floor: { pingMs: number; queryMs: number; solidMs: number; totalMs: number; timelineFound: boolean };
  /** The host's CPU profile during the same-tab writes (with --profile, Chromium). */
  profile: ProfileSummary | null;
}

export async function measureLatency(
  browser: BenchBrowser,
  server: TestServer,
  room: RoomInfo,
  sizes: Sizes,
  profile = false,
): Promise<LatencyResult> {
  const url = roomUrl(server, room);
  const a = await openRoomTab(browser, url);
  const b = await openRoomTab(browser, url);
  try {
    const queries = await openExtraQueries(a, room.room, sizes.latency.queries);
    progress(`  latency: ${queries.total} live queries (${queries.existing} the app's, ${queries.added} added)`);
    const user = await a.evaluate(() => localStorage.getItem('roomy.user') ?? 'did:plc:alice', null);
    const ulid = monotonicFactory();
    let n = 0;
    const write = () => {
      const id = ulid();
      n++;
      return {
        id,
        events: [
          { id, stream: room.stream, room: room.room, type: 'message.create', user, payload: { body: `bench ${n}` } },
          { id: ulid(), stream: room.stream, room: room.room, type: 'read.mark', user, payload: { upTo: id } },
        ],
      };
    };
    const pause = () => new Promise((resolve) => setTimeout(resolve, sizes.latency.pauseMs));
    const run = async (writer: BenchPage, label: string) => {
      const samples: WriteSample[] = [];
      for (let i = 0; i < sizes.latency.warmup + sizes.latency.samples; i++) {
        const { id, events } = write();
        const sample = await writeAndWatch(writer, a, events, id);
        if (i >= sizes.latency.warmup) samples.push(sample);
        await pause();
      }
      progress(`  latency: ${label}, ${samples.length} writes`);
      return samples;
    };
    const profiler = profile ? await browser.profileWorker(server.url).catch(() => null) : null;
    const before = await request<SubscriptionInfo[]>(a, 'subscriptions', {});
    const same = await run(a, 'same tab');
    const upkeep = describeUpkeep(
      before,
      await request<SubscriptionInfo[]>(a, 'subscriptions', {}),
      same.length + sizes.latency.warmup,
    );
    const profiled = profiler ? await profiler.stop() : null;
    const cross = await run(b, 'cross tab');

    const subscriptions = await request<SubscriptionInfo[]>(a, 'subscriptions', {});
    const timeline = timelineSpec(subscriptions, room.room);
    const floor = await a.evaluate(
      async ({ spec, n }) => {
        const db = (
          window as unknown as { roomy: { db(): { request(m: string, p: unknown): Promise<unknown> } } }
        ).roomy.db();
        const time = async (fn: () => Promise<unknown>) => {
          const times: number[] = [];
          for (let i = 0; i < n; i++) {
            const started = performance.now();
            await fn();
            times.push(performance.now() - started);
          }
          return times;
        };
        return { ping: await time(() => db.request('ping', {})), query: await time(() => db.request('query', spec)) };
      },
      { spec: timeline.spec, n: sizes.latency.floorSamples },
    );
    const pingMs = median(floor.ping) ?? NaN;
    const queryMs = median(floor.query) ?? NaN;
    const solidMs = median(same.flatMap((s) => (s.handledMs === null ? [] : [s.handledMs]))) ?? NaN;
    const times = (samples: WriteSample[]) => samples.flatMap((s) => (s.ms === null ? [] : [s.ms]));
    const partOf = (samples: WriteSample[], key: 'toPatchesMs' | 'handledMs') =>
      median(samples.flatMap((s) => (s[key] === null ? [] : [s[key]!])));
    return {
      sizeLabel: sizes.dataset.label,
      subscriptions: queries.total,
      sameTab: summarize(times(same)),
      crossTab: summarize(times(cross)),
      missed: { sameTab: same.length - times(same).length, crossTab: cross.length - times(cross).length },
      parts: {
        sameTab: { toPatches: partOf(same, 'toPatchesMs'), handled: partOf(same, 'handledMs') },
        crossTab: { toPatches: partOf(cross, 'toPatchesMs') },
      },
      commits: { sameTab: describeCommits(same), crossTab: describeCommits(cross) },
      upkeep,
      floor: { pingMs, queryMs, solidMs, totalMs: queryMs + solidMs, timelineFound: timeline.found },
      profile: profiled,
    };
  } finally {
    await b.close();
    await a.close();
  }
}

const f = (x: number | null) => (x === null || !Number.isFinite(x) ? '?' : x.toFixed(1));

export function latencyRows(browser: string, r: LatencyResult): MetricRow[] {
  const size = `${r.sizeLabel}, ${r.subscriptions} live queries, ${r.sameTab.n + r.missed.sameTab} writes`;
  const floorNote =
    `floor = timeline query round trip ${f(r.floor.queryMs)} ms (bare round trip ${f(r.floor.pingMs)} ms` +
    `${r.floor.timelineFound ? '' : "; the app's timeline subscription was not found, its shape with 50 rows was used"})` +
    ` + Solid update ${f(r.floor.solidMs)} ms`;
  const rows: MetricRow[] = [];
  for (const [metric, summary, missed, parts] of [
    [
      'latency.same-tab',
      r.sameTab,
      r.missed.sameTab,
      `write → patches in the tab ${f(r.parts.sameTab.toPatches)} ms, handling them ${f(r.parts.sameTab.handled)} ms; ${r.commits.sameTab}`,
    ],
    [
      'latency.cross-tab',
      r.crossTab,
      r.missed.crossTab,
      `write → patches in the other tab ${f(r.parts.crossTab.toPatches)} ms; ${r.commits.crossTab}`,
    ],
  ] as const) {
    const missing = missed ? `; ${missed} writes never showed (within 10 s)` : '';
    rows.push(
      makeRow({
        metric: `${metric}.p50`,
        browser,
        size,
        value: missed ? null : summary.p50,
        unit: 'ms',
        baseline: r.floor.totalMs,
        target: { value: { max: 16 }, ratio: { max: 2 } },
        note: `medians: ${parts}; ${floorNote}; ${r.upkeep}${missing}`,
      }),
      makeRow({
        metric: `${metric}.p99`,
        browser,
        size,
        value: missed ? null : summary.p99,
        unit: 'ms',
        baseline: r.floor.totalMs,
        target: { value: { max: 50 } },
        note: `baseline: the floor, as for p50${missing}`,
      }),
    );
  }
  return rows;
}
