/**
 * What the messages of an open room share: who is reading, the reactions and reply previews of the messages on
 * screen, which message is being edited or replied to, and the actions on messages.
 */
import { createContext, useContext } from 'solid-js';
import type { MessageRow, ReactionRow, ReplyTargetRow } from './queries';

export interface RoomContextValue {
  stream: string;
  room: string;
  roomName: () => string;
  me: () => string;
  /** Reactions of a message on screen, in the order they were first given (an empty array when none). */
  reactionsOf: (messageId: string) => readonly ReactionRow[];
  /** A message of this room that is shown (loaded and above the floor). */
  messageOf: (messageId: string) => MessageRow | undefined;
  /** The message a reply quotes: undefined while loading, null when it is gone (deleted or never arrived). */
  replyTargetOf: (messageId: string) => ReplyTargetRow | null | undefined;
  editing: () => string | null;
  setEditing: (messageId: string | null) => void;
  replyingTo: () => string | null;
  setReplyingTo: (messageId: string | null) => void;
  react: (messageId: string, emoji: string, mine: boolean) => void;
  edit: (messageId: string, body: string) => Promise<unknown>;
  remove: (messageId: string) => Promise<unknown>;
  /** Puts the composer's focus back (after an edit or a reply is chosen). */
  focusComposer: () => void;
  /** Shows an action's failure to the user. */
  fail: (what: string, error: unknown) => void;
}

export const RoomContext = createContext<RoomContextValue>();

export function useRoom(): RoomContextValue {
  const room = useContext(RoomContext);
  if (!room) throw new Error('useRoom outside RoomContext');
  return room;
}
