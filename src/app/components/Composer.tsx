import { Show, createSignal, onMount } from 'solid-js';
import { LIMITS } from '../../../protocol/events';
import { usePeople } from '../people';
import { useRoom } from '../room-context';

export interface ComposerHandle {
  focus(): void;
}

/**
 * The message box. Enter sends, Shift+Enter starts a new line, Up in an empty box edits one's last message,
 * Escape drops a reply. What was typed comes back if sending fails.
 */
export function Composer(props: {
  onSend: (body: string, replyTo: string | undefined) => Promise<unknown>;
  /** The id of the reader's newest message in the room, for Up. */
  lastOwnMessage: () => string | undefined;
  ref?: (handle: ComposerHandle) => void;
}) {
  const room = useRoom();
  const people = usePeople();
  let field!: HTMLTextAreaElement;
  const [text, setText] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);
  const hintId = 'composer-hint';

  onMount(() => props.ref?.({ focus: () => field.focus() }));

  async function send() {
    const body = text().trim();
    if (!body) return;
    const replyTo = room.replyingTo() ?? undefined;
    setText('');
    room.setReplyingTo(null);
    setError(null);
    try {
      await props.onSend(body, replyTo);
    } catch (e) {
      setText(body);
      room.setReplyingTo(replyTo ?? null);
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <Show when={room.replyingTo()}>
        {(target) => (
          <div class="replying-to">
            <span>
              Replying to <strong>{replyAuthor(target())}</strong>
            </span>
            <button type="button" aria-label="Cancel reply" onClick={() => room.setReplyingTo(null)}>
              ✕
            </button>
          </div>
        )}
      </Show>
      <textarea
        ref={field}
        aria-label={`Message #${room.roomName()}`}
        aria-describedby={hintId}
        placeholder={`Message #${room.roomName()}`}
        maxLength={LIMITS.bodyChars}
        rows={Math.min(6, Math.max(1, text().split('\n').length))}
        value={text()}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.isComposing) return;
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            void send();
          } else if (e.key === 'ArrowUp' && text() === '') {
            const last = props.lastOwnMessage();
            if (last) {
              e.preventDefault();
              room.setEditing(last);
            }
          } else if (e.key === 'Escape' && room.replyingTo()) {
            e.preventDefault();
            room.setReplyingTo(null);
          }
        }}
      />
      <button type="submit">Send</button>
      <p id={hintId} class="visually-hidden">
        Enter sends, Shift+Enter starts a new line, Up edits your last message.
      </p>
      <Show when={error()}>
        <p class="error" role="alert">
          Not sent: {error()}
        </p>
      </Show>
    </form>
  );

  function replyAuthor(messageId: string) {
    const target = room.messageOf(messageId);
    return target ? people.nameOf(target.author) : 'a message';
  }
}
