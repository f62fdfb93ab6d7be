import { For, Show, createMemo, onCleanup } from 'solid-js';
import { openSyncDb, type SyncDb } from '../../../protocol/sync-store';
import { appliedPositions, controlled, outboxState, syncProgress } from '../../sync/service-worker';
import { poll } from './poll';

/** Entries waiting in the IndexedDB hand-over stores (cheap: counts, no values read). */
function storeDepths() {
  let db: Promise<SyncDb> | undefined;
  const depths = poll(async () => {
    db ??= openSyncDb();
    const sync = await db;
    const [inbox, outbox] = await Promise.all([sync.count('inbox'), sync.count('outbox')]);
    return { inbox, outbox };
  }, 2_000);
  onCleanup(
    () =>
      void db?.then(
        (d) => d.close(),
        () => {},
      ),
  );
  return depths;
}

/**
 * The sync pipeline: per stream, what the server has (head), what the service worker has received into the inbox,
 * and what the host has applied to SQLite; the difference is the inbox depth. Then the outbox of local writes.
 */
export function SyncSection() {
  const depths = storeDepths();
  const streams = createMemo(() => {
    const progress = syncProgress();
    const applied = appliedPositions();
    return (progress?.streams ?? []).map((s) => {
      const done = Math.min(s.seq, applied.get(s.stream) ?? s.seq);
      return { stream: s.stream, head: s.head, received: s.seq, applied: done, inbox: s.seq - done };
    });
  });
  return (
    <div class="devtools-section">
      <dl class="kv" aria-label="Sync">
        <dt>service worker</dt>
        <dd>{controlled() ? 'controls this page' : 'not controlling this page (yet)'}</dd>
        <dt>tail</dt>
        <dd data-field="live">{syncProgress() ? (syncProgress()!.live ? 'live' : 'catching up') : 'no report yet'}</dd>
        <dt>inbox</dt>
        <dd data-field="inbox">
          {streams()
            .reduce((n, s) => n + s.inbox, 0)
            .toLocaleString()}{' '}
          events received, not yet applied
          <Show when={depths.value()}>{(d) => <> ({d().inbox} IndexedDB entries)</>}</Show>
        </dd>
        <dt>outbox</dt>
        <dd data-field="outbox">
          {outboxState().pending} pending · {outboxState().failed} failed
          <Show when={depths.value()}>{(d) => <> ({d().outbox} IndexedDB entries)</>}</Show>
          <Show when={outboxState().lastError}>{(e) => <> · last error: {e()}</>}</Show>
        </dd>
      </dl>
      <Show when={depths.error()}>
        <p class="error" role="alert">
          {depths.error()}
        </p>
      </Show>
      <h3>Backfill</h3>
      <Show when={streams().length} fallback={<p class="empty">No stream reported yet.</p>}>
        <table class="devtools-table" aria-label="Backfill by stream">
          <thead>
            <tr>
              <th scope="col">stream</th>
              <th scope="col">server head</th>
              <th scope="col">received</th>
              <th scope="col">applied</th>
              <th scope="col">progress</th>
            </tr>
          </thead>
          <tbody>
            <For each={streams()}>
              {(s) => (
                <tr>
                  <td>
                    <code>{s.stream}</code>
                  </td>
                  <td>{s.head.toLocaleString()}</td>
                  <td>{s.received.toLocaleString()}</td>
                  <td>{s.applied.toLocaleString()}</td>
                  <td>
                    <progress max={Math.max(1, s.head)} value={s.applied} aria-label={`Stream ${s.stream} applied`} />
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
    </div>
  );
}
