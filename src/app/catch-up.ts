/**
 * Whether the local database has (nearly) caught up with the server. Some live queries are worth running only
 * then: the unread counts read every message, and during a backfill of Roomy's largest space (126k events in
 * batches of 1,000) re-running them after every batch would take more of the host's time than the backfill itself.
 *
 * It latches: once caught up, a later burst of events does not turn it off again. Without a service worker (no
 * progress reports at all) it turns on after a short wait.
 */
import { createMemo, createRoot, createSignal } from 'solid-js';
import { appliedPositions, syncProgress } from '../sync/service-worker';

/** Events still to apply below which the app counts as caught up. */
const NEARLY = 2_000;
const NO_REPORT_MS = 5_000;

export const caughtUp = createRoot(() => {
  const [waited, setWaited] = createSignal(false);
  setTimeout(() => setWaited(true), NO_REPORT_MS);
  const caught = createMemo<boolean>((was) => {
    if (was) return true;
    const progress = syncProgress();
    if (!progress) return waited();
    const applied = appliedPositions();
    let behind = 0;
    for (const s of progress.streams) behind += s.head - Math.min(s.seq, applied.get(s.stream) ?? s.seq);
    return behind < NEARLY;
  }, false);
  return caught;
});
