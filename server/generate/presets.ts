/**
 * The shapes of generated spaces. A preset fixes the proportions (reactions per message, share of the busiest room,
 * …); options may override the seed and the three sizes, and every other count scales with them.
 */

export const PRESET_NAMES = ['demo', 'small', 'roomy-largest'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface GenerateOptions {
  preset?: PresetName;
  seed?: number;
  /** Rooms of every kind (categories, channels, threads). */
  rooms?: number;
  /** message.create events, replies included. */
  messages?: number;
  users?: number;
}

interface Preset {
  name: string;
  description: string;
  rooms: number;
  categories: number;
  threads: number;
  messages: number;
  users: number;
  /** Users who join before any message; the others join while the space is active. */
  initialUsers: number;
  reactions: number;
  replies: number;
  edits: number;
  deletes: number;
  readMarks: number;
  /** The busiest room's share of all messages: one room must be huge, to test scrolling. */
  hugeRoomShare: number;
  /** Index (among channels) of the busiest room. */
  hugeChannel: number;
  /** The synthetic clock runs from 2025-01-01 over about this many days. */
  spanDays: number;
  /** Names used by position before generated ones; a channel names its category, a thread its channel. */
  names?: {
    categories: readonly string[];
    channels: readonly (readonly [name: string, category: number])[];
    threads: readonly (readonly [name: string, channel: number])[];
  };
}

const PRESETS: Record<PresetName, Preset> = {
  demo: {
    name: 'Roomy Demo',
    description:
      'A living sample space: channels, a thread, reactions and replies, all generated. Post something: it syncs to every open tab.',
    rooms: 12,
    categories: 3,
    threads: 1,
    messages: 300,
    users: 6,
    initialUsers: 6,
    reactions: 80,
    replies: 30,
    edits: 2,
    deletes: 1,
    readMarks: 2,
    hugeRoomShare: 0.4,
    hugeChannel: 1,
    spanDays: 14,
    names: {
      categories: ['Welcome', 'Engineering', 'Community'],
      channels: [
        ['announcements', 0],
        ['general', 0],
        ['introductions', 0],
        ['frontend', 1],
        ['backend', 1],
        ['sqlite', 1],
        ['random', 2],
        ['showcase', 2],
      ],
      threads: [['Launch plan', 1]],
    },
  },
  small: {
    name: 'Small Space',
    description: 'A generated space of a few rooms and about two thousand messages.',
    rooms: 8,
    categories: 2,
    threads: 1,
    messages: 2_000,
    users: 20,
    initialUsers: 8,
    reactions: 500,
    replies: 200,
    edits: 20,
    deletes: 6,
    readMarks: 12,
    hugeRoomShare: 0.4,
    hugeChannel: 0,
    spanDays: 60,
  },
  // Mirrors Roomy's largest space: 496 rooms, 115,993 messages, ~126k events in all.
  'roomy-largest': {
    name: 'Roomy Largest',
    description: "A generated space the size of Roomy's largest: 496 rooms and about 116k messages.",
    rooms: 496,
    categories: 24,
    threads: 72,
    messages: 115_993,
    users: 600,
    initialUsers: 120,
    reactions: 7_000,
    replies: 11_600,
    edits: 800,
    deletes: 300,
    readMarks: 200,
    hugeRoomShare: 0.3,
    hugeChannel: 0,
    spanDays: 365,
  },
};

/** Everything the generator needs, with overrides applied and derived counts scaled. */
export interface SpacePlan {
  preset: PresetName;
  seed: number;
  name: string;
  description: string;
  categories: number;
  channels: number;
  threads: number;
  messages: number;
  users: number;
  initialUsers: number;
  reactions: number;
  replies: number;
  edits: number;
  deletes: number;
  readMarks: number;
  hugeRoomShare: number;
  hugeChannel: number;
  spanDays: number;
  names: NonNullable<Preset['names']>;
}

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function resolvePlan(options: GenerateOptions = {}): SpacePlan {
  const presetName = options.preset ?? 'demo';
  const p = PRESETS[presetName];
  const seed = options.seed ?? 1;
  const rooms = whole('rooms', options.rooms ?? p.rooms, 1);
  const messages = whole('messages', options.messages ?? p.messages, 0);
  const users = whole('users', options.users ?? p.users, 1);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);

  // Keep the preset's mix of room kinds; at least one channel, since messages need somewhere to go.
  const threads = Math.min(Math.round((rooms * p.threads) / p.rooms), rooms - 1);
  const categories = Math.max(
    0,
    Math.min(Math.max(1, Math.round((rooms * p.categories) / p.rooms)), rooms - 1 - threads),
  );
  const channels = rooms - categories - threads;
  const perMessage = (n: number) => Math.round((n * messages) / p.messages);

  return {
    preset: presetName,
    seed,
    name: p.name,
    description: p.description,
    categories,
    channels,
    threads,
    messages,
    users,
    initialUsers: Math.min(users, p.initialUsers),
    reactions: perMessage(p.reactions),
    replies: Math.min(perMessage(p.replies), messages),
    edits: perMessage(p.edits),
    deletes: perMessage(p.deletes),
    readMarks: perMessage(p.readMarks),
    hugeRoomShare: p.hugeRoomShare,
    hugeChannel: Math.min(p.hugeChannel, channels - 1),
    spanDays: p.spanDays,
    names: p.names ?? { categories: [], channels: [], threads: [] },
  };
}

function whole(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}
