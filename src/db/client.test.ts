/**
 * The tab's heartbeat against a host that stops answering: silence past the timeout means a dead host, unless the
 * host said beforehand that it would hold its thread (`busy`, a long synchronous commit), and then only up to the
 * time it announced.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, expect, test } from 'vitest';
import { decodeMessage, encodeMessage, PROTOCOL_VERSION, type HostEvents } from '../../protocol/messages';
import { DbClient, type ClientPort, type LostReason } from './client';

const OPTIONS = { requestTimeoutMs: 5_000, heartbeatMs: 20, heartbeatTimeoutMs: 60, debug: false };

/** A host that answers pings while `answering`, and can send events. */
function fakeHost() {
  const channel = new MessageChannel();
  const host = { port: channel.port2 as MessagePort, answering: true };
  host.port.on('message', (data: unknown) => {
    const message = decodeMessage(data);
    if (message.t !== 'req' || !host.answering) return;
    const result = { now: Date.now(), hostId: 'h1', ready: true };
    host.port.postMessage(encodeMessage({ v: PROTOCOL_VERSION, t: 'res', id: message.id, ok: true, result }));
  });
  const send = <N extends keyof HostEvents>(name: N, data: HostEvents[N]) =>
    host.port.postMessage(encodeMessage({ v: PROTOCOL_VERSION, t: 'evt', name, data }));
  const client = new DbClient(channel.port1 as unknown as ClientPort, OPTIONS);
  const lost: LostReason[] = [];
  client.onLost((reason) => lost.push(reason));
  opened.push(() => {
    client.close();
    host.port.close();
  });
  return { host, send, client, lost };
}

const opened: (() => void)[] = [];
afterEach(() => opened.splice(0).forEach((close) => close()));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a host that stops answering is lost after the heartbeat timeout', async () => {
  const { host, lost } = fakeHost();
  await sleep(100);
  expect(lost).toEqual([]);
  host.answering = false;
  await sleep(400);
  expect(lost.map((l) => l.message)).toEqual(['the database host stopped answering']);
});

test('a host that announced it is busy may stay silent that long, and is lost once that time is over', async () => {
  const { host, send, lost } = fakeHost();
  await sleep(60);
  send('busy', { forMs: 400 });
  host.answering = false;
  await sleep(300);
  expect(lost).toEqual([]);
  await sleep(700);
  expect(lost).toHaveLength(1);
});

test('when the host says its busy work is done, silence counts again at once', async () => {
  const { host, send, lost } = fakeHost();
  send('busy', { forMs: 10_000 });
  await sleep(60);
  send('busy', { forMs: 0 });
  host.answering = false;
  await sleep(400);
  expect(lost).toHaveLength(1);
});
