/**
 * The host's side of the tab bus (protocol/bus.ts): every follower tab that speaks on the BroadcastChannel gets a
 * port of its own, so the host serves it exactly like a tab connected through a MessagePort.
 */
import { busChannelName, isBusMessage, type BusMessage } from '../protocol/bus';
import type { DbHost, Port } from './host';

class BusPort implements Port {
  private listeners: ((event: MessageEvent) => void)[] = [];
  constructor(
    private readonly bus: { post(message: BusMessage): void },
    readonly clientId: string,
  ) {}
  postMessage(data: string) {
    this.bus.post({ kind: 'to-client', to: this.clientId, data });
  }
  addEventListener(_type: 'message', listener: (event: MessageEvent) => void) {
    this.listeners.push(listener);
  }
  deliver(data: string) {
    for (const listener of this.listeners) listener(new MessageEvent('message', { data }));
  }
}

/** Serves follower tabs for `host`; returns a function that stops. */
export function serveBus(host: DbHost, database: string): () => void {
  const channel = new BroadcastChannel(busChannelName(database));
  let open = true;
  // Answers can still be on their way when the bus closes (the host is going away): drop them.
  const bus = { post: (message: BusMessage) => open && channel.postMessage(message) };
  const ports = new Map<string, BusPort>();
  channel.onmessage = (event: MessageEvent) => {
    const message = event.data as unknown;
    if (!isBusMessage(message)) return;
    if (message.kind === 'to-host') {
      let port = ports.get(message.from);
      if (!port) {
        port = new BusPort(bus, message.from);
        ports.set(message.from, port);
        host.connect(port);
      }
      port.deliver(message.data);
    } else if (message.kind === 'bye') {
      const port = ports.get(message.from);
      if (port) host.disconnect(port);
      ports.delete(message.from);
    }
  };
  // Followers waiting on an older host re-attach at once instead of waiting for their heartbeat to fail.
  bus.post({ kind: 'host-ready', hostId: host.hostId });
  return () => {
    open = false;
    channel.close();
  };
}
