import { A, useParams } from '@solidjs/router';
import { ErrorBoundary, Match, Show, Switch, createEffect, createMemo, createSignal, onCleanup } from 'solid-js';
import { getDb } from '../db';
import { createQuery } from '../db/create-query';
import { deleteMessage, editMessage, markRead, sendMessage, toggleReaction } from './actions';
import { Composer, type ComposerHandle } from './components/Composer';
import { Problem } from './components/Problem';
import { ThreadsBoard } from './components/ThreadsBoard';
import { Timeline, type TimelineView } from './components/Timeline';
import { currentUser } from './identity';
import { reactionsQuery, replyTargetsQuery, type MessageRow, type ReactionRow, type ReplyTargetRow } from './queries';
import { RoomContext, type RoomContextValue } from './room-context';
import { rememberRoom, useSpace } from './space-context';
import { createTimeline } from './timeline/create-timeline';

const NO_REACTIONS: readonly ReactionRow[] = [];
const sameItems = <T,>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** `/space/:stream/room/:room` and `/space/:stream/room/:room/threads`: one room, its messages or its threads. */
export function RoomPage(props: { view: 'messages' | 'threads' }) {
  const params = useParams<{ room: string }>();
  return (
    <Show when={params.room} keyed>
      {(room) => <RoomView room={room} view={props.view} />}
    </Show>
  );
}

function RoomView(props: { room: string; view: 'messages' | 'threads' }) {
  const space = useSpace();
  const room = () => space.roomById(props.room);
  createEffect(() => rememberRoom(space.stream, props.room));

  return (
    <main class="room" aria-labelledby="room-title">
      <RoomHeader room={props.room} view={props.view} />
      <Switch>
        <Match when={props.view === 'threads'}>
          <ErrorBoundary fallback={(error) => <Problem error={error} where="The threads board" />}>
            <ThreadsBoard channel={props.room} />
          </ErrorBoundary>
        </Match>
        <Match when={room()?.kind === 'category'}>
          <p class="empty">{room()!.name} is a category: pick one of its channels.</p>
        </Match>
        <Match when={true}>
          <Messages room={props.room} />
        </Match>
      </Switch>
    </main>
  );
}

function RoomHeader(props: { room: string; view: 'messages' | 'threads' }) {
  const space = useSpace();
  const room = () => space.roomById(props.room);
  const parent = () => {
    const p = room()?.parent;
    return p ? space.roomById(p) : undefined;
  };
  const base = () => `/space/${space.stream}/room/${props.room}`;
  return (
    <header class="room-header">
      <h1 id="room-title">
        <Show when={room()?.kind === 'thread' && parent()}>
          {(channel) => (
            <>
              <A class="parent-room" href={`/space/${space.stream}/room/${channel().id}`}>
                # {channel().name}
              </A>
              <span aria-hidden="true"> › </span>
            </>
          )}
        </Show>
        <span aria-hidden="true">{room()?.kind === 'thread' ? '↳ ' : '# '}</span>
        {room()?.name ?? 'Unknown room'}
      </h1>
      <Show when={room()?.kind === 'channel'}>
        <nav class="room-tabs" aria-label="Room views">
          <A href={base()} end aria-current={props.view === 'messages' ? 'page' : undefined}>
            Messages
          </A>
          <A href={`${base()}/threads`} aria-current={props.view === 'threads' ? 'page' : undefined}>
            Threads
          </A>
        </nav>
      </Show>
      <button
        type="button"
        class="members-toggle"
        aria-pressed={space.membersOpen()}
        aria-controls="member-list"
        onClick={() => space.toggleMembers()}
      >
        Members
      </button>
    </header>
  );
}

