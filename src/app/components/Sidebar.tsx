import { A } from '@solidjs/router';
import { For, Show, createMemo } from 'solid-js';
import type { RoomRow } from '../queries';

/** Categories with their channels, and threads under their channel; rooms without a known parent at the top. */
export function Sidebar(props: { space: string; rooms: RoomRow[]; current?: string }) {
  const children = createMemo(() => {
    const byParent = new Map<string | null, RoomRow[]>();
    const ids = new Set(props.rooms.map((r) => r.id));
    for (const room of props.rooms) {
      const parent = room.parent && ids.has(room.parent) ? room.parent : null;
      const list = byParent.get(parent) ?? [];
      list.push(room);
      byParent.set(parent, list);
    }
    return byParent;
  });
  const kids = (parent: string | null) => children().get(parent) ?? [];

  const RoomLink = (p: { room: RoomRow }) => (
    <li>
      <A
        class={`room-link ${p.room.kind}`}
        href={`/space/${props.space}/room/${p.room.id}`}
        aria-current={props.current === p.room.id ? 'page' : undefined}
      >
        <span aria-hidden="true">{p.room.kind === 'thread' ? '↳ ' : '# '}</span>
        {p.room.name}
      </A>
      <Show when={kids(p.room.id).length}>
        <ul class="threads">
          <For each={kids(p.room.id)}>{(thread) => <RoomLink room={thread} />}</For>
        </ul>
      </Show>
    </li>
  );

  return (
    <nav class="sidebar" aria-label="Rooms">
      <ul>
        <For each={kids(null)}>
          {(room) => (
            <Show when={room.kind === 'category'} fallback={<RoomLink room={room} />}>
              <li class="category">
                <h2>{room.name}</h2>
                <ul>
                  <For each={kids(room.id)}>{(channel) => <RoomLink room={channel} />}</For>
                </ul>
              </li>
            </Show>
          )}
        </For>
      </ul>
    </nav>
  );
}
