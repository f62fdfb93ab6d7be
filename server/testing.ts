/** Helpers shared by the server's tests: a store in a fresh temp dir, and valid events to append. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicFactory } from 'ulidx';
import type { NewEvent } from '../protocol/events';
import { openEventStore } from './event-store';
import type { EventStore } from './event-store';

export interface TempStore {
  store: EventStore;
  dir: string;
  /** Closes the store and deletes its folder. */
  dispose(): void;
}

export function tempDir(prefix = 'roomy-server-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tempStore(): TempStore {
  const dir = tempDir();
  const store = openEventStore(dir);
  return {
    store,
    dir,
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sortable and cheap: within a millisecond it increments instead of drawing 16 random characters. */
export const ulid = monotonicFactory();

export const ROOM = ulid();

export function message(stream: string, body = 'hello', id = ulid()): NewEvent {
  return { id, stream, type: 'message.create', room: ROOM, user: 'did:plc:alice', payload: { body } };
}

export function messages(stream: string, count: number): NewEvent[] {
  return Array.from({ length: count }, (_, i) => message(stream, `message ${i + 1}`));
}
