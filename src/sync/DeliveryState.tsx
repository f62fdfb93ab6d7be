import { For, Show, createMemo } from 'solid-js';
import { localWritesByMessage, type LocalWriteRow } from './local-writes';
import { discardWrites, retryWrites } from './outbox-actions';
import './sync.css';

export interface DeliveryStateProps {
  /** The message whose delivery to show: its own creation and this device's edits, deletes and reactions to it. */
  messageId: string;
}

const WHAT: Record<string, string> = {
  'message.create': 'Message',
  'message.edit': 'Edit',
  'message.delete': 'Delete',
  'reaction.add': 'Reaction',
  'reaction.remove': 'Reaction removal',
};

/**
 * A message's delivery badge. Renders nothing once every write about the message is confirmed by the server (or
 * when there never was one: messages of others). Otherwise:
 * - "Pending" while a write waits to be sent or for the server's copy to come back (its last network error, if
 *   any, in the tooltip);
 * - "<Message> not delivered: <the server's reason>" with Retry and Discard buttons when the server refused one.
 *
 * Self-contained: place `<DeliveryState messageId={message.id} />` inside a message. All badges share one live
 * query (src/sync/local-writes.ts). The root element has `data-delivery="pending" | "failed"` for styling and tests.
 */
export function DeliveryState(props: DeliveryStateProps) {
  const writes = createMemo(() => localWritesByMessage().get(props.messageId) ?? []);
  const failed = createMemo(() => writes().filter((w) => w.state === 'failed'));
  return (
    <Show when={writes().length > 0}>
      <Show when={failed().length > 0} fallback={<Pending writes={writes()} />}>
        <span class="delivery delivery-failed" data-delivery="failed" role="alert">
          <For each={failed()}>
            {(write) => (
              <span class="delivery-reason">
                {WHAT[write.type] ?? 'Change'} not delivered: {write.error ?? 'refused by the server'}
              </span>
            )}
          </For>
          <button type="button" onClick={() => void retryWrites(failed().map((w) => w.id))}>
            Retry
          </button>
          <button type="button" onClick={() => void discardWrites(failed().map((w) => w.id))}>
            Discard
          </button>
        </span>
      </Show>
    </Show>
  );
}

function Pending(props: { writes: LocalWriteRow[] }) {
  const error = () => props.writes.find((w) => w.error)?.error;
  return (
    <span
      class="delivery delivery-pending"
      data-delivery="pending"
      role="status"
      title={error() ? `Not sent yet (${error()}); will retry` : 'Waiting for the server'}
    >
      Pending
    </span>
  );
}
