import { For, Show, createMemo, createSignal } from 'solid-js';
import { getDb } from '../../db';
import { createQuery } from '../../db/create-query';
import { currentUser } from '../identity';
import { usePeople } from '../people';
import { membersQuery, type MemberRow } from '../queries';
import { Avatar } from './Avatar';

/** The people in a space, by name, with a filter (Roomy's largest space has 600). */
export function MemberList(props: { space: string }) {
  const people = usePeople();
  const members = createQuery<MemberRow>(getDb(), () => membersQuery(props.space));
  const [filter, setFilter] = createSignal('');
  // Ids (strings) sorted by name: a rename moves one row; the rows themselves are kept.
  const sorted = createMemo(() =>
    members()
      .map((m) => ({ id: m.id, name: people.nameOf(m.id) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  );
  const shown = createMemo(() => {
    const f = filter().trim().toLowerCase();
    const list = f ? sorted().filter((m) => m.name.toLowerCase().includes(f) || m.id.includes(f)) : sorted();
    return list.map((m) => m.id);
  });

  return (
    <section class="member-list" id="member-list" aria-labelledby="members-title">
      <h2 id="members-title">
        Members <span class="muted">{members().length}</span>
      </h2>
      <input
        type="search"
        aria-label="Filter members"
        placeholder="Filter…"
        value={filter()}
        onInput={(e) => setFilter(e.currentTarget.value)}
      />
      <Show when={!members.loading()} fallback={<p class="loading">Loading members…</p>}>
        <ul>
          <For each={shown()} fallback={<li class="empty">Nobody here.</li>}>
            {(member) => (
              <li class="member">
                <Avatar user={member} size="small" />
                <span class="member-name">{people.nameOf(member)}</span>
                <Show when={member === currentUser()}>
                  <span class="muted"> (you)</span>
                </Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
    </section>
  );
}
