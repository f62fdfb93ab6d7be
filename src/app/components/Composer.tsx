import { createSignal } from 'solid-js';
import { LIMITS } from '../../../protocol/events';

/** Enter sends, Shift+Enter starts a new line. */
export function Composer(props: { roomName: string; onSend: (body: string) => Promise<unknown> }) {
  const [text, setText] = createSignal('');
  const [error, setError] = createSignal<string | null>(null);

  async function send() {
    const body = text().trim();
    if (!body) return;
    setText('');
    setError(null);
    try {
      await props.onSend(body);
    } catch (e) {
      setText(body);
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
      <textarea
        aria-label={`Message #${props.roomName}`}
        placeholder={`Message #${props.roomName}`}
        maxLength={LIMITS.bodyChars}
        rows={1}
        value={text()}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <button type="submit">Send</button>
      {error() && (
        <p class="error" role="alert">
          {error()}
        </p>
      )}
    </form>
  );
}
