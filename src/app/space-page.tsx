import { useNavigate, useParams, type RouteSectionProps } from '@solidjs/router';
import { ErrorBoundary, Show, createEffect, createMemo, createSignal, type JSX } from 'solid-js';
import { getDb } from '../db';
import { createQuery } from '../db/create-query';
import { MemberList } from './components/MemberList';
import { Problem } from './components/Problem';
import { Sidebar } from './components/Sidebar';
import { caughtUp } from './catch-up';
import { rememberSpace } from './home';
import { currentUser } from './identity';
import { roomsQuery, spacesQuery, unreadQuery, type RoomRow, type SpaceRow, type UnreadRow } from './queries';
import { SpaceContext, lastRoom, storage, useSpace, type SpaceContextValue } from './space-context';

const MEMBERS_OPEN_KEY = 'roomy.membersOpen';

/** `/space/:stream/…`: the space's sidebar and member list around the page of one of its rooms. */
export function SpaceLayout(props: RouteSectionProps) {
  const params = useParams<{ stream: string }>();
  return (
    <Show when={params.stream} keyed>
      {(stream) => <SpaceView stream={stream}>{props.children}</SpaceView>}
    </Show>
  );
}

function SpaceView(props: { stream: string; children: JSX.Element }) {
  const db = getDb();
  const spaces = createQuery<SpaceRow>(db, spacesQuery);
  const rooms = createQuery<RoomRow>(db, () => roomsQuery(props.stream));
  const unread = createQuery<UnreadRow>(db, () => caughtUp() && unreadQuery(currentUser()));
  const roomsById = createMemo(() => new Map(rooms().map((r) => [r.id, r])));
  // Only ids are read here: a changed count updates its badge alone, not the map.
  const unreadById = createMemo(() => new Map(unread().map((u) => [u.id, u])));
  const [membersOpen, setMembersOpen] = createSignal(storage.get(MEMBERS_OPEN_KEY) === '1');
  const params = useParams<{ room?: string }>();
  createEffect(() => rememberSpace(props.stream));

  const value: SpaceContextValue = {
    // SpaceLayout keys this view by stream: the id is fixed for its life.
    // eslint-disable-next-line solid/reactivity
    stream: props.stream,
    space: () => spaces().find((s) => s.id === props.stream),
    rooms,
    roomById: (id) => roomsById().get(id),
    unreadOf: (room) => unreadById().get(room)?.unread ?? 0,
    membersOpen,
    toggleMembers: () =>
      setMembersOpen((open) => {
        storage.set(MEMBERS_OPEN_KEY, open ? '0' : '1');
        return !open;
      }),
  };

  return (
    <SpaceContext.Provider value={value}>
      <div class="space" classList={{ 'with-members': membersOpen() }}>
        <aside class="space-sidebar" aria-label="Space">
          <header class="space-name">
            <h2>{value.space()?.name ?? 'Space'}</h2>
          </header>
          <ErrorBoundary fallback={(error) => <Problem error={error} where="The room list" />}>
            <Show when={!rooms.loading()} fallback={<p class="loading">Loading rooms…</p>}>
              <Sidebar current={params.room} />
            </Show>
          </ErrorBoundary>
        </aside>
        <ErrorBoundary fallback={(error) => <Problem error={error} where="The room" />}>{props.children}</ErrorBoundary>
        <Show when={membersOpen()}>
          <aside class="members-pane" aria-label="Members">
            <ErrorBoundary fallback={(error) => <Problem error={error} where="The member list" />}>
              <MemberList space={props.stream} />
            </ErrorBoundary>
          </aside>
        </Show>
      </div>
    </SpaceContext.Provider>
  );
}

/** `/space/:stream`: opens the room last read in this space, else its first channel. */
export function SpaceHome() {
  const space = useSpace();
  const navigate = useNavigate();
  createEffect(() => {
    const remembered = lastRoom(space.stream);
    const target =
      (remembered && space.roomById(remembered) ? remembered : undefined) ??
      space.rooms().find((r) => r.kind === 'channel')?.id;
    if (target) navigate(`/space/${space.stream}/room/${target}`, { replace: true });
  });
  return (
    <main class="room empty-room">
      <p class="empty">{space.rooms().length ? 'Opening…' : 'This space has no rooms yet.'}</p>
    </main>
  );
}
