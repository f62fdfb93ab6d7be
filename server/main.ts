/**
 * The event server's command line entry:
 *
 *   npx tsx server/main.ts [--port 8787] [--data-dir ./data] [--static dist] [--no-seed]
 *
 * Environment: PORT, DATA_DIR, HOST (bind address, default `localhost`), LOG_LEVEL (default `warn`).
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { buildApp } from './app';
import { openEventStore } from './event-store';
import type { EventStore } from './event-store';
import { loadEvents } from './generate/load';
import type { GenerateOptions } from './generate/presets';
import { generateSpace, spaceStreamId } from './generate/space';
import { PushNotifier } from './push';

const DEMO: GenerateOptions = { preset: 'demo', seed: 1 };

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8787' },
    'data-dir': { type: 'string', default: process.env.DATA_DIR ?? './data' },
    static: { type: 'string' },
    'no-seed': { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be a port number, got ${JSON.stringify(values.port)}`);
  process.exit(2);
}
const dataDir = values['data-dir'];
const staticDir = values.static ?? (existsSync('dist') ? 'dist' : undefined);
if (staticDir && !existsSync(staticDir)) {
  console.error(`--static ${staticDir}: no such directory`);
  process.exit(2);
}
// `localhost` by default: Fastify then listens on every address the name resolves to, on Debian both 127.0.0.1 and
// ::1. Browsers fall back from one loopback address to the other, but Node clients (Playwright's webServer check,
// Vite's proxy) take the resolver's first answer, often ::1, so binding 127.0.0.1 alone can fail them; 0.0.0.0 would
// serve the unauthenticated write API to the whole network. Set HOST=0.0.0.0 (or ::) in a container or to test
// from another device.
const host = process.env.HOST ?? 'localhost';

const store = openEventStore(dataDir);
const demoStream = spaceStreamId(DEMO);
if (!values['no-seed'] && store.streams().streams.length === 0) seedDemo(store);

// Web Push: VAPID keys are made on first start and kept in the data folder.
const push = new PushNotifier(dataDir, { subject: process.env.PUSH_SUBJECT });
const app = buildApp({ store, staticDir, push, logger: { level: process.env.LOG_LEVEL ?? 'warn' } });
await app.listen({ port, host });
const { port: actualPort } = app.server.address() as AddressInfo;

const demo = store.head(demoStream) > 0 ? `demo space ${demoStream}` : 'no demo space';
const shown = host === 'localhost' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
console.log(
  `Roomy event server on http://${shown}:${actualPort} (data: ${dataDir}, ${demo}${staticDir ? `, app: ${staticDir}` : ', API only'})`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // A second Ctrl-C while closing means "now".
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: closing tails, HTTP server and database`);
    // close() ends open tails first (preClose hook), then waits for requests in flight. Browsers keep spare
    // keep-alive sockets open that would hold it for a minute: after a short grace period, cut them.
    setTimeout(() => app.server.closeAllConnections(), 1_000).unref();
    app
      .close()
      .then(() => push.close())
      .then(() => store.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  });
}

function seedDemo(store: EventStore): void {
  const started = performance.now();
  const result = loadEvents(store, generateSpace(DEMO));
  const ms = Math.round(performance.now() - started);
  console.log(`Empty store: seeded the demo space ${result.stream} with ${result.added} events (seed 1, ${ms} ms)`);
}
