/**
 * The event server's HTTP interface (contract: protocol/api.ts and shared/design/events.md). Routes stay thin: the
 * store validates and appends, the tail session streams; this module maps HTTP onto them and every failure onto
 * `{"error": "..."}` with the right status.
 */
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import { API, PAGE_LIMIT, parseCursors } from '../protocol/api';
import type { StreamsList } from '../protocol/api';
import { LIMITS, isUlid } from '../protocol/events';
import type { EventStore } from './event-store';
import type { PushNotifier } from './push';
import { registerPushRoutes } from './push-routes';
import { addSecurityHeaders } from './security-headers';
import { isAppRoute, registerStaticFiles, sendAppShell } from './static-files';
import { TailSession } from './tail';

export interface AppOptions {
  store: EventStore;
  /** The built web app; without it the server answers the API only. */
  staticDir?: string;
  logger?: FastifyServerOptions['logger'];
  /** Interval of the tail's keep-alive comments (tests shorten it). */
  tailPingMs?: number;
  /** Web Push (./push.ts); without it the push routes answer 404. */
  push?: PushNotifier;
}

const streamParams = {
  type: 'object',
  properties: { stream: { type: 'string', format: 'ulid' } },
  required: ['stream'],
} as const;

const pageQuery = {
  type: 'object',
  properties: {
    after: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: PAGE_LIMIT.max, default: PAGE_LIMIT.default },
  },
} as const;

const tailQuery = {
  type: 'object',
  properties: {
    cursors: { type: 'string', maxLength: 64 * 1024 },
    follow: { type: 'string', enum: ['all'] },
  },
} as const;

/** Clearer wording for the framework's own 4xx errors; the rest keep Fastify's message. */
const ERROR_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: `request body is over the limit of ${LIMITS.batchBytes} bytes`,
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body is empty; send one event or an array of events',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'content-type must be application/json',
};

export function buildApp({ store, staticDir, logger = false, tailPingMs, push }: AppOptions): FastifyInstance {
  const app = Fastify({
    logger,
    bodyLimit: LIMITS.batchBytes,
    // Route schemas say `format: 'ulid'`; ajv then reports "params/stream must match format "ulid"".
    ajv: { customOptions: { formats: { ulid: isUlid } } },
  });
  const tails = new Set<TailSession>();
  // JSON only. A text/plain POST is a "simple" cross-origin request that a page on any site could send without a
  // CORS preflight; requiring application/json means the browser asks first, and we never say yes.
  app.removeContentTypeParser('text/plain');

  addSecurityHeaders(app);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error(error);
      return reply.code(500).send({ error: 'internal server error' });
    }
    return reply.code(status).send({ error: ERROR_MESSAGES[error.code] ?? error.message });
  });

  app.setNotFoundHandler((request, reply) => {
    if (staticDir && isAppRoute(request)) return sendAppShell(reply);
    const path = request.url.split('?')[0];
    return reply.code(404).send({ error: `not found: ${request.method} ${path}` });
  });

  app.get(API.health, () => ({ ok: true }));

  app.get(API.streams, (): StreamsList => store.streams());

  app.post<{ Params: { stream: string }; Body: unknown }>(
    '/api/streams/:stream/events',
    { schema: { params: streamParams } },
    (request, reply) => {
      const inputs = Array.isArray(request.body) ? request.body : [request.body];
      if (inputs.length > LIMITS.batchEvents) {
        return reply
          .code(413)
          .send({ error: `${inputs.length} events in one request, over the limit of ${LIMITS.batchEvents}` });
      }
      return store.append(request.params.stream, inputs);
    },
  );

  app.get<{ Params: { stream: string }; Querystring: { after: number; limit: number } }>(
    '/api/streams/:stream/events',
    { schema: { params: streamParams, querystring: pageQuery } },
    (request, reply) => {
      const { after, limit } = request.query;
      const page = store.readRaw(request.params.stream, after, limit);
      // The stored JSON is spliced in as it is: a 10,000-event page is not parsed and serialised again.
      return reply
        .type('application/json; charset=utf-8')
        .send(`{"events":[${page.events.join(',')}],"head":${page.head},"hasMore":${page.hasMore}}`);
    },
  );

  app.get<{ Querystring: { cursors?: string; follow?: 'all' } }>(
    API.tail,
    { schema: { querystring: tailQuery } },
    (request, reply) => {
      const cursors = parseCursors(request.query.cursors ?? null);
      for (const stream of cursors.keys()) {
        if (!isUlid(stream)) return reply.code(400).send({ error: `cursors: ${JSON.stringify(stream)} is not a ULID` });
      }
      // From here on we write the SSE response ourselves; Fastify must not send or time it out.
      reply.hijack();
      const followAll = request.query.follow === 'all';
      const tail = new TailSession(reply.raw, { store, cursors, followAll, pingMs: tailPingMs });
      tails.add(tail);
      tail.onClosed(() => tails.delete(tail));
      tail.start();
    },
  );

  // Open tails would keep server.close() waiting for ever: end them first.
  app.addHook('preClose', async () => {
    for (const tail of tails) tail.close();
  });

  if (push) registerPushRoutes(app, store, push);

  if (staticDir) registerStaticFiles(app, staticDir);

  return app;
}
