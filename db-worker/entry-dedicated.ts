/**
 * Dedicated worker entry: the host of the leader tab (`dedicated` strategy). The leader talks to it through the
 * worker itself; follower tabs through the bus. Here, and only here, OPFS synchronous access handles exist.
 */
import { serveBus } from './bus-server';
import { parseHostConfig } from './config';
import { DbHost, type Port } from './host';

declare const self: DedicatedWorkerGlobalScope;

const config = parseHostConfig(self.name, 'dedicated');
const host: DbHost = DbHost.create(config, {
  exit: (reason) => {
    console.info('[roomy] dedicated host ended:', reason);
    stopBus();
    self.close();
  },
});
host.connect(self as unknown as Port);
// Followers are served from the start: they get heartbeats while the database opens.
const stopBus = serveBus(host, config.database);
