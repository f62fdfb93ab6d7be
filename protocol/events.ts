/**
 * The event envelope and the event types: the contract between the event server, the service worker and the
 * database host (see ../shared/design/events.md). Every context validates events with `parseEvent` where they
 * enter it, so a malformed event is refused with a reason instead of corrupting state further down.
 */
import * as v from 'valibot';

/** Limits shared by the server (which refuses) and the host (which rejects whatever slipped past). */
export const LIMITS = {
  bodyChars: 10_000,
  nameChars: 100,
  descriptionChars: 1_000,
  emojiChars: 32,
  displayNameChars: 64,
  urlChars: 2_048,
  userChars: 256,
  /** Events per POST. */
  batchEvents: 1_000,
  /** Bytes per POST body. */
  batchBytes: 1024 * 1024,
} as const;

const ULID_RE = /^[0-9A-HJKMNP-TV-Z]{26}$/;
export const isUlid = (s: unknown): s is string => typeof s === 'string' && ULID_RE.test(s);

const ulid = v.pipe(v.string(), v.regex(ULID_RE, 'must be a ULID'));
/**
 * Why no U+0000 in any text: the local database's SQLite binding (wa-sqlite) passes text as C strings, so a NUL
 * would silently cut the local copy short while the server kept it whole. Refused where events enter instead.
 */
const noNul = v.check((s: string) => !s.includes('\u0000'), 'must not contain the character U+0000');
const text = (max: number) => v.pipe(v.string(), v.maxLength(max, `must be at most ${max} characters`), noNul);
const name = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(LIMITS.nameChars), noNul);
const httpsUrl = v.pipe(
  v.string(),
  v.maxLength(LIMITS.urlChars),
  noNul,
  v.check((s) => /^https:\/\/[^\s]+$/i.test(s), 'must be an https: URL'),
);
const user = v.pipe(
  v.string(),
  v.maxLength(LIMITS.userChars),
  v.regex(/^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$/, 'must be a DID such as did:plc:abc'),
);
const empty = v.strictObject({});

const base = {
  id: ulid,
  stream: ulid,
  user,
  room: v.optional(ulid),
  seq: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  receivedAt: v.optional(v.number()),
};
/** Events about one room carry its id in `room`; for `room.create` it is the new room's id. */
const inRoom = { ...base, room: ulid };

const eventSchemas = [
  v.strictObject({
    ...base,
    type: v.literal('space.create'),
    payload: v.strictObject({ name, description: v.optional(text(LIMITS.descriptionChars)) }),
  }),
  v.strictObject({
    ...base,
    type: v.literal('space.update'),
    payload: v.strictObject({ name: v.optional(name), description: v.optional(text(LIMITS.descriptionChars)) }),
  }),
  v.strictObject({ ...base, type: v.literal('space.join'), payload: empty }),
  v.strictObject({ ...base, type: v.literal('space.leave'), payload: empty }),
  v.strictObject({
    ...inRoom,
    type: v.literal('room.create'),
    payload: v.strictObject({
      kind: v.picklist(['channel', 'thread', 'category']),
      name,
      parent: v.optional(ulid),
    }),
  }),
  v.strictObject({
    ...inRoom,
    type: v.literal('room.update'),
    payload: v.strictObject({ name: v.optional(name), parent: v.optional(v.nullable(ulid)) }),
  }),
  v.strictObject({ ...inRoom, type: v.literal('room.delete'), payload: empty }),
  v.strictObject({
    ...inRoom,
    type: v.literal('message.create'),
    payload: v.strictObject({
      body: v.pipe(text(LIMITS.bodyChars), v.minLength(1, 'must not be empty')),
      replyTo: v.optional(ulid),
    }),
  }),
  v.strictObject({
    ...inRoom,
    type: v.literal('message.edit'),
    payload: v.strictObject({
      messageId: ulid,
      body: v.pipe(text(LIMITS.bodyChars), v.minLength(1, 'must not be empty')),
    }),
  }),
  v.strictObject({ ...inRoom, type: v.literal('message.delete'), payload: v.strictObject({ messageId: ulid }) }),
  v.strictObject({
    ...inRoom,
    type: v.literal('reaction.add'),
    payload: v.strictObject({ messageId: ulid, emoji: v.pipe(text(LIMITS.emojiChars), v.minLength(1)) }),
  }),
  v.strictObject({
    ...inRoom,
    type: v.literal('reaction.remove'),
    payload: v.strictObject({ messageId: ulid, emoji: v.pipe(text(LIMITS.emojiChars), v.minLength(1)) }),
  }),
  v.strictObject({
    ...base,
    type: v.literal('profile.update'),
    payload: v.strictObject({
      displayName: v.optional(v.pipe(text(LIMITS.displayNameChars), v.trim(), v.minLength(1))),
      avatarUrl: v.optional(v.nullable(httpsUrl)),
    }),
  }),
  v.strictObject({ ...inRoom, type: v.literal('read.mark'), payload: v.strictObject({ upTo: ulid }) }),
] as const;

export const EventSchema = v.variant('type', eventSchemas);

/** A validated event. `seq` and `receivedAt` are present once the server has appended it. */
export type RoomyEvent = v.InferOutput<typeof EventSchema>;
export type EventType = RoomyEvent['type'];
export type EventOf<T extends EventType> = Extract<RoomyEvent, { type: T }>;
export type PayloadOf<T extends EventType> = EventOf<T>['payload'];
/** What an author writes: the server adds `seq` and `receivedAt`. */
export type NewEvent = { [T in EventType]: Omit<EventOf<T>, 'seq' | 'receivedAt'> }[EventType];

export const EVENT_TYPES: readonly EventType[] = eventSchemas.map((s) => s.entries.type.literal);

export type ParseResult = { ok: true; event: RoomyEvent } | { ok: false; error: string };

/**
 * Validates one event of unknown shape. The error names the field and what is wrong with it. Every field has a
 * length limit and no other field is allowed, so a valid event is also a small one (under 48 KiB): no separate
 * size check is needed, which matters on the ingest path.
 */
export function parseEvent(input: unknown): ParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, error: 'event must be a JSON object' };
  }
  const type = (input as { type?: unknown }).type;
  if (typeof type !== 'string' || !EVENT_TYPES.includes(type as EventType)) {
    return { ok: false, error: `unknown event type ${JSON.stringify(type)?.slice(0, 64) ?? 'undefined'}` };
  }
  const result = v.safeParse(EventSchema, input);
  if (result.success) return { ok: true, event: result.output };
  return { ok: false, error: describeIssues(result.issues) };
}

function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = v.getDotPath(issue) ?? '(event)';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

/** The id of the message an event refers to, for the types that refer to one. */
export function referencedMessage(event: RoomyEvent): string | undefined {
  switch (event.type) {
    case 'message.edit':
    case 'message.delete':
    case 'reaction.add':
    case 'reaction.remove':
      return event.payload.messageId;
    default:
      return undefined;
  }
}
