/**
 * `createQuery`: a live SQL query as a Solid store. Like `createResource`, it takes a reactive source (here the
 * query spec, or a falsy value for "no query yet"):
 * - the first result suspends (Suspense shows its fallback) and a failure goes to the nearest ErrorBoundary, as
 *   does a failure of the live query later on;
 * - when the spec changes (another room, a larger window), the rows on screen stay until the new result arrives
 *   (`loading()` is true meanwhile), then the new rows are merged in by key: rows present in both keep their
 *   objects, so a window that grows does not re-create the rows it already showed;
 * - the host sends patches, applied in place with `produce` (the client runs all the patches of one commit in
 *   one Solid `batch`): rows that did not change keep their identity and their DOM nodes, a changed row is updated
 *   field by field, so only what changed re-renders;
 * - the subscription ends when the owner is disposed, or when the spec becomes falsy (the rows are then emptied).
 */
import { createComputed, createResource, createSignal, onCleanup, untrack, type Accessor } from 'solid-js';
import { createStore, produce, reconcile } from 'solid-js/store';
import type { QuerySpec, ResultRow } from '../../protocol/messages';
import { applyPatch, type Key } from '../../protocol/patch';
import type { LiveSource, LiveSubscription } from './client';

export interface QueryResult<T> {
  /** The rows. Reading it suspends while the first result loads and throws a failed query to an ErrorBoundary. */
  (): T[];
  /** True while a result (the first, or the one for a new spec) is on its way. */
  loading: () => boolean;
  /** The failure of the query, if any (reading the rows throws it too). */
  error: () => unknown;
}

export function createQuery<T extends ResultRow>(
  client: Accessor<LiveSource | undefined> | LiveSource,
  spec: Accessor<QuerySpec | false | null | undefined>,
): QueryResult<T> {
  const [state, setState] = createStore<{ rows: T[] }>({ rows: [] });
  /** A failure reported after the first result (e.g. a table the query reads was dropped). */
  const [failure, setFailure] = createSignal<unknown>(undefined);
  let current: LiveSubscription | undefined;
  const getClient = typeof client === 'function' ? client : () => client;

  const source = () => {
    const c = getClient();
    const s = spec();
    return c && s ? { client: c, spec: s } : false;
  };

  const stop = () => {
    current?.dispose();
    current = undefined;
  };

  // No spec, no subscription: end the one there was and show no rows.
  createComputed(() => {
    if (source()) return;
    untrack(stop);
    setState('rows', []);
  });

  const [resource] = createResource(source, async ({ client: c, spec: s }) => {
    const keyColumn = s.key ?? 'id';
    const keyOf = (row: ResultRow) => row[keyColumn] as Key;
    stop();
    setFailure(undefined);
    const subscription = c.subscribe(s, {
      onRows: (rows) => setState('rows', reconcile(rows as T[], { key: keyColumn, merge: true })),
      onPatch: (patch) =>
        setState(
          'rows',
          produce((rows) => applyPatch(rows as ResultRow[], patch, keyOf)),
        ),
      onError: (error) => {
        if (current === subscription) setFailure(error);
      },
    });
    current = subscription;
    await subscription.ready;
    return true;
  });

  onCleanup(stop);

  const read = () => {
    // `latest` suspends only until the first result; after that, the rows shown stay while a new spec loads.
    void resource.latest;
    const late = failure();
    if (late !== undefined) throw late;
    return state.rows;
  };
  // eslint-disable-next-line solid/reactivity -- `read` is the accessor handed to the caller, who tracks it
  return Object.assign(read, {
    loading: () => resource.loading,
    error: () => (resource.error as unknown) ?? failure(),
  });
}
