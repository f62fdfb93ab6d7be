import { For, Show, createSignal } from 'solid-js';
import { getDb, switchStrategy } from '../../db';
import { STRATEGIES, type Strategy } from '../../db/config';
import { ago, anyValue, duration, ms } from './format';
import { poll } from './poll';

/** Fields shown by name, in this order; any other field of the health report is listed after them. */
const KNOWN = [
  'strategy',
  'reason',
  'role',
  'leader',
  'tab',
  'connected',
  'hostId',
  'vfs',
  'build',
  'database',
  'startedAt',
  'uptimeMs',
  'connections',
  'subscriptions',
  'lastCommitAt',
  'inbox',
  'events',
  'stalls',
  'restarts',
  'queue',
  'lastHeartbeatAt',
  'metrics',
  'hostError',
] as const;

const LABELS: Partial<Record<(typeof KNOWN)[number], string>> = {
  reason: 'why',
  hostId: 'host id',
  uptimeMs: 'uptime',
  lastCommitAt: 'last commit',
  lastHeartbeatAt: 'last heartbeat',
  hostError: 'host error',
};

export function HostSection() {
  const health = poll(() => getDb().health(), 1_000);
  const record = () => (health.value() ?? {}) as Record<string, unknown>;
  const others = () => Object.keys(record()).filter((k) => !(KNOWN as readonly string[]).includes(k));

  const show = (key: (typeof KNOWN)[number]): string => {
    const v = record()[key];
    switch (key) {
      case 'uptimeMs':
        return typeof v === 'number' ? duration(v) : '—';
      case 'startedAt':
      case 'lastCommitAt':
      case 'lastHeartbeatAt':
        return typeof v === 'number' ? ago(v) : 'never';
      case 'leader':
        return v === null ? (record().strategy === 'shared' ? 'none (SharedWorker)' : '—') : anyValue(v);
      case 'inbox': {
        const inbox = v as { drained?: number; lastDrainAt?: number | null } | undefined;
        return inbox ? `${inbox.drained ?? 0} events drained, last ${ago(inbox.lastDrainAt)}` : '—';
      }
      case 'events': {
        const e = v as { applied?: number; waiting?: number; rejected?: number } | undefined;
        return e ? `${e.applied ?? 0} applied · ${e.waiting ?? 0} waiting · ${e.rejected ?? 0} rejected` : '—';
      }
      case 'stalls': {
        const st = v as { longestMs?: number; overOneSecond?: number } | undefined;
        return st ? `longest ${ms(st.longestMs ?? 0)} · ${st.overOneSecond ?? 0} of a second or more` : '—';
      }
      case 'queue': {
        const q = v as { pending?: number; subscriptions?: number } | undefined;
        return q ? `${q.pending ?? 0} requests waiting · ${q.subscriptions ?? 0} live queries in this tab` : '—';
      }
      default:
        return anyValue(v);
    }
  };
  const metrics = () =>
    Object.entries(
      (record().metrics ?? {}) as Record<string, { count: number; errors: number; p50: number; p99: number }>,
    );

  return (
    <div class="devtools-section">
      {/* First: the list and the table below grow as the host reports, and would move it under the pointer. */}
      <StrategySwitcher current={record().strategy as Strategy | undefined} onSwitched={health.refresh} />
      <Show when={health.error()}>
        <p class="error" role="alert">
          Health check failed: {health.error()}
        </p>
      </Show>
      <Show when={health.value()} fallback={<p class="loading">Asking the host…</p>}>
        <dl class="kv" aria-label="Database host">
          <For each={KNOWN.filter((k) => k !== 'metrics' && record()[k] !== undefined)}>
            {(key) => (
              <>
                <dt>{LABELS[key] ?? key}</dt>
                <dd data-field={key}>{show(key)}</dd>
              </>
            )}
          </For>
          <For each={others()}>
            {(key) => (
              <>
                <dt>{key}</dt>
                <dd data-field={key}>{anyValue(record()[key])}</dd>
              </>
            )}
          </For>
        </dl>
        <Show when={metrics().length}>
          <table class="devtools-table" aria-label="Requests by method">
            <thead>
              <tr>
                <th scope="col">method</th>
                <th scope="col">count</th>
                <th scope="col">errors</th>
                <th scope="col">p50</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              <For each={metrics()}>
                {([method, m]) => (
                  <tr>
                    <td>{method}</td>
                    <td>{m.count}</td>
                    <td>{m.errors}</td>
                    <td>{ms(m.p50)}</td>
                    <td>{ms(m.p99)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </Show>
      </Show>
    </div>
  );
}

/** Moves every tab of this origin to another host strategy (the WorkerManager does the work). */
function StrategySwitcher(props: { current: Strategy | undefined; onSwitched: () => void }) {
  const [choice, setChoice] = createSignal<Strategy | ''>('');
  const [status, setStatus] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  async function apply() {
    const strategy = choice() || props.current;
    if (!strategy) return;
    setBusy(true);
    setStatus(`Switching to ${strategy}…`);
    try {
      await switchStrategy(strategy);
      setStatus(`Now on ${strategy}.`);
      props.onSwitched();
    } catch (e) {
      setStatus(`Switch failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form
      class="strategy-switcher"
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <label>
        Host strategy
        <select value={choice() || props.current || ''} onChange={(e) => setChoice(e.currentTarget.value as Strategy)}>
          <For each={STRATEGIES}>{(s) => <option value={s}>{s}</option>}</For>
        </select>
      </label>
      <button type="submit" disabled={busy()}>
        Switch
      </button>
      <Show when={status()}>
        <span role="status">{status()}</span>
      </Show>
    </form>
  );
}
