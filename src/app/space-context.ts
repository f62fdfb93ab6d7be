/**
 * What the panes of an open space share: its rooms, the reader's unread counts, and whether the member list is
 * open.
 */
import { createContext, useContext } from 'solid-js';
import type { RoomRow, SpaceRow } from './queries';

export interface SpaceContextValue {
  stream: string;
  space: () => SpaceRow | undefined;
  rooms: () => RoomRow[];
  roomById: (id: string) => RoomRow | undefined;
  /** Unread messages in a room for the current user (0 when none or not known yet). */
  unreadOf: (room: string) => number;
  membersOpen: () => boolean;
  toggleMembers: () => void;
}

export const SpaceContext = createContext<SpaceContextValue>();

export function useSpace(): SpaceContextValue {
  const space = useContext(SpaceContext);
  if (!space) throw new Error('useSpace outside SpaceContext');
  return space;
}

/** localStorage, or nothing where it is blocked (some private modes): preferences are then not remembered. */
export const storage = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string) {
    try {
      localStorage.setItem(key, value);
    } catch {
      /* not remembered */
    }
  },
};

/** The room last opened in each space, so that coming back to a space reopens it. */
const LAST_ROOM_KEY = (space: string) => `roomy.lastRoom.${space}`;

export const rememberRoom = (space: string, room: string) => storage.set(LAST_ROOM_KEY(space), room);
export const lastRoom = (space: string) => storage.get(LAST_ROOM_KEY(space));