/** The timeline and the composer of a room, with the queries for what the messages on screen show. */
function Messages(props: { room: string }) {
  const space = useSpace();
  const db = getDb();
  // RoomPage keys its view by room: this component lives for one room, so the id is read once.
  // eslint-disable-next-line solid/reactivity
  const room = props.room;
  const timeline = createTimeline(room);
  const roomName = () => space.roomById(room)?.name ?? '';

  // What the timeline has rendered: the reactions and reply previews are fetched for those messages only.
  const [rendered, setRendered] = createSignal<{ messages: MessageRow[]; followsEnd: boolean }>(
    { messages: [], followsEnd: true },
    { equals: (a, b) => a.followsEnd === b.followsEnd && sameItems(a.messages, b.messages) },
  );
  const reactionRange = createMemo(
    () => {
      const { messages, followsEnd } = rendered();
      if (!messages.length) return null;
      return { from: messages[0]!.id, to: followsEnd ? null : messages[messages.length - 1]!.id };
    },
    null,
    { equals: (a, b) => a?.from === b?.from && a?.to === b?.to },
  );
  const reactions = createQuery<ReactionRow>(db, () => {
    const range = reactionRange();
    return range && reactionsQuery(currentUser(), range.from, range.to);
  });
  // Grouped by message; reads only ids and order fields, so a changed count does not regroup.
  const reactionsByMessage = createMemo(() => {
    const map = new Map<string, ReactionRow[]>();
    for (const r of reactions()) {
      const list = map.get(r.message);
      if (list) list.push(r);
      else map.set(r.message, [r]);
    }
    for (const list of map.values()) list.sort((a, b) => (a.first < b.first ? -1 : 1));
    return map;
  });

  const replyIds = createMemo(
    () => [...new Set(rendered().messages.flatMap((m) => (m.reply_to ? [m.reply_to] : [])))].sort(),
    [],
    { equals: sameItems },
  );
  const replyTargets = createQuery<ReplyTargetRow>(db, () => replyIds().length > 0 && replyTargetsQuery(replyIds()));
  const targetById = createMemo(() => new Map(replyTargets().map((t) => [t.id, t])));
  const messageById = createMemo(() => new Map(timeline.shown().map((m) => [m.id, m])));

  const lastOwnMessage = createMemo(() => {
    const me = currentUser();
    const shown = timeline.shown();
    for (let i = shown.length - 1; i >= 0; i--) if (shown[i]!.author === me) return shown[i]!.id;
    return undefined;
  });

  const [editing, setEditing] = createSignal<string | null>(null);
  const [replyingTo, setReplyingTo] = createSignal<string | null>(null);
  const [problem, setProblem] = createSignal<string | null>(null);
  let composer: ComposerHandle | undefined;
  let view: TimelineView | undefined;

  const context: RoomContextValue = {
    stream: space.stream,
    room,
    roomName,
    me: currentUser,
    messageOf: (id) => messageById().get(id),
    reactionsOf: (id) => reactionsByMessage().get(id) ?? NO_REACTIONS,
    replyTargetOf: (id) => {
      const target = targetById().get(id);
      if (target) return target;
      return replyTargets.loading() ? undefined : null;
    },
    editing,
    setEditing,
    replyingTo,
    setReplyingTo,
    react: (messageId, emoji, mine) =>
      void toggleReaction(space.stream, room, messageId, emoji, mine).catch((e: unknown) =>
        context.fail('Reacting', e),
      ),
    edit: (messageId, body) => editMessage(space.stream, room, messageId, body),
    remove: (messageId) => deleteMessage(space.stream, room, messageId),
    focusComposer: () => composer?.focus(),
    fail: (what, error) => setProblem(`${what} failed: ${error instanceof Error ? error.message : String(error)}`),
  };

  async function send(body: string, replyTo: string | undefined) {
    // Follow the conversation to the bottom, where the message is about to appear.
    view?.scrollToEnd();
    await sendMessage(space.stream, room, body, replyTo);
  }

  // Read marks: a room read at the bottom, in a visible tab, is read up to its newest message.
  const [atBottom, setAtBottom] = createSignal(true);
  const visible = createPageVisibility();
  let marked: string | undefined;
  createEffect(() => {
    const newest = timeline.shown().at(-1)?.id;
    if (!newest || newest === marked || !atBottom() || !visible() || space.unreadOf(room) === 0) return;
    marked = newest;
    markRead(space.stream, room, newest).catch((e: unknown) => {
      marked = undefined; // tried again at the next change
      context.fail('Marking the room read', e);
    });
  });

  return (
    <RoomContext.Provider value={context}>
      <ErrorBoundary fallback={(error) => <Problem error={error} where="The timeline" />}>
        <Show
          when={!timeline.loading()}
          fallback={
            <p class="loading" role="status">
              Loading messages…
            </p>
          }
        >
          <Show
            when={timeline.shown().length}
            fallback={<p class="empty timeline-empty">No messages in #{roomName()} yet. Say hello!</p>}
          >
            <Timeline
              data={timeline}
              roomName={roomName()}
              onAtBottom={setAtBottom}
              onRendered={(messages, followsEnd) => setRendered({ messages, followsEnd })}
              ref={(v) => (view = v)}
            />
          </Show>
        </Show>
      </ErrorBoundary>
      <Show when={problem()}>
        <p class="room-problem" role="alert">
          {problem()}{' '}
          <button type="button" onClick={() => setProblem(null)}>
            Dismiss
          </button>
        </p>
      </Show>
      <Composer lastOwnMessage={lastOwnMessage} ref={(handle) => (composer = handle)} onSend={send} />
    </RoomContext.Provider>
  );
}

function createPageVisibility() {
  const [visible, setVisible] = createSignal(document.visibilityState === 'visible');
  const update = () => setVisible(document.visibilityState === 'visible');
  document.addEventListener('visibilitychange', update);
  onCleanup(() => document.removeEventListener('visibilitychange', update));
  return visible;
}
