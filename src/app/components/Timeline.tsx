import { For, Show, createEffect, createMemo, on } from 'solid-js';
import { DeliveryState } from '../../sync/DeliveryState';
import type { MessageRow, ReactionRow } from '../queries';

export interface TimelineProps {
  messages: MessageRow[];
  reactions: ReactionRow[];
  onReact: (message: string, emoji: string, mine: boolean) => void;
}

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

/** The messages of a room, oldest first; it follows the newest message while the reader is at the bottom. */
export function Timeline(props: TimelineProps) {
  let scroller!: HTMLOListElement;
  let atBottom = true;

  const reactionsOf = createMemo(() => {
    const map = new Map<string, ReactionRow[]>();
    for (const r of props.reactions) {
      const list = map.get(r.message) ?? [];
      list.push(r);
      map.set(r.message, list);
    }
    return map;
  });
  const bodyOf = createMemo(() => new Map(props.messages.map((m) => [m.id, m])));

  createEffect(
    on(
      () => props.messages.length,
      () => {
        if (atBottom) queueMicrotask(() => (scroller.scrollTop = scroller.scrollHeight));
      },
    ),
  );

  return (
    <ol
      class="timeline"
      ref={scroller}
      aria-label="Messages"
      aria-live="polite"
      onScroll={() => (atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40)}
    >
      <For each={props.messages}>
        {(message) => (
          <li class="message" data-message-id={message.id}>
            <div class="avatar" aria-hidden="true">
              {message.author_name
                .replace(/^did:[a-z]+:/, '')
                .slice(0, 1)
                .toUpperCase()}
            </div>
            <div class="message-main">
              <div class="message-meta">
                <span class="author">{message.author_name}</span>
                <time dateTime={new Date(message.created_at).toISOString()}>{time.format(message.created_at)}</time>
                <Show when={message.edited_at}>
                  <span class="edited">(edited)</span>
                </Show>
              </div>
              <Show when={message.reply_to}>
                {(replyTo) => (
                  <div class="reply-preview">
                    ↪ {bodyOf().get(replyTo())?.author_name ?? 'earlier message'}:{' '}
                    {bodyOf().get(replyTo())?.body.slice(0, 80) ?? '…'}
                  </div>
                )}
              </Show>
              <p class="body">{message.body}</p>
              <DeliveryState messageId={message.id} />
              <Show when={reactionsOf().get(message.id)}>
                {(reactions) => (
                  <ul class="reactions" aria-label="Reactions">
                    <For each={reactions()}>
                      {(reaction) => (
                        <li>
                          <button
                            type="button"
                            class="reaction"
                            aria-pressed={reaction.mine ? 'true' : 'false'}
                            onClick={() => props.onReact(message.id, reaction.emoji, !!reaction.mine)}
                          >
                            {reaction.emoji} <span class="count">{reaction.count}</span>
                          </button>
                        </li>
                      )}
                    </For>
                  </ul>
                )}
              </Show>
            </div>
          </li>
        )}
      </For>
    </ol>
  );
}
