/**
 * Serves the built web app (Vite's `dist`) next to the API from the same origin, which the service worker's scope
 * and the CSP's 'self' both rely on.
 */
import { extname, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Hashed build output: its name changes with its content, so a browser may keep it for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * Everything else keeps a stable name (index.html, sw.js, the manifest, icons): the browser must revalidate it
 * (cheap, with ETag / Last-Modified) or it would run an old app, or never see a new service worker.
 */
const REVALIDATE = 'no-cache';

export function registerStaticFiles(app: FastifyInstance, dir: string): void {
  const root = resolve(dir);
  void app.register(fastifyStatic, {
    root,
    // We choose Cache-Control per file below; @fastify/static's default (max-age=0) would overwrite it.
    cacheControl: false,
    setHeaders(res, path) {
      const inAssets = relative(root, path).split(sep)[0] === 'assets';
      res.setHeader('Cache-Control', inAssets ? IMMUTABLE : REVALIDATE);
    },
  });
}

/**
 * A client-side route of the single-page app (e.g. /spaces/01J…/rooms/01J…): a GET outside /api that is a page
 * navigation (the browser accepts HTML) or whose last segment has no file extension. So /u/alice.bsky.social in the
 * address bar opens the app, while a missing /assets/gone.js (fetched as a script) stays a 404 that fails loudly
 * rather than running index.html as a script.
 */
export function isAppRoute(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0] ?? '/';
  if (path === '/api' || path.startsWith('/api/')) return false;
  return extname(path) === '' || (request.headers.accept ?? '').includes('text/html');
}

/** Answers an app route with index.html (headers as for the file itself: no-cache, CSP). */
export function sendAppShell(reply: FastifyReply): FastifyReply {
  return reply.code(200).sendFile('index.html');
}
