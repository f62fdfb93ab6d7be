import { For, Show, createMemo, createSignal, onMount } from 'solid-js';
import { LIMITS } from '../../../protocol/events';
import { DeliveryState } from '../../sync/DeliveryState';
import { fullTime, messageTime } from '../format';
import { usePeople } from '../people';
import type { MessageRow, ReactionRow } from '../queries';
import { useRoom } from '../room-context';
import { Avatar } from './Avatar';
import { EmojiPicker } from './EmojiPicker';
import { Markdown } from './Markdown';

const sameItems = <T,>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * One message. Everything about it (its reactions, its edit form, its reply preview, its emoji picker) renders
 * inside its own element, so that a change to it touches nothing else on the page. Each field is bound on its
 * own: an edit re-renders the body and adds the "edited" mark; a reaction updates one count.
 */
export function MessageItem(props: { message: MessageRow; index: number | undefined; ref: (el: HTMLElement) => void }) {
  const room = useRoom();
  const people = usePeople();
  const mine = () => props.message.author === room.me();
  const editing = () => room.editing() === props.message.id;
  const [picking, setPicking] = createSignal(false);
  const [confirmingDelete, setConfirmingDelete] = createSignal(false);
  const authorId = () => `author-${props.message.id}`;

  return (
    <li
      ref={props.ref}
      class="message"
      classList={{ mine: mine(), editing: editing() }}
      data-message-id={props.message.id}
      data-index={props.index}
      aria-labelledby={authorId()}
    >
      <Avatar user={props.message.author} />
      <div class="message-main">
        <div class="message-meta">
          <span class="author" id={authorId()}>
            {people.nameOf(props.message.author)}
          </span>
          <time dateTime={new Date(props.message.created_at).toISOString()} title={fullTime(props.message.created_at)}>
            {messageTime(props.message.created_at)}
          </time>
          <Show when={props.message.edited_at}>
            {(at) => (
              <span class="edited" title={`edited ${fullTime(at())}`}>
                (edited)
              </span>
            )}
          </Show>
        </div>
        <Show when={props.message.reply_to}>{(target) => <ReplyPreview target={target()} />}</Show>
        <Show when={editing()} fallback={<Markdown class="body" source={props.message.body} />}>
          <EditForm message={props.message} />
        </Show>
        <Reactions messageId={props.message.id} />
        <DeliveryState messageId={props.message.id} />
      </div>
      <div class="message-actions" role="toolbar" aria-label="Message actions">
        <button type="button" aria-label="Add reaction" title="Add reaction" onClick={() => setPicking((v) => !v)}>
          ☺
        </button>
        <button
          type="button"
          aria-label="Reply"
          title="Reply"
          onClick={() => {
            room.setReplyingTo(props.message.id);
            room.focusComposer();
          }}
        >
          ↩
        </button>
        <Show when={mine()}>
          <button type="button" aria-label="Edit" title="Edit" onClick={() => room.setEditing(props.message.id)}>
            ✎
          </button>
          <button type="button" aria-label="Delete" title="Delete" onClick={() => setConfirmingDelete(true)}>
            🗑
          </button>
        </Show>
      </div>
      <Show when={picking()}>
        <EmojiPicker
          onPick={(emoji) => {
            setPicking(false);
            const existing = room.reactionsOf(props.message.id).find((r) => r.emoji === emoji);
            room.react(props.message.id, emoji, !!existing?.mine);
          }}
          onClose={() => setPicking(false)}
        />
      </Show>
      <Show when={confirmingDelete()}>
        <div class="confirm-delete" role="alertdialog" aria-label="Delete this message?">
          <span>Delete this message?</span>
          <button
            type="button"
            class="danger"
            ref={(el) => queueMicrotask(() => el.focus())}
            onClick={() => {
              setConfirmingDelete(false);
              room.remove(props.message.id).catch((e: unknown) => room.fail('Deleting the message', e));
            }}
          >
            Delete
          </button>
          <button type="button" onClick={() => setConfirmingDelete(false)}>
            Cancel
          </button>
        </div>
      </Show>
    </li>
  );
}

function ReplyPreview(props: { target: string }) {
  const room = useRoom();
  const people = usePeople();
  const target = () => room.replyTargetOf(props.target);
  return (
    <div class="reply-preview">
      <span aria-hidden="true">↪ </span>
      <span class="visually-hidden">In reply to </span>
      <Show when={target() !== undefined} fallback={<span class="muted">…</span>}>
        <Show when={target()} fallback={<span class="muted">a deleted message</span>}>
          {(t) => (
            <>
              <span class="reply-author">{people.nameOf(t().author)}</span>{' '}
              <span class="reply-body">{t().body.replace(/\s+/g, ' ').slice(0, 120)}</span>
            </>
          )}
        </Show>
      </Show>
    </div>
  );
}

function Reactions(props: { messageId: string }) {
  const room = useRoom();
  const reactions = createMemo<readonly ReactionRow[]>(() => room.reactionsOf(props.messageId), [], {
    equals: sameItems,
  });
  return (
    <Show when={reactions().length}>
      <ul class="reactions" aria-label="Reactions">
        <For each={reactions()}>
          {(reaction) => (
            <li>
              <button
                type="button"
                class="reaction"
                aria-pressed={reaction.mine ? 'true' : 'false'}
                aria-label={`${reaction.emoji} ${reaction.count} ${reaction.count === 1 ? 'reaction' : 'reactions'}`}
                onClick={() => room.react(props.messageId, reaction.emoji, !!reaction.mine)}
              >
                <span aria-hidden="true">{reaction.emoji}</span> <span class="count">{reaction.count}</span>
              </button>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}

/** Enter saves, Shift+Enter adds a line, Escape cancels. */
function EditForm(props: { message: MessageRow }) {
  const room = useRoom();
  let field!: HTMLTextAreaElement;
  const [error, setError] = createSignal<string | null>(null);
  // eslint-disable-next-line solid/reactivity -- the draft starts from the body once; later edits by others do not overwrite it
  const [draft, setDraft] = createSignal(props.message.body);
  onMount(() => {
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  });

  function close() {
    room.setEditing(null);
    room.focusComposer();
  }
  async function save() {
    const body = draft().trim();
    if (!body) return;
    if (body === props.message.body) return close();
    try {
      await room.edit(props.message.id, body);
      close();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <form
      class="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea
        ref={field}
        aria-label="Edit message"
        maxLength={LIMITS.bodyChars}
        value={draft()}
        rows={Math.min(8, draft().split('\n').length)}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void save();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            close();
          }
        }}
      />
      <div class="edit-hint">
        Enter to save · Escape to cancel
        <button type="submit">Save</button>
        <button type="button" onClick={close}>
          Cancel
        </button>
      </div>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
    </form>
  );
}
