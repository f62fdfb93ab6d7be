import { createSignal, onCleanup, type Accessor } from 'solid-js';

export interface Polled<T> {
  value: Accessor<T | undefined>;
  error: Accessor<string | null>;
  /** When the value was last fetched. */
  at: Accessor<number | null>;
  refresh: () => void;
}

/**
 * Fetches something now and every `everyMs` while the calling component lives, one fetch at a time. Plain
 * signals, not a resource: a refresh must not blank the panel (no Suspense), and a failure is shown next to the
 * last good value.
 */
export function poll<T>(fetch: () => Promise<T>, everyMs: number): Polled<T> {
  const [value, setValue] = createSignal<T>();
  const [error, setError] = createSignal<string | null>(null);
  const [at, setAt] = createSignal<number | null>(null);
  let running = false;
  let disposed = false;
  const refresh = () => {
    if (running || disposed) return;
    running = true;
    fetch()
      .then(
        (v) => {
          if (disposed) return;
          setValue(() => v);
          setError(null);
          setAt(Date.now());
        },
        (e: unknown) => !disposed && setError(e instanceof Error ? e.message : String(e)),
      )
      .finally(() => (running = false));
  };
  refresh();
  const timer = setInterval(refresh, everyMs);
  onCleanup(() => {
    disposed = true;
    clearInterval(timer);
  });
  return { value, error, at, refresh };
}
