/**
 * SharedWorker entry: one host for every tab of the origin. Its configuration is the worker's name (a query string,
 * see config.ts), so tabs that ask for the same configuration share one worker.
 */
import { parseHostConfig } from './config';
import { DbHost, type Port } from './host';

declare const self: SharedWorkerGlobalScope;

let host: DbHost | null = null;

function getHost(): DbHost {
  // A host that was shut down (strategy switch) or lost its lock is replaced on the next connection.
  host ??= DbHost.create(parseHostConfig(self.name, 'shared'), {
    exit: (reason) => {
      console.info('[roomy] shared host ended:', reason);
      host = null;
      if (/crash/.test(reason)) self.close();
    },
  });
  return host;
}

self.addEventListener('connect', (event) => {
  getHost().connect(event.ports[0] as unknown as Port);
});
