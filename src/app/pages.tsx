import { useNavigate, useParams, type RouteSectionProps } from '@solidjs/router';
import { ErrorBoundary, For, Show, Suspense, createEffect, createMemo } from 'solid-js';
import { getDb } from '../db';
import { createQuery } from '../db/create-query';
import { SyncIndicators } from '../sync/SyncIndicators';
import { sendMessage, toggleReaction } from './actions';
import { Composer } from './components/Composer';
import { Sidebar } from './components/Sidebar';
import { Timeline } from './components/Timeline';
import { currentUser, setCurrentUser } from './identity';
import {
  messagesQuery,
  peopleQuery,
  reactionsQuery,
  roomsQuery,
  spacesQuery,
  type MessageRow,
  type ProfileRow,
  type ReactionRow,
  type RoomRow,
  type SpaceRow,
} from './queries';

const TIMELINE_LIMIT = 100;

function Problem(props: { error: unknown; where: string }) {
  return (
    <div class="problem" role="alert">
      <strong>{props.where} failed:</strong> {props.error instanceof Error ? props.error.message : String(props.error)}
    </div>
  );
}

export function Layout(props: RouteSectionProps) {
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href="/">
          Roomy
        </a>
      </header>
      <SyncIndicators />
      <ErrorBoundary fallback={(error) => <Problem error={error} where="The app" />}>{props.children}</ErrorBoundary>
    </div>
  );
}

/** `/`: opens the first space's first channel as soon as the local database has one. */
export function Home() {
  const navigate = useNavigate();
  const spaces = createQuery<SpaceRow>(getDb(), spacesQuery);
  const first = () => spaces()[0]?.id;
  const rooms = createQuery<RoomRow>(getDb(), () => (first() ? roomsQuery(first()!) : false));
  createEffect(() => {
    const space = first();
    const room = rooms().find((r) => r.kind === 'channel');
    if (space && room) navigate(`/space/${space}/room/${room.id}`, { replace: true });
  });
  return (
    <main class="empty">
      <Suspense fallback={<p>Opening the local database…</p>}>
        <Show when={spaces().length === 0}>
          <p>No space yet: waiting for the server…</p>
        </Show>
      </Suspense>
    </main>
  );
}

export function SpacePage() {
  const params = useParams<{ stream: string; room: string }>();
  const db = getDb();
  const rooms = createQuery<RoomRow>(db, () => roomsQuery(params.stream));
  const messages = createQuery<MessageRow>(db, () => messagesQuery(params.room, TIMELINE_LIMIT));
  const reactions = createQuery<ReactionRow>(db, () => reactionsQuery(params.room, TIMELINE_LIMIT, currentUser()));
  const people = createQuery<ProfileRow>(db, () => peopleQuery(params.stream));
  const room = createMemo(() => rooms().find((r) => r.id === params.room));

  return (
    <div class="space">
      <aside class="space-sidebar">
        <ErrorBoundary fallback={(error) => <Problem error={error} where="The room list" />}>
          <Suspense fallback={<p class="loading">Loading rooms…</p>}>
            <Sidebar space={params.stream} rooms={rooms()} current={params.room} />
          </Suspense>
        </ErrorBoundary>
        <label class="identity">
          You are
          <select value={currentUser()} onChange={(e) => setCurrentUser(e.currentTarget.value)}>
            <For each={people()}>{(person) => <option value={person.id}>{person.name}</option>}</For>
            <Show when={!people().some((p) => p.id === currentUser())}>
              <option value={currentUser()}>{currentUser()}</option>
            </Show>
          </select>
        </label>
      </aside>
      <main class="room">
        <header class="room-header">
          <h1>
            <span aria-hidden="true"># </span>
            {room()?.name ?? '…'}
          </h1>
        </header>
        <ErrorBoundary fallback={(error) => <Problem error={error} where="The timeline" />}>
          <Suspense fallback={<p class="loading">Loading messages…</p>}>
            <Show when={messages().length} fallback={<p class="empty">No messages yet. Say hello!</p>}>
              <Timeline
                messages={messages()}
                reactions={reactions()}
                onReact={(message, emoji, mine) =>
                  void toggleReaction(params.stream, params.room, message, emoji, mine).catch(console.error)
                }
              />
            </Show>
          </Suspense>
        </ErrorBoundary>
        <Composer roomName={room()?.name ?? ''} onSend={(body) => sendMessage(params.stream, params.room, body)} />
      </main>
    </div>
  );
}
