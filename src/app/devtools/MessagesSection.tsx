import { For, Show, createMemo, createSignal, onCleanup } from 'solid-js';
import type { Message } from '../../../protocol/messages';
import { SYNC_CHANNEL, type SyncNotice } from '../../../protocol/sync-store';
import { getDb } from '../../db';
import { anyValue } from './format';

const KEEP = 300;

interface LogEntry {
  n: number;
  at: number;
  route: string;
  kind: string;
  detail: string;
}

let counter = 0;

/** One line per message: what it is (request method, answer, event) and a short look inside. */
function describe(message: Message): { kind: string; detail: string } {
  switch (message.t) {
    case 'req':
      return { kind: `${message.method} #${message.id}`, detail: anyValue(message.params).slice(0, 300) };
    case 'res':
      return message.ok
        ? { kind: `answer #${message.id}`, detail: anyValue(message.result).slice(0, 300) }
        : { kind: `error #${message.id}`, detail: `${message.error.code}: ${message.error.message}` };
    case 'evt':
      return { kind: `event ${message.name}`, detail: anyValue(message.data).slice(0, 300) };
  }
}

/**
 * A rolling log, updated once per animation frame at most: a backfill sends hundreds of messages a second, and the
 * log must not be what slows the app down.
 */
function createLog() {
  const [entries, setEntries] = createSignal<LogEntry[]>([]);
  let pending: LogEntry[] = [];
  let frame = 0;
  const add = (entry: Omit<LogEntry, 'n'>) => {
    pending.push({ ...entry, n: ++counter });
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      const batch = pending;
      pending = [];
      setEntries((list) => [...list, ...batch].slice(-KEEP));
    });
  };
  onCleanup(() => cancelAnimationFrame(frame));
  return { entries, add, clear: () => setEntries([]) };
}

/**
 * Messages between the contexts: this tab and the database host (recorded by the client in debug mode, `?debug=1`),
 * and the sync channel that the service worker and the host talk on (always, while the panel is open).
 */
export function MessagesSection() {
  const db = getDb();
  const debug = db.config.debug;
  const tabLog = createLog();
  const syncLog = createLog();
  const [paused, setPaused] = createSignal(false);
  // Read by the listeners below, which are not reactive scopes.
  let isPaused = false;
  const [filter, setFilter] = createSignal('');

  if (debug) {
    for (const traced of db.trace.list())
      tabLog.add({
        at: traced.at,
        route: traced.direction === 'out' ? 'tab → host' : 'host → tab',
        ...describe(traced.message),
      });
    const stop = db.trace.subscribe((traced) => {
      if (isPaused) return;
      tabLog.add({
        at: traced.at,
        route: traced.direction === 'out' ? 'tab → host' : 'host → tab',
        ...describe(traced.message),
      });
    });
    onCleanup(stop);
  }

  const channel = new BroadcastChannel(SYNC_CHANNEL);
  channel.onmessage = (event: MessageEvent<SyncNotice>) => {
    if (isPaused) return;
    const { type, ...rest } = event.data;
    const from = type === 'outbox' || type === 'applied' ? 'host → all' : type === 'inbox' ? 'sw → host' : 'sw → tabs';
    syncLog.add({ at: Date.now(), route: from, kind: type, detail: anyValue(rest).slice(0, 300) });
  };
  onCleanup(() => channel.close());

  const matches = (e: LogEntry) => {
    const f = filter().trim().toLowerCase();
    return !f || e.kind.toLowerCase().includes(f) || e.detail.toLowerCase().includes(f);
  };
  const tabEntries = createMemo(() => tabLog.entries().filter(matches).slice(-150).reverse());
  const syncEntries = createMemo(() => syncLog.entries().filter(matches).slice(-100).reverse());

  return (
    <div class="devtools-section">
      <div class="devtools-toolbar">
        <input
          type="search"
          aria-label="Filter messages"
          placeholder="Filter…"
          value={filter()}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        <button type="button" aria-pressed={paused()} onClick={() => setPaused((p) => (isPaused = !p))}>
          {paused() ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          onClick={() => {
            tabLog.clear();
            syncLog.clear();
          }}
        >
          Clear
        </button>
      </div>
      <h3>Tab ↔ database host</h3>
      <Show
        when={debug}
        fallback={
          <p class="empty">
            Messages between this tab and the host are recorded in debug mode: open the app with{' '}
            <a href={`${location.pathname}?debug=1&devtools=1`}>?debug=1</a>.
          </p>
        }
      >
        <MessageTable entries={tabEntries()} label="Tab and host messages" />
      </Show>
      <h3>Sync channel (service worker ↔ host ↔ tabs)</h3>
      <MessageTable entries={syncEntries()} label="Sync channel messages" />
    </div>
  );
}

function MessageTable(props: { entries: LogEntry[]; label: string }) {
  const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (
    <Show when={props.entries.length} fallback={<p class="empty">Nothing yet.</p>}>
      <table class="devtools-table message-log" aria-label={props.label}>
        <thead>
          <tr>
            <th scope="col">time</th>
            <th scope="col">route</th>
            <th scope="col">message</th>
            <th scope="col">content</th>
          </tr>
        </thead>
        <tbody>
          <For each={props.entries}>
            {(e) => (
              <tr>
                <td>{time.format(e.at)}</td>
                <td class="route">{e.route}</td>
                <td>{e.kind}</td>
                <td class="detail">
                  <code>{e.detail}</code>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </Show>
  );
}
