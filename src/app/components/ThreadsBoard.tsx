import { A, useNavigate } from '@solidjs/router';
import { For, Show, createMemo, createSignal } from 'solid-js';
import { LIMITS } from '../../../protocol/events';
import { decodeTime } from 'ulidx';
import { getDb } from '../../db';
import { createQuery } from '../../db/create-query';
import { createThread } from '../actions';
import { messageTime } from '../format';
import { threadStatsQuery, type ThreadStatsRow } from '../queries';
import { useSpace } from '../space-context';

/** The threads of a channel as cards, most recently active first, and a form to start one. */
export function ThreadsBoard(props: { channel: string }) {
  const space = useSpace();
  const navigate = useNavigate();
  const stats = createQuery<ThreadStatsRow>(getDb(), () => threadStatsQuery(props.channel));
  const statsById = createMemo(() => new Map(stats().map((s) => [s.id, s])));
  const threads = createMemo(() =>
    space
      .rooms()
      .filter((r) => r.kind === 'thread' && r.parent === props.channel)
      .map((room) => ({ room, latest: statsById().get(room.id)?.latest ?? room.id }))
      .sort((a, b) => (a.latest < b.latest ? 1 : -1)),
  );
  const [name, setName] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);

  async function start() {
    const title = name().trim();
    if (!title) return;
    setError(null);
    try {
      const room = await createThread(space.stream, props.channel, title);
      setName('');
      navigate(`/space/${space.stream}/room/${room}`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <section class="threads-board" aria-label="Threads">
      <form
        class="new-thread"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <input
          aria-label="New thread name"
          placeholder="Start a thread…"
          maxLength={LIMITS.nameChars}
          value={name()}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <button type="submit">Start thread</button>
        <Show when={error()}>
          <p class="error" role="alert">
            {error()}
          </p>
        </Show>
      </form>
      <Show when={threads().length} fallback={<p class="empty">No threads in this channel yet.</p>}>
        <ul class="thread-cards">
          <For each={threads()}>
            {(thread) => {
              const stat = () => statsById().get(thread.room.id);
              return (
                <li class="thread-card">
                  <A href={`/space/${space.stream}/room/${thread.room.id}`}>
                    <span class="thread-name">↳ {thread.room.name}</span>
                    <span class="thread-meta">
                      {stat()?.messages ?? 0} {stat()?.messages === 1 ? 'message' : 'messages'}
                      <Show when={stat()}>{(s) => <> · last {messageTime(decodeTime(s().latest))}</>}</Show>
                    </span>
                    <Show when={space.unreadOf(thread.room.id) > 0}>
                      <span class="thread-unread">{space.unreadOf(thread.room.id)} unread</span>
                    </Show>
                  </A>
                </li>
              );
            }}
          </For>
        </ul>
      </Show>
    </section>
  );
}
