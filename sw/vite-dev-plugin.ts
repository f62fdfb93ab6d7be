/**
 * Vite plugin: in `vite dev`, serves the service worker as one classic script, bundled like the production one.
 *
 * vite-plugin-pwa serves an injectManifest worker in dev as Vite's ES module (`import` statements), which only
 * runs as a module service worker, and those are not supported in every browser (the seed's note: dev mode was
 * Chrome-only). This middleware answers the plugin's dev URL (`/dev-sw.js?dev-sw`, registered with
 * `type: 'classic'`) with an IIFE bundle of sw/sw.ts instead, rebuilt when a file under sw/ or protocol/ changes.
 * The precache manifest of the dev worker holds index.html only (the navigation fallback), so the worker never
 * answers Vite's module requests: they go to the dev server untouched.
 *
 * Node-side code (vite.config.ts imports it); sw/tsconfig.json leaves it out, tsconfig.tools.json checks it.
 */
import { resolve, sep } from 'node:path';
import { build, type Plugin } from 'vite';

export interface ClassicDevServiceWorkerOptions {
  /** The worker's source, relative to the Vite root. */
  entry: string;
  /** Precached and served for navigations, as in production. */
  navigateFallback?: string;
}

/** The URL vite-plugin-pwa registers in dev (its DEV_SW_NAME). */
const DEV_SW_PATH = '/dev-sw.js';

export function classicDevServiceWorker(options: ClassicDevServiceWorkerOptions): Plugin {
  let root = process.cwd();
  let bundled: Promise<string> | null = null;
  // A new revision per dev server start: the worker re-caches index.html after a restart.
  const revision = Date.now().toString(36);
  return {
    name: 'roomy:classic-dev-service-worker',
    apply: 'serve',
    configResolved(config) {
      root = config.root;
    },
    configureServer(server) {
      const watched = [resolve(root, 'sw') + sep, resolve(root, 'protocol') + sep];
      server.watcher.on('change', (file) => {
        if (watched.some((dir) => file.startsWith(dir))) bundled = null;
      });
      server.middlewares.use((req, res, next) => {
        if (req.url?.split('?')[0] !== DEV_SW_PATH) return next();
        const manifest = options.navigateFallback ? [{ url: options.navigateFallback, revision }] : [];
        bundled ??= bundle(root, options.entry, manifest).catch((error: unknown) => {
          bundled = null;
          throw error;
        });
        bundled.then(
          (code) => {
            res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
            res.setHeader('Cache-Control', 'no-cache');
            res.end(code);
          },
          (error: unknown) => next(error),
        );
      });
    },
  };
}

async function bundle(root: string, entry: string, manifest: { url: string; revision: string }[]): Promise<string> {
  const result = await build({
    configFile: false,
    root,
    logLevel: 'warn',
    mode: 'development',
    // workbox reads process.env.NODE_ENV: its production build is the quiet one.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      write: false,
      minify: false,
      sourcemap: 'inline',
      emptyOutDir: false,
      copyPublicDir: false,
      lib: { entry: resolve(root, entry), formats: ['iife'], name: 'roomyServiceWorker', fileName: () => 'sw.js' },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const chunk = outputs
    .flatMap((output) => ('output' in output ? output.output : []))
    .find((item) => item.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error(`bundling ${entry} produced no script`);
  if (!chunk.code.includes('self.__WB_MANIFEST')) throw new Error(`${entry} has no self.__WB_MANIFEST`);
  return chunk.code.replaceAll('self.__WB_MANIFEST', JSON.stringify(manifest));
}
