/**
 * `createQuery`: a live SQL query as a Solid store. Like `createResource`, it takes a reactive source (here the
 * query spec, or a falsy value for "no query yet") and works with Suspense and ErrorBoundary while the first
 * result loads. After that the host sends patches, applied in place with `produce`, so rows that did not change
 * keep their identity and their DOM nodes; a changed row is updated field by field.
 */
import { createResource, onCleanup, type Accessor } from 'solid-js';
import { createStore, produce, reconcile } from 'solid-js/store';
import type { QuerySpec, ResultRow } from '../../protocol/messages';
import { applyPatch, type Key } from '../../protocol/patch';
import type { LiveSource, LiveSubscription } from './client';

export interface QueryResult<T> {
  /** The rows. Reading it suspends while the first result loads and throws a failed query to an ErrorBoundary. */
  (): T[];
  loading: () => boolean;
  error: () => unknown;
}

export function createQuery<T extends ResultRow>(
  client: Accessor<LiveSource | undefined> | LiveSource,
  spec: Accessor<QuerySpec | false | null | undefined>,
): QueryResult<T> {
  const [state, setState] = createStore<{ rows: T[] }>({ rows: [] });
  let current: LiveSubscription | undefined;
  const getClient = typeof client === 'function' ? client : () => client;

  const source = () => {
    const c = getClient();
    const s = spec();
    return c && s ? { client: c, spec: s } : false;
  };

  const [resource] = createResource(source, async ({ client: c, spec: s }) => {
    const keyColumn = s.key ?? 'id';
    const keyOf = (row: ResultRow) => row[keyColumn] as Key;
    current?.dispose();
    current = c.subscribe(s, {
      onRows: (rows) => setState('rows', reconcile(rows as T[], { key: keyColumn, merge: true })),
      onPatch: (patch) =>
        setState(
          'rows',
          produce((rows) => applyPatch(rows as ResultRow[], patch, keyOf)),
        ),
      onError: (error) => console.error('[roomy] live query failed', s.sql, error),
    });
    await current.ready;
    return true;
  });

  onCleanup(() => current?.dispose());

  const read = () => {
    resource();
    return state.rows;
  };
  // eslint-disable-next-line solid/reactivity -- `read` is the accessor handed to the caller, who tracks it
  return Object.assign(read, { loading: () => resource.loading, error: () => resource.error as unknown });
}
