/**
 * The bus between tabs when the database host lives in one tab (its dedicated worker, or its main thread): the
 * `dedicated` and `main` strategies. Tabs elect a leader with the Web Lock LEADER_LOCK; the leader runs the host;
 * the other tabs (followers) reach it over one BroadcastChannel. Every bus message carries who it is for, and the
 * protocol message itself stays an opaque superjson string, so a tab only decodes what is addressed to it.
 *
 *   follower → host   { kind: 'to-host', from, data }       a protocol message (see messages.ts)
 *   host → follower   { kind: 'to-client', to, data }       the answer or an event for one follower
 *   host → all        { kind: 'host-ready', hostId }        a new host is serving: followers re-attach
 *   follower → host   { kind: 'bye', from }                 a follower tab is closing
 */
export const LEADER_LOCK = 'roomy-db-leader';
export const busChannelName = (database: string) => `roomy-db-bus:${database}`;

export type BusMessage =
  | { kind: 'to-host'; from: string; data: string }
  | { kind: 'to-client'; to: string; data: string }
  | { kind: 'host-ready'; hostId: string }
  | { kind: 'bye'; from: string };

/** Checks a bus message's shape where it enters a context; anything else is ignored. */
export function isBusMessage(value: unknown): value is BusMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.kind) {
    case 'to-host':
      return typeof m.from === 'string' && typeof m.data === 'string';
    case 'to-client':
      return typeof m.to === 'string' && typeof m.data === 'string';
    case 'host-ready':
      return typeof m.hostId === 'string';
    case 'bye':
      return typeof m.from === 'string';
    default:
      return false;
  }
}
