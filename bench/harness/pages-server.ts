/**
 * Serves the benchmark pages (bench/browser/, built) from this process, cross-origin isolated (COOP + COEP): only
 * then do browsers give pages and workers a fine clock (Firefox rounds performance.now() to 1 ms otherwise, too
 * coarse for sub-millisecond figures such as the live-query engine's). The app itself is served by the event
 * server as in production; these pages never are.
 */
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

export interface PagesServer {
  url: string;
  close(): Promise<void>;
}

export async function servePages(dir: string): Promise<PagesServer> {
  const app = Fastify({ logger: false });
  await app.register(fastifyStatic, {
    root: resolve(dir),
    setHeaders(res) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      res.setHeader('Cache-Control', 'no-cache');
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://localhost:${port}`, close: () => app.close() };
}
