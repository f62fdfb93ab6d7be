/**
 * A deterministic generator of hostile events for e2e/hostile.spec.ts: malformed events (wrong types, huge bodies,
 * missing fields, markup and SQL where an id, a type or a DID belongs), events the server takes but the
 * materializer must refuse (a second space.create, someone else's edit, a message moved between rooms), events that
 * point at rooms or messages that never come, and valid events between them whose every text field carries markup,
 * SQL and Unicode edge cases. Each event comes with what must become of it, so the test can check every one.
 */
import { monotonicFactory } from 'ulidx';
import { LIMITS } from '../protocol/events';

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Text that must come out on screen exactly as it went in. Markup calls `window.__pwned`/`alert` if it ever runs;
 * none of these is markdown that changes its own text (no `*`, `_`, backticks, entities or line breaks): the body
 * renderer is a markdown renderer, and what is checked here is that markup and SQL stay text.
 */
export const HOSTILE_TEXT: readonly string[] = [
  '<script>window.__pwned=1;alert(1)</script>',
  '<img src=x onerror="window.__pwned=1;alert(1)">',
  '<svg onload=alert(1)><circle r=5></circle></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '"><img src=x onerror=alert(1)>',
  "'); DROP TABLE messages;--",
  "Robert'); DROP TABLE rooms; --",
  '1 OR 1=1; DELETE FROM events WHERE 1=1; --',
  "' UNION SELECT id, body FROM messages --",
  "x'); ATTACH DATABASE '/tmp/x' AS y; --",
  '\u202Egnp.exe \u202Bمرحبا بالعالم\u202C עברית',
  'zero\u200Bwidth\u200Cjoiner\u200Dand\uFEFFbom',
  'Z\u0351\u0334\u0322a\u0306\u0338l\u0335\u0327g\u0337\u0328o\u0315\u0362 c\u0301\u0301\u0301ombining',
  '👨‍👩‍👧‍👦 🏳️‍🌈 🇫🇷 👍🏽 family and flags',
  'lone \uD800 high and \uDC00 low surrogates',
  '𝕦𝕟𝕚𝕔𝕠𝕕𝕖 𝐛𝐨𝐥𝐝 \u{10FFFF} last code point',
  '{{constructor.constructor("alert(1)")()}} ${alert(1)}',
  '<a href="javascript:alert(1)">click</a> <form action=x><button>go</button></form>',
  '<style>body{display:none}</style> <link rel=stylesheet href=x>',
];

/** Names and emoji have lower limits: the hostile strings that fit each. */
const fitting = (max: number) => HOSTILE_TEXT.filter((s) => s.trim().length > 0 && s.length <= max);
const NAMES = fitting(LIMITS.nameChars);
const EMOJI = fitting(LIMITS.emojiChars);
const DISPLAY_NAMES = fitting(LIMITS.displayNameChars);

/**
 * What must happen to an event:
 * - `applied`: the server accepts it and the materializer applies it;
 * - `server`: the server refuses it in its answer (`rejected`), with an error that matches `reason`;
 * - `host`: the server accepts it, the materializer keeps it in rejected_events with a reason that matches;
 * - `waiting`: the server accepts it; it refers to a room or message that never comes, so it waits.
 */
export type Fate = 'applied' | 'server' | 'host' | 'waiting';

export interface Generated {
  event: unknown;
  /** Its id, when the server can report it back (a string of at most 64 characters). */
  id: string | null;
  fate: Fate;
  reason?: RegExp;
  kind: string;
}

export interface HostileWorld {
  stream: string;
  /** A channel of the space: the hostile messages go here. */
  room: string;
  /** Another channel of the same space. */
  otherRoom: string;
  /** A room of another space (stream `foreignStream`). */
  foreignRoom: string;
  foreignStream: string;
  /** An event id already stored in the other space. */
  foreignEventId: string;
}

export interface Expected {
  /** Body of every message that must be shown, by id (after the last edit). */
  bodies: Map<string, string>;
  /** Reactions that must be shown: message id → emoji set. */
  reactions: Map<string, Set<string>>;
  /** Final display names by user, final names of the room and the other room, the space's description. */
  displayNames: Map<string, string>;
  otherRoomName: string | null;
  description: string | null;
}

const AUTHORS = ['did:plc:mallory', 'did:plc:bob', 'did:plc:carol'];

/**
 * `count` events: about 45% applied, 30% refused by the server, 12% refused by the materializer and 13% waiting,
 * drawn at random (seeded) and interleaved.
 */
