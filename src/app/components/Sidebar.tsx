import { A } from '@solidjs/router';
import { For, Show, createMemo, createSignal } from 'solid-js';
import { compactCount } from '../format';
import type { RoomRow } from '../queries';
import { useSpace } from '../space-context';

/**
 * The rooms of a space as a tree: categories, their channels, and each channel's threads, with unread counts.
 * Rooms whose parent is unknown (not arrived, deleted) sit at the top level rather than disappearing.
 */
export function Sidebar(props: { current?: string }) {
  const space = useSpace();
  const children = createMemo(() => {
    const byParent = new Map<string | null, RoomRow[]>();
    const ids = new Set(space.rooms().map((r) => r.id));
    for (const room of space.rooms()) {
      const parent = room.parent && ids.has(room.parent) ? room.parent : null;
      const list = byParent.get(parent);
      if (list) list.push(room);
      else byParent.set(parent, [room]);
    }
    return byParent;
  });
  const kids = (parent: string | null) => children().get(parent) ?? [];
  const [collapsed, setCollapsed] = createSignal<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const RoomLink = (p: { room: RoomRow }) => {
    const unread = () => space.unreadOf(p.room.id);
    return (
      <li>
        <A
          class={`room-link ${p.room.kind}`}
          href={`/space/${space.stream}/room/${p.room.id}`}
          aria-current={props.current === p.room.id ? 'page' : undefined}
          data-room-id={p.room.id}
        >
          <span class="room-icon" aria-hidden="true">
            {p.room.kind === 'thread' ? '↳' : '#'}
          </span>
          <span class="room-name">{p.room.name}</span>
          <span class="badge" data-unread-badge={p.room.id}>
            <Show when={unread() > 0}>
              <span class="count">{compactCount(unread())}</span>
              <span class="visually-hidden"> unread</span>
            </Show>
          </span>
        </A>
        <Show when={kids(p.room.id).length}>
          <ul class="threads" aria-label={`Threads of ${p.room.name}`}>
            <For each={kids(p.room.id)}>{(thread) => <RoomLink room={thread} />}</For>
          </ul>
        </Show>
      </li>
    );
  };

  return (
    <nav class="sidebar" aria-label="Rooms">
      <Show when={space.rooms().length} fallback={<p class="empty">No rooms yet.</p>}>
        <ul>
          <For each={kids(null)}>
            {(room) => (
              <Show when={room.kind === 'category'} fallback={<RoomLink room={room} />}>
                <li class="category">
                  <h2>
                    <button type="button" aria-expanded={!collapsed().has(room.id)} onClick={() => toggle(room.id)}>
                      <span class="chevron" aria-hidden="true">
                        ▾
                      </span>
                      {room.name}
                    </button>
                  </h2>
                  <Show when={!collapsed().has(room.id)}>
                    <ul>
                      <For each={kids(room.id)}>{(channel) => <RoomLink room={channel} />}</For>
                    </ul>
                  </Show>
                </li>
              </Show>
            )}
          </For>
        </ul>
      </Show>
    </nav>
  );
}
