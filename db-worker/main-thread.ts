/**
 * The host on the tab's own main thread (`main` strategy, the last resort when workers fail). Same host, same
 * protocol: the tab talks to it through a MessageChannel, followers through the bus.
 */
import { serveBus } from './bus-server';
import { parseHostConfig } from './config';
import { DbHost, type Port } from './host';

/**
 * The storage layer's IndexedDB connections on this page (an IDB VFS names its database `<vfs>-<database>`) and
 * their unfinished transactions. WebKit puts a page into its back/forward cache as it is (an unload listener does
 * not keep it out): a transaction frozen unfinished there holds the database, and the next page of the origin
 * never gets its open of it answered. Closing the host is asynchronous, too late for `pagehide`; aborting and
 * closing are synchronous. An aborted transaction is a SQLite transaction that never committed, as when a tab
 * crashes: the events it applied are still in the service worker's inbox and are applied again.
 */
const storage = { connections: new Set<IDBDatabase>(), transactions: new Set<IDBTransaction>() };
let tracking = false;
function trackStorage() {
  if (tracking || typeof IDBFactory === 'undefined') return;
  tracking = true;
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (this: IDBFactory, ...args: Parameters<IDBFactory['open']>) {
    const request = open.apply(this, args);
    if (/VFS-/.test(args[0])) request.addEventListener('success', () => storage.connections.add(request.result));
    return request;
  };
  const transaction = IDBDatabase.prototype.transaction;
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
    const tx = transaction.apply(this, args);
    if (storage.connections.has(this)) {
      storage.transactions.add(tx);
      const done = () => storage.transactions.delete(tx);
      tx.addEventListener('complete', done);
      tx.addEventListener('abort', done);
      tx.addEventListener('error', done);
    }
    return tx;
  };
}

export interface MainThreadHost {
  /** The tab's end of the connection. */
  port: MessagePort;
  host: DbHost;
  /** Ends the host as if its tab had died: no goodbye, locks released. */
  kill(): void;
  close(): Promise<void>;
  /** Aborts the storage's unfinished IndexedDB transactions and closes its connections, at once (see above). */
  abandonStorage(): void;
}

export function startMainThreadHost(query: string): MainThreadHost {
  trackStorage();
  const config = parseHostConfig(query, 'main');
  const channel = new MessageChannel();
  let onExit = () => {};
  // A host that ends stops serving followers too: a closed host still answering on the bus would keep a follower
  // (this very tab, once it follows the next leader) talking to it instead of the leader's host.
  const end = (reason: string) => {
    stopBus();
    channel.port1.close();
    return host.close(reason);
  };
  const host: DbHost = DbHost.create(config, {
    // A crash on the main thread cannot end the tab: end the host as a dead tab would, releasing its locks.
    exit: (reason) => {
      void end(reason);
      onExit();
    },
  });
  host.connect(channel.port1 as unknown as Port);
  // Followers are served from the start: they get heartbeats while the database opens.
  const stopBus = serveBus(host, config.database);
  return {
    port: channel.port2,
    host,
    kill: () => {
      onExit = () => channel.port2.close();
      void host.close('killed');
    },
    close: () => end('closed'),
    abandonStorage: () => {
      for (const tx of storage.transactions) {
        try {
          tx.abort();
        } catch {
          /* finished meanwhile */
        }
      }
      for (const connection of storage.connections) connection.close();
      storage.transactions.clear();
      storage.connections.clear();
    },
  };
}
