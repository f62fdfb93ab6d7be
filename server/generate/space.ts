/**
 * Generates one space as a stream of event envelopes, deterministically from a seed: the same options give the same
 * events, ids included, on every run. Ids are ULIDs over a synthetic clock starting 2025-01-01, so they sort in
 * the order the events were "written" and their timestamps spread like a real space's history.
 *
 * The story: the first user creates the space and its rooms, the first users join, then messages, replies,
 * reactions, edits, deletes, read marks and late joins are interleaved at random in the proportions of the plan.
 * Every reference (replyTo, messageId, upTo, parent) points at something created earlier and not deleted.
 */
import { monotonicFactory } from 'ulidx';
import type { NewEvent } from '../../protocol/events';
import { resolvePlan } from './presets';
import type { GenerateOptions, SpacePlan } from './presets';
import { Random, WeightedPicker, hashSeed } from './random';
import { EMOJIS, categoryName, channelName, chatMessage, editedMessage, person, threadName } from './text';
import type { Person } from './text';

export const START_TIME = Date.UTC(2025, 0, 1);
const RECENT = 400;
const RECENT_PER_ROOM = 30;
const THREAD_SHARE = 0.1;
const EMOJI_WEIGHTS = new WeightedPicker([10, 7, 6, 4, 3, 3, 2, 2, 2, 2, 1, 1]);

interface Posted {
  id: string;
  room: string;
  author: string;
  body: string;
}

const ACTIVITIES = ['message', 'reaction', 'edit', 'delete', 'readMark', 'join'] as const;
type Activity = (typeof ACTIVITIES)[number];

export function* generateSpace(options: GenerateOptions = {}): Generator<NewEvent, void, undefined> {
  const plan = resolvePlan(options);
  // Two independent sources: ids do not shift when the text generator changes, and vice versa. Both derive from
  // every option, so spaces made with different options never share ids (they could land in the same store).
  const key = JSON.stringify([plan.preset, plan.seed, options.rooms, options.messages, options.users]);
  const nextId = monotonicFactory(new Random(hashSeed(`ids:${key}`)).next);
  const r = new Random(hashSeed(`content:${key}`));

  const totalEvents = estimateEvents(plan);
  const meanGap = (plan.spanDays * 86_400_000) / Math.max(totalEvents, 1);
  let now = START_TIME;
  const tick = () => (now += 1 + Math.round(r.exponential(meanGap)));

  const stream = nextId(now);
  // Event literals are written out in full: object spread is several times slower here, and this runs 126k times.
  const id = () => nextId(tick());

  // The cast: the first person is the space's owner and creates all rooms.
  const people: Person[] = Array.from({ length: plan.users }, (_, i) => person(r, i));
  const owner = people[0] as Person;
  const joined: Person[] = [];
  function* join(p: Person): Generator<NewEvent> {
    joined.push(p);
    yield { id: id(), stream, type: 'space.join', user: p.did, payload: {} };
    yield { id: id(), stream, type: 'profile.update', user: p.did, payload: { displayName: p.displayName } };
  }

  yield {
    id: id(),
    stream,
    type: 'space.create',
    user: owner.did,
    payload: { name: plan.name, description: plan.description },
  };
  for (const p of people.slice(0, plan.initialUsers)) yield* join(p);

  // Rooms: categories, then channels (each under a category), then threads (each under a channel).
  const categories: string[] = [];
  for (let i = 0; i < plan.categories; i++) {
    const room = nextId(now);
    categories.push(room);
    const name = plan.names.categories[i] ?? categoryName(i);
    yield { id: id(), stream, type: 'room.create', room, user: owner.did, payload: { kind: 'category', name } };
  }
  const channels: string[] = [];
  for (let i = 0; i < plan.channels; i++) {
    const room = nextId(now);
    channels.push(room);
    const named = plan.names.channels[i];
    const name = named?.[0] ?? channelName(r, i);
    const category = categories.length > 0 ? categories[(named?.[1] ?? i) % categories.length] : undefined;
    yield {
      id: id(),
      stream,
      type: 'room.create',
      room,
      user: owner.did,
      payload: category ? { kind: 'channel', name, parent: category } : { kind: 'channel', name },
    };
  }

  // Message rooms are channels and threads. One channel takes hugeRoomShare of the channels' messages; the others
  // follow a Zipf law in a shuffled order, as real rooms do: a few busy, a long tail of quiet ones. Threads, mostly
  // under busy channels, share THREAD_SHARE of all messages in proportion to their parent's weight.
  const channelWeights = channelShares(r, plan);
  const channelPicker = new WeightedPicker(channelWeights);
  const threads: string[] = [];
  const threadParents: number[] = [];
  for (let i = 0; i < plan.threads; i++) {
    const room = nextId(now);
    const named = plan.names.threads[i];
    const parentIndex = named && named[1] < channels.length ? named[1] : channelPicker.pick(r);
    const parent = channels[parentIndex] as string;
    threads.push(room);
    threadParents.push(parentIndex);
    yield {
      id: id(),
      stream,
      type: 'room.create',
      room,
      user: owner.did,
      payload: { kind: 'thread', name: named?.[0] ?? threadName(r), parent },
    };
  }
  const threadShare = threads.length > 0 ? THREAD_SHARE : 0;
  const parentTotal = threadParents.reduce((sum, p) => sum + (channelWeights[p] ?? 0), 0) || 1;
  const messageRooms = [...channels, ...threads];
  const roomWeights = [
    ...channelWeights.map((w) => w * (1 - threadShare)),
    ...threadParents.map((p) => (threadShare * (channelWeights[p] ?? 0)) / parentTotal),
  ];
  const roomPicker = new WeightedPicker(roomWeights);

  // Recently posted messages, the targets of replies, reactions, edits and deletes.
  const recent: Posted[] = [];
  const recentByRoom = new Map<string, Posted[]>();
  const reacted = new Set<string>();
  const remaining: Record<Activity, number> = {
    message: plan.messages,
    reaction: plan.reactions,
    edit: plan.edits,
    delete: plan.deletes,
    readMark: plan.readMarks,
    join: plan.users - plan.initialUsers,
  };
  let repliesLeft = plan.replies;

  /** Early joiners talk most: a few regulars, a long tail of lurkers. */
  const author = () => joined[Math.floor(joined.length * r.next() ** 1.7)] as Person;
  const target = () => recent[r.recentIndex(recent.length)] as Posted;
  const forget = (posted: Posted) => {
    for (const list of [recent, recentByRoom.get(posted.room) ?? []]) {
      const at = list.indexOf(posted);
      if (at >= 0) list.splice(at, 1);
    }
  };

  for (;;) {
    const kind = nextActivity(r, remaining, recent.length > 0);
    if (!kind) break;
    remaining[kind] -= 1;
    switch (kind) {
      case 'join':
        yield* join(people[joined.length] as Person);
        break;
      case 'message': {
        const room = messageRooms[roomPicker.pick(r)] as string;
        const inRoom = recentByRoom.get(room) ?? [];
        const replyTo =
          inRoom.length > 0 && r.chance(repliesLeft / (remaining.message + 1))
            ? (inRoom[r.recentIndex(inRoom.length)] as Posted).id
            : undefined;
        if (replyTo) repliesLeft -= 1;
        const body = chatMessage(r);
        const posted = { id: id(), room, author: author().did, body };
        yield {
          id: posted.id,
          stream,
          type: 'message.create',
          room,
          user: posted.author,
          payload: replyTo ? { body, replyTo } : { body },
        };
        recent.push(posted);
        if (recent.length > RECENT) recent.shift();
        inRoom.push(posted);
        if (inRoom.length > RECENT_PER_ROOM) inRoom.shift();
        recentByRoom.set(room, inRoom);
        break;
      }
      case 'reaction': {
        const msg = target();
        // One reaction per (message, user, emoji): a few tries, then skip this one.
        for (let attempt = 0; attempt < 4; attempt++) {
          const user = joined[r.int(joined.length)] as Person;
          const emoji = EMOJIS[EMOJI_WEIGHTS.pick(r)] as string;
          const reactionKey = `${msg.id} ${user.did} ${emoji}`;
          if (reacted.has(reactionKey)) continue;
          reacted.add(reactionKey);
          const payload = { messageId: msg.id, emoji };
          yield { id: id(), stream, type: 'reaction.add', room: msg.room, user: user.did, payload };
          break;
        }
        break;
      }
      case 'edit': {
        const msg = target();
        msg.body = editedMessage(r, msg.body).slice(0, 10_000);
        const payload = { messageId: msg.id, body: msg.body };
        yield { id: id(), stream, type: 'message.edit', room: msg.room, user: msg.author, payload };
        break;
      }
      case 'delete': {
        const msg = target();
        forget(msg);
        const payload = { messageId: msg.id };
        yield { id: id(), stream, type: 'message.delete', room: msg.room, user: msg.author, payload };
        break;
      }
      case 'readMark': {
        const room = target().room;
        const latest = recentByRoom.get(room)?.at(-1);
        if (!latest) break;
        const reader = joined[r.int(joined.length)] as Person;
        yield { id: id(), stream, type: 'read.mark', room, user: reader.did, payload: { upTo: latest.id } };
        break;
      }
    }
  }
}

