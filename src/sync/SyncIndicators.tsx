import { Match, Show, Switch, createMemo } from 'solid-js';
import { enablePush, pushState } from './push';
import { appliedPositions, outboxState, storageProblem, syncProgress, updateReady } from './service-worker';
import './sync.css';

/** A backfill shorter than this finishes before a bar would be worth showing. */
const BAR_THRESHOLD = 2_000;

/** Where the local database stands against the server: received (in the inbox) and applied, per stream summed. */
function useCatchUp() {
  const state = createMemo(() => {
    const p = syncProgress();
    if (!p) return null;
    const applied = appliedPositions();
    let head = 0;
    let received = 0;
    let done = 0;
    for (const s of p.streams) {
      head += s.head;
      received += s.seq;
      // Until the host reports, what is received counts as applied: the inbox is drained before anything else.
      done += Math.min(s.seq, applied.get(s.stream) ?? s.seq);
    }
    return { head, received, applied: done, live: p.live };
  });
  return state;
}

/** The sync state in the top bar: "live" / "catching up", a progress bar during long backfills. */
export function SyncProgressBar() {
  const state = useCatchUp();
  const behind = () => {
    const s = state();
    return s ? s.head - s.applied : 0;
  };
  return (
    <>
      <span class="sync-status" role="status">
        <Switch fallback="connecting…">
          <Match when={state()?.live && behind() === 0}>live</Match>
          <Match when={state()}>catching up ({behind().toLocaleString()} to go)</Match>
        </Switch>
      </span>
      <Show when={state() && state()!.head - state()!.applied > BAR_THRESHOLD}>
        <div class="sync-progress">
          <progress aria-label="Catching up with the server" max={state()!.head} value={state()!.applied} />
          <span class="sync-progress-text">
            {state()!.applied.toLocaleString()} of {state()!.head.toLocaleString()} events
          </span>
        </div>
      </Show>
    </>
  );
}

/** Writes that wait for the server, or that it refused, in the top bar. */
export function OutboxStatus() {
  return (
    <Show when={outboxState().pending + outboxState().failed > 0}>
      <span
        class="outbox-status"
        classList={{ 'outbox-failed': outboxState().failed > 0 }}
        role="status"
        title={outboxState().lastError ?? undefined}
      >
        <Show when={outboxState().pending > 0}>{outboxState().pending} unsent</Show>
        <Show when={outboxState().pending > 0 && outboxState().failed > 0}> · </Show>
        <Show when={outboxState().failed > 0}>{outboxState().failed} failed</Show>
      </span>
    </Show>
  );
}

/** Tells whether push notifications work here, and why not when they do not. Sync goes on either way. */
export function PushNotice() {
  return (
    <Switch>
      <Match when={pushState().state === 'ask'}>
        <button type="button" class="push-enable" onClick={() => void enablePush()}>
          Turn on notifications
        </button>
      </Match>
      <Match
        when={(() => {
          const s = pushState();
          return s.state === 'failed' || s.state === 'denied' || s.state === 'unsupported' ? s : null;
        })()}
      >
        {(s) => (
          <span class="push-unavailable" role="status" title={s().reason}>
            Notifications unavailable ({s().reason}); new messages still arrive while Roomy is open.
          </span>
        )}
      </Match>
    </Switch>
  );
}

/** "A new version is available": reloading activates it in every tab at once (none is left on the old one). */
export function UpdatePrompt() {
  return (
    <Show when={updateReady()}>
      {(reload) => (
        <div class="update-prompt" role="alert">
          A new version of Roomy is available.
          <button type="button" onClick={() => void reload()()}>
            Reload
          </button>
        </div>
      )}
    </Show>
  );
}

/** The device's storage refused a write (quota exhausted): new messages stop here, reading goes on. */
export function StorageProblem() {
  return (
    <Show when={storageProblem()}>
      {(message) => (
        <div class="storage-problem" role="alert">
          {message()}
        </div>
      )}
    </Show>
  );
}

/** Everything above, for the app's top bar. */
export function SyncIndicators() {
  return (
    <div class="sync-indicators">
      <StorageProblem />
      <UpdatePrompt />
      <PushNotice />
      <OutboxStatus />
      <SyncProgressBar />
    </div>
  );
}
