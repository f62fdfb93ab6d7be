/**
 * Only one host may own the database at a time, across every tab, worker, strategy and app version: it holds the
 * Web Lock HOST_LOCK for as long as it lives, and a second host waits for it. A host started because the previous
 * one froze (a frozen tab keeps its locks) steals the lock instead of waiting forever.
 */
export const HOST_LOCK = 'roomy-db-host';

/** Resolves once this context holds the lock, with the function that gives it back; `lost` fires if it is stolen. */
export function acquireHostLock(options: { steal: boolean; onLost: () => void }): Promise<() => void> {
  return new Promise((resolve, reject) => {
    let granted = false;
    navigator.locks
      .request(HOST_LOCK, { mode: 'exclusive', steal: options.steal }, () => {
        granted = true;
        return new Promise<void>((release) => resolve(release));
      })
      .catch((error: unknown) => {
        // A request whose lock was stolen rejects with AbortError: another host took over.
        if (granted) options.onLost();
        else reject(error);
      });
  });
}
