import { For, Show } from 'solid-js';
import { getDb } from '../../db';
import { ago } from './format';
import { poll } from './poll';

/** Events the host could not apply, newest first, with the reason it gave. */
export function RejectedSection() {
  const rejected = poll(() => getDb().request('rejected', { limit: 200 }), 3_000);
  return (
    <div class="devtools-section">
      <Show when={rejected.error()}>
        <p class="error" role="alert">
          {rejected.error()}
        </p>
      </Show>
      <Show when={rejected.value()} fallback={<p class="loading">Asking the host…</p>}>
        {(list) => (
          <Show when={list().length} fallback={<p class="empty">No rejected events.</p>}>
            <table class="devtools-table" aria-label="Rejected events">
              <thead>
                <tr>
                  <th scope="col">when</th>
                  <th scope="col">type</th>
                  <th scope="col">event</th>
                  <th scope="col">reason</th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(r) => (
                    <tr>
                      <td>{ago(r.at)}</td>
                      <td>{r.type ?? '—'}</td>
                      <td>
                        <code>{r.eventId ?? '(no id)'}</code>
                      </td>
                      <td class="reason">{r.reason}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        )}
      </Show>
    </div>
  );
}
