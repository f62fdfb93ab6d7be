/**
 * SharedWorker entry: one host for every tab of the origin. Its configuration is in the worker's name (a query
 * string), so tabs that ask for the same configuration share one worker.
 * The host starts on the first connection; ports that connect meanwhile are served once it is up.
 */
import { DbHost, parseHostConfig, type Port } from './host';

declare const self: SharedWorkerGlobalScope;

const config = parseHostConfig(self.name, {
  strategy: 'shared',
  vfs: 'IDBBatchAtomicVFS',
  database: 'roomy',
  debug: false,
});

let host: Promise<DbHost> | null = null;

self.addEventListener('connect', (event) => {
  const port = event.ports[0]!;
  host ??= DbHost.start(config);
  host.then(
    (h) => h.connect(port as unknown as Port),
    (error: unknown) => {
      // Tell the tab why, so it can fall back to another strategy instead of waiting.
      port.postMessage(JSON.stringify({ fatal: error instanceof Error ? error.message : String(error) }));
    },
  );
});
