/**
 * The benchmark's own pages (bench/browser/): wa-sqlite in dedicated workers, SharedWorkers and on the main thread,
 * opened with the app's code (db-worker/sqlite/open-browser.ts) but built and served apart from the app, so that
 * nothing here ships with it. Built by bench/harness/build.ts.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // wa-sqlite's Emscripten glue finds its .wasm relative to import.meta.url: keep it out of pre-bundling.
  optimizeDeps: { exclude: ['@journeyapps/wa-sqlite'] },
  // Module workers: the VFSs load with dynamic import(), which the 'iife' format cannot split.
  worker: { format: 'es' },
  build: { target: 'es2022', emptyOutDir: true },
});
