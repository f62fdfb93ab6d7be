import { For, Show, createMemo, createSignal } from 'solid-js';
import type { SubscriptionInfo } from '../../../protocol/messages';
import { getDb } from '../../db';
import { anyValue, ms } from './format';
import { poll } from './poll';

const KNOWN = new Set(['id', 'sql', 'params', 'reads', 'runs', 'patches', 'lastCostMs', 'rows']);

/**
 * The host's live queries (of every tab): SQL and parameters, the dependency set the authorizer recorded, how often
 * each ran and sent patches, and what its last run cost. Fields the host adds later (mode, incremental patches…)
 * are listed too.
 */
export function SubscriptionsSection() {
  const subs = poll(() => getDb().request('subscriptions', {}), 1_500);
  const [filter, setFilter] = createSignal('');
  const [order, setOrder] = createSignal<'id' | 'cost' | 'runs'>('id');
  const shown = createMemo(() => {
    const f = filter().trim().toLowerCase();
    const list = (subs.value() ?? []).filter((s) => !f || s.sql.toLowerCase().includes(f));
    if (order() === 'cost') return [...list].sort((a, b) => b.lastCostMs - a.lastCostMs);
    if (order() === 'runs') return [...list].sort((a, b) => b.runs - a.runs);
    return list;
  });
  return (
    <div class="devtools-section">
      <div class="devtools-toolbar">
        <input
          type="search"
          aria-label="Filter queries by SQL"
          placeholder="Filter by SQL…"
          value={filter()}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        <label>
          Order
          <select value={order()} onChange={(e) => setOrder(e.currentTarget.value as 'id' | 'cost' | 'runs')}>
            <option value="id">started</option>
            <option value="cost">last cost</option>
            <option value="runs">runs</option>
          </select>
        </label>
        <span class="muted" role="status">
          {subs.value()?.length ?? 0} live queries
        </span>
      </div>
      <Show when={subs.error()}>
        <p class="error" role="alert">
          {subs.error()}
        </p>
      </Show>
      <ol class="subscriptions" aria-label="Live queries">
        <For each={shown()}>{(sub) => <Subscription sub={sub} />}</For>
      </ol>
    </div>
  );
}

/** Fields of a later engine shown up front when present: how the query is kept up to date. */
const BADGES = ['mode', 'shape'];

function Subscription(props: { sub: SubscriptionInfo }) {
  const record = () => props.sub as unknown as Record<string, unknown>;
  const badges = () => BADGES.filter((key) => record()[key] !== undefined && record()[key] !== null);
  const extra = () => Object.entries(record()).filter(([key]) => !KNOWN.has(key) && !BADGES.includes(key));
  return (
    <li class="subscription" data-subscription={props.sub.id}>
      <div class="subscription-stats">
        <strong>{props.sub.id}</strong>
        <For each={badges()}>
          {(key) => (
            <span class="badge-field" data-field={key}>
              {key}: {anyValue(record()[key])}
            </span>
          )}
        </For>
        <span>{props.sub.runs} runs</span>
        <span>{props.sub.patches} patches</span>
        <span>last {ms(props.sub.lastCostMs)}</span>
        <span>{props.sub.rows} rows</span>
      </div>
      <pre class="sql">{props.sub.sql.replace(/\s+/g, ' ').trim()}</pre>
      <Show when={props.sub.params.length}>
        <div class="params">params: {anyValue(props.sub.params)}</div>
      </Show>
      <div class="reads" aria-label="Reads">
        depends on:{' '}
        <For each={Object.entries(props.sub.reads)}>
          {([table, columns]) => (
            <span class="read">
              {table}({columns.join(', ')})
            </span>
          )}
        </For>
      </div>
      <Show when={extra().length}>
        <dl class="subscription-extra">
          <For each={extra()}>
            {([key, value]) => (
              <>
                <dt>{key}</dt>
                <dd data-field={key}>{anyValue(value)}</dd>
              </>
            )}
          </For>
        </dl>
      </Show>
    </li>
  );
}
