/**
 * The messages of one room as the timeline shows them: a live "latest N" query, of which the rows from a floor
 * up are shown, oldest first (see window.ts for why). `loadOlder` moves the floor down, growing the query as needed.
 */
import { createEffect, createMemo, createSignal, untrack } from 'solid-js';
import { getDb } from '../../db';
import { createQuery } from '../../db/create-query';
import { timelineQuery, type MessageRow } from '../queries';
import { HEADROOM, PAGE, floorFor, limitWithHeadroom, olderStep, shownCount } from './window';

export interface Timeline {
  /** The shown messages, oldest first. Rows keep their identity across updates (they are store rows). */
  shown: () => MessageRow[];
  /** The first result has not arrived yet. */
  loading: () => boolean;
  /** Older messages are being fetched for `loadOlder`. */
  loadingOlder: () => boolean;
  /** There are older messages than the shown ones (loaded or not). */
  hasOlder: () => boolean;
  loadOlder: () => void;
  /** The query failed: throws its error (for an ErrorBoundary). */
  check: () => void;
}

const sameItems = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function createTimeline(room: string): Timeline {
  const [limit, setLimit] = createSignal(PAGE + HEADROOM);
  /** How many messages the reader asked to see; the floor is placed once that many are loaded. */
  const [request, setRequest] = createSignal({ want: PAGE, version: 1 });
  const rows = createQuery<MessageRow>(getDb(), () => timelineQuery(room, limit()));

  // Rows arrive newest first; ids in that order, for the floor arithmetic.
  const ids = createMemo(() => rows().map((r) => r.id));
  /**
   * Every message of the room is loaded: the query returned fewer rows than asked. While a bigger query loads, the
   * last verdict stands (so that "beginning of the room" does not flicker when the headroom is refilled).
   */
  const complete = createMemo<boolean>((last) => (rows.loading() ? last : ids().length < untrack(limit)), false);

  /**
   * The floor moves only when a request is served: when enough rows are loaded (or all there are), the floor is
   * put under the newest `want` of them. In between, arrivals at the top do not move it.
   */
  const placed = createMemo<{ floor: string | null; version: number }>(
    (previous) => {
      const { want, version } = request();
      const loaded = ids();
      if (version === previous.version || !(loaded.length >= want || complete())) return previous;
      return { floor: floorFor(loaded, want), version };
    },
    { floor: null, version: 0 },
  );
  const floor = () => placed().floor;

  const shown = createMemo(
    () => {
      const list = rows();
      const n = shownCount(ids(), floor());
      const out: MessageRow[] = new Array(n);
      for (let i = 0; i < n; i++) out[n - 1 - i] = list[i]!;
      return out;
    },
    [],
    { equals: sameItems },
  );

  // Keep the headroom: grow the query before arrivals would push shown rows out of it.
  createEffect(() => {
    const next = limitWithHeadroom(shown().length, untrack(limit));
    if (next > untrack(limit)) setLimit(next);
  });

  const loadingOlder = () => request().version !== placed().version;

  return {
    shown,
    loading: () => rows.loading() && ids().length === 0,
    loadingOlder,
    hasOlder: () => !complete() || shown().length < ids().length,
    loadOlder() {
      if (loadingOlder() || !untrack(() => !complete() || shown().length < ids().length)) return;
      const count = untrack(shown).length;
      const want = count + olderStep(count);
      setLimit((l) => Math.max(l, want + HEADROOM));
      setRequest((r) => ({ want, version: r.version + 1 }));
    },
    check: () => void rows(),
  };
}
