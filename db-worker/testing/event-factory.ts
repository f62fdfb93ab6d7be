/** Builds valid events for tests, with ULIDs that increase in the order they are made. */
import { monotonicFactory } from 'ulidx';
import type { NewEvent, RoomyEvent } from '../../protocol/events';

type Payloads = { [E in NewEvent as E['type']]: E['payload'] };

export function eventFactory(start = Date.UTC(2025, 0, 1)) {
  let clock = start;
  const next = monotonicFactory();
  const id = () => next((clock += 1000));
  const stream = id();
  let seq = 0;
  function make<T extends keyof Payloads>(
    type: T,
    payload: Payloads[T],
    extra: { room?: string; user?: string; id?: string } = {},
  ): RoomyEvent {
    return {
      id: extra.id ?? id(),
      stream,
      type,
      user: extra.user ?? 'did:plc:alice',
      ...(extra.room ? { room: extra.room } : {}),
      payload,
      seq: ++seq,
    } as RoomyEvent;
  }
  return { id, stream, make };
}