export function generateHostile(world: HostileWorld, seed: number, count: number) {
  const random = seededRandom(seed);
  const newId = monotonicFactory(random);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const chance = (p: number) => random() < p;
  const { stream, room } = world;
  const out: Generated[] = [];
  const expected: Expected = {
    bodies: new Map(),
    reactions: new Map(),
    displayNames: new Map(),
    otherRoomName: null,
    description: null,
  };
  /** Messages created so far (valid ones), with their authors. */
  const messages: { id: string; author: string }[] = [];
  const text = () => (chance(0.3) ? `${pick(HOSTILE_TEXT)} ${pick(HOSTILE_TEXT)}` : pick(HOSTILE_TEXT));
  const base = <E extends Record<string, unknown>>(type: string, extra?: E) => ({
    id: newId(),
    stream,
    room,
    type,
    user: pick(AUTHORS),
    ...(extra as E),
  });
  const add = (event: Record<string, unknown> | unknown, fate: Fate, kind: string, reason?: RegExp) => {
    const id = (event as { id?: unknown } | null)?.id;
    out.push({ event, id: typeof id === 'string' && id.length <= 64 ? id : null, fate, kind, reason });
  };

  type Maker = [weight: number, make: () => void];
  const makers: Maker[] = [
    // ---- applied ----
    [
      26,
      () => {
        const e = base('message.create', { payload: { body: text() } });
        add(e, 'applied', 'message');
        messages.push({ id: e.id, author: e.user });
        expected.bodies.set(e.id, e.payload.body);
      },
    ],
    [
      2,
      () => {
        // A body of exactly the limit: the largest valid message.
        const body =
          `${pick(HOSTILE_TEXT)} `
            .repeat(400)
            .slice(0, LIMITS.bodyChars - 3)
            .trim() + ' ok';
        const e = base('message.create', { payload: { body } });
        add(e, 'applied', 'message at the size limit');
        messages.push({ id: e.id, author: e.user });
        expected.bodies.set(e.id, body);
      },
    ],
    [
      6,
      () => {
        if (!messages.length) return;
        const target = pick(messages);
        const emoji = pick(EMOJI);
        add(base('reaction.add', { payload: { messageId: target.id, emoji } }), 'applied', 'reaction');
        const set = expected.reactions.get(target.id) ?? new Set();
        expected.reactions.set(target.id, set.add(emoji));
      },
    ],
    [
      5,
      () => {
        if (!messages.length) return;
        const target = pick(messages);
        const body = text();
        add(base('message.edit', { user: target.author, payload: { messageId: target.id, body } }), 'applied', 'edit');
        expected.bodies.set(target.id, body);
      },
    ],
    [
      2,
      () => {
        const user = pick(AUTHORS);
        const displayName = pick(DISPLAY_NAMES);
        add(base('profile.update', { user, room: undefined, payload: { displayName } }), 'applied', 'profile');
        expected.displayNames.set(user, displayName);
      },
    ],
    [
      2,
      () => {
        const name = pick(NAMES);
        add(base('room.update', { room: world.otherRoom, payload: { name } }), 'applied', 'room rename');
        expected.otherRoomName = name;
      },
    ],
    [
      2,
      () => {
        const description = text();
        add(base('space.update', { room: undefined, payload: { description } }), 'applied', 'space description');
        expected.description = description;
      },
    ],
    // ---- refused by the server, with a reason ----
    [
      4,
      () => {
        const body = pick<unknown>([42, null, true, ['<script>'], { $gt: '' }, -0.5]);
        add(base('message.create', { payload: { body } }), 'server', 'body of a wrong type', /payload\.body/);
      },
    ],
    [
      3,
      () => {
        const body = 'A'.repeat(LIMITS.bodyChars + 1 + Math.floor(random() * 20_000));
        add(base('message.create', { payload: { body } }), 'server', 'huge body', /at most 10000 characters/);
      },
    ],
    [2, () => add(base('message.create', { payload: { body: '' } }), 'server', 'empty body', /must not be empty/)],
    [
      3,
      () =>
        add(
          base(pick(HOSTILE_TEXT), { payload: { body: 'x' } }),
          'server',
          'markup or SQL as the type',
          /unknown event type/,
        ),
    ],
    [
      3,
      () =>
        add(
          { ...base('message.create', { payload: { body: 'x' } }), id: pick(HOSTILE_TEXT) },
          'server',
          'markup or SQL as the id',
          /id: must be a ULID/,
        ),
    ],
    [
      3,
      () =>
        add(
          base('message.create', { user: pick(HOSTILE_TEXT), payload: { body: 'x' } }),
          'server',
          'markup or SQL as the author',
          /user: must be a DID/,
        ),
    ],
    [
      2,
      () =>
        add(
          base('message.create', { payload: { body: 'x', html: pick(HOSTILE_TEXT) } }),
          'server',
          'an extra field',
          /payload\.html: Invalid key/,
        ),
    ],
    [
      2,
      () =>
        add(
          base('message.create', { stream: world.foreignStream, payload: { body: 'x' } }),
          'server',
          'another stream in the envelope',
          /does not match the stream/,
        ),
    ],
    [2, () => add(base('message.create', { room: undefined, payload: { body: 'x' } }), 'server', 'no room', /^room: /)],
    [
      2,
      () => add(pick<unknown>([null, 42, 'message.create', [], [{}], false]), 'server', 'not an object', /JSON object/),
    ],
    [
      2,
      () => {
        // The local SQLite binding would cut text at a NUL: refused at the door (protocol/events.ts).
        const [type, payload, field] = pick([
          ['message.create', { body: `nul \u0000 ${pick(HOSTILE_TEXT)}` }, 'body'],
          ['space.update', { name: 'nul\u0000' }, 'name'],
          ['profile.update', { displayName: '\u0000' }, 'displayName'],
        ] as const);
        add(base(type, { payload }), 'server', 'a NUL character', new RegExp(`payload\\.${field}: .*U\\+0000`));
      },
    ],
    [
      1,
      () =>
        add(
          base('profile.update', { room: undefined, payload: { avatarUrl: 'javascript:alert(1)' } }),
          'server',
          'a javascript: avatar',
          /https: URL/,
        ),
    ],
    [
      1,
      () =>
        add(
          base('room.create', { room: newId(), payload: { kind: '<b>', name: 'x' } }),
          'server',
          'a kind that is markup',
          /payload\.kind/,
        ),
    ],
    [
      1,
      () =>
        add(
          base('room.create', { room: newId(), payload: { kind: 'channel', name: 'N'.repeat(LIMITS.nameChars + 1) } }),
          'server',
          'a name over its limit',
          /payload\.name/,
        ),
    ],
    [
      1,
      () => {
        if (!messages.length) return;
        add(
          base('reaction.add', { payload: { messageId: pick(messages).id, emoji: '😀'.repeat(17) } }),
          'server',
          'an emoji over its limit',
          /payload\.emoji/,
        );
      },
    ],
    [1, () => add(base('message.create', { seq: -1, payload: { body: 'x' } }), 'server', 'a negative seq', /^seq: /)],
    [
      1,
      () =>
        add(
          { ...base('message.create', { payload: { body: 'x' } }), id: world.foreignEventId },
          'server',
          "another space's event id",
          /already used in stream/,
        ),
    ],
    // ---- accepted by the server, refused by the materializer ----
    [
      2,
      () =>
        add(
          base('space.create', { room: undefined, payload: { name: pick(NAMES) } }),
          'host',
          'a second space.create',
          /already created/,
        ),
    ],
    [
      2,
      () =>
        add(
          base('room.create', { room, payload: { kind: 'channel', name: pick(NAMES) } }),
          'host',
          'an existing room created again',
          /already exists/,
        ),
    ],
    [
      1,
      () => {
        const id = newId();
        add(
          base('room.create', { room: id, payload: { kind: 'channel', name: 'loop', parent: id } }),
          'host',
          'a room its own parent',
          /own parent/,
        );
      },
    ],
    [
      2,
      () => {
        if (!messages.length) return;
        const target = pick(messages);
        const user = AUTHORS.find((a) => a !== target.author)!;
        add(
          base('message.edit', { user, payload: { messageId: target.id, body: text() } }),
          'host',
          "someone else's edit",
          /only the author can edit/,
        );
      },
    ],
    [
      2,
      () => {
        if (!messages.length) return;
        const target = pick(messages);
        const user = AUTHORS.find((a) => a !== target.author)!;
        add(
          base('message.delete', { user, payload: { messageId: target.id } }),
          'host',
          "someone else's delete",
          /only the author can delete/,
        );
      },
    ],
    [
      2,
      () => {
        if (!messages.length) return;
        add(
          base('reaction.add', {
            room: world.otherRoom,
            payload: { messageId: pick(messages).id, emoji: pick(EMOJI) },
          }),
          'host',
          'a reaction through another room',
          /is not in room/,
        );
      },
    ],
    [
      1,
      () =>
        add(
          base('room.update', { room: world.foreignRoom, payload: { name: pick(NAMES) } }),
          'host',
          "another space's room",
          /belongs to another space/,
        ),
    ],
    // ---- waiting for something that never comes ----
    [6, () => add(base('message.create', { room: newId(), payload: { body: text() } }), 'waiting', 'a missing room')],
    [
      4,
      () =>
        add(
          base('reaction.add', { payload: { messageId: newId(), emoji: pick(EMOJI) } }),
          'waiting',
          'a missing message',
        ),
    ],
    [
      3,
      () =>
        add(
          base('message.edit', { payload: { messageId: newId(), body: text() } }),
          'waiting',
          'an edit of a missing message',
        ),
    ],
  ];
  const total = makers.reduce((n, [w]) => n + w, 0);
  while (out.length < count) {
    let r = random() * total;
    for (const [weight, make] of makers) {
      r -= weight;
      if (r < 0) {
        make();
        break;
      }
    }
  }
  // JSON has no `undefined`: drop the fields set to it, as a client's JSON.stringify would.
  for (const g of out) g.event = JSON.parse(JSON.stringify(g.event)) as unknown;
  return { events: out.slice(0, count), expected };
}
