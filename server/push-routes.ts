/**
 * The HTTP side of Web Push (contract: protocol/api.ts): the VAPID public key, and subscriptions with their streams.
 * The notifier (./push.ts) does the rest, told of every append by the event store.
 */
import type { FastifyInstance } from 'fastify';
import { API, type PushPublicKey } from '../protocol/api';
import type { EventStore } from './event-store';
import type { PushNotifier } from './push';

export function registerPushRoutes(app: FastifyInstance, store: EventStore, push: PushNotifier): void {
  push.log ??= app.log;
  app.get(API.pushPublicKey, (): PushPublicKey => ({ publicKey: push.publicKey }));

  app.post<{ Body: unknown }>(API.pushSubscriptions, (request, reply) => {
    try {
      push.subscribe(request.body);
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
    return { ok: true };
  });

  const stop = store.onAppend(({ stream, head }) => push.notify(stream, head));
  app.addHook('onClose', async () => stop());
}
