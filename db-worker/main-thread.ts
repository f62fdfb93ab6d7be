/**
 * The host on the tab's own main thread (`main` strategy, the last resort when workers fail). Same host, same
 * protocol: the tab talks to it through a MessageChannel, followers through the bus.
 */
import { serveBus } from './bus-server';
import { parseHostConfig } from './config';
import { DbHost, type Port } from './host';

export interface MainThreadHost {
  /** The tab's end of the connection. */
  port: MessagePort;
  host: DbHost;
  /** Ends the host as if its tab had died: no goodbye, locks released. */
  kill(): void;
  close(): Promise<void>;
}

export function startMainThreadHost(query: string): MainThreadHost {
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
  };
}