/** The stream id of the space these options generate, without generating the rest. */
export function spaceStreamId(options: GenerateOptions = {}): string {
  const first = generateSpace(options).next();
  if (first.done) throw new Error('generator yielded nothing');
  return first.value.stream;
}

/** Picks the next kind of activity in proportion to what is left; the ones that need a message wait for one. */
function nextActivity(r: Random, remaining: Record<Activity, number>, haveMessages: boolean): Activity | undefined {
  const possible = (kind: Activity) => haveMessages || kind === 'message' || kind === 'join';
  let total = 0;
  for (const kind of ACTIVITIES) if (possible(kind)) total += remaining[kind];
  if (total === 0) return undefined;
  let x = r.next() * total;
  for (const kind of ACTIVITIES) {
    if (!possible(kind)) continue;
    if (x < remaining[kind]) return kind;
    x -= remaining[kind];
  }
  return undefined;
}

function channelShares(r: Random, plan: SpacePlan): number[] {
  const others = r.shuffle(Array.from({ length: Math.max(plan.channels - 1, 0) }, (_, i) => 1 / (i + 1)));
  const otherTotal = others.reduce((a, b) => a + b, 0) || 1;
  const shares = others.map((w) => ((1 - plan.hugeRoomShare) * w) / otherTotal);
  shares.splice(plan.hugeChannel, 0, plan.channels === 1 ? 1 : plan.hugeRoomShare);
  return shares;
}

function estimateEvents(plan: SpacePlan): number {
  return (
    1 +
    plan.categories +
    plan.channels +
    plan.threads +
    2 * plan.users +
    plan.messages +
    plan.reactions +
    plan.edits +
    plan.deletes +
    plan.readMarks
  );
}
