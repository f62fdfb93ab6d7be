import { describe, expect, test } from 'vitest';
import { eventFactory } from '../db-worker/testing/event-factory';
import { countNewMessages, describeNewMessages, noNewMessages } from './notifications';

const f = eventFactory();
const general = f.id();
const random = f.id();
const names = new Map([
  [general, 'general'],
  [random, 'random'],
]);
const roomName = (room: string) => names.get(room) ?? null;

describe('push notifications', () => {
  test('"3 new messages in #general", the latest as the body, opening its room', () => {
    const tally = countNewMessages(noNewMessages(), [
      f.make('message.create', { body: 'one' }, { room: general }),
      f.make('reaction.add', { messageId: f.id(), emoji: '👍' }, { room: general }),
      f.make('message.create', { body: 'two' }, { room: general }),
      f.make('message.create', { body: 'three' }, { room: general, user: 'did:plc:bob' }),
    ]);
    expect(describeNewMessages(tally, roomName)).toEqual({
      title: '3 new messages in #general',
      body: 'bob: three',
      tag: `roomy-${f.stream}`,
      url: `/space/${f.stream}/room/${general}`,
    });
  });

  test('messages in several rooms are counted together; the click opens the room of the latest', () => {
    const tally = noNewMessages();
    countNewMessages(tally, [f.make('message.create', { body: 'a' }, { room: random })]);
    countNewMessages(tally, [f.make('message.create', { body: 'b' }, { room: general })]);
    expect(describeNewMessages(tally, roomName)).toMatchObject({
      title: '2 new messages in 2 rooms',
      url: `/space/${f.stream}/room/${general}`,
    });
  });

  test('one message, a room whose name is unknown, a long body', () => {
    const tally = countNewMessages(noNewMessages(), [
      f.make('message.create', { body: 'x'.repeat(500) }, { room: f.id() }),
    ]);
    const content = describeNewMessages(tally, roomName)!;
    expect(content.title).toBe('1 new message in a room');
    expect(content.body).toHaveLength('alice: '.length + 140);
    expect(content.body.endsWith('…')).toBe(true);
  });

  test('nothing new, nothing to show', () => {
    const tally = countNewMessages(noNewMessages(), [f.make('read.mark', { upTo: f.id() }, { room: general })]);
    expect(describeNewMessages(tally, roomName)).toBeNull();
  });
});
