import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import solid from 'vite-plugin-solid';
import { classicDevServiceWorker } from './sw/vite-dev-plugin';

const server = `http://127.0.0.1:${process.env.PORT ?? 8787}`;

export default defineConfig({
  plugins: [
    solid(),
    // Dev only: the service worker as a classic script, so that `vite dev` works in every browser.
    classicDevServiceWorker({ entry: 'sw/sw.ts', navigateFallback: 'index.html' }),
    VitePWA({
      // Our own service worker (sw/sw.ts): the plugin builds it and injects the precache manifest.
      strategies: 'injectManifest',
      srcDir: 'sw',
      filename: 'sw.ts',
      injectRegister: null,
      manifest: false,
      injectManifest: {
        // A classic script in production as in dev: module service workers do not run in every browser.
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,wasm,svg,png,ico,webmanifest}'],
        maximumFileSizeToCacheInBytes: 4 * 1024 * 1024,
      },
      devOptions: { enabled: true, type: 'classic', navigateFallback: 'index.html' },
    }),
  ],
  // wa-sqlite's Emscripten glue finds its .wasm relative to import.meta.url: keep it out of pre-bundling.
  optimizeDeps: { exclude: ['@journeyapps/wa-sqlite'] },
  // Module workers: the host loads its VFS with dynamic import(), which the 'iife' format cannot split.
  worker: { format: 'es' },
  // ROOMY_DIST lets several builds (parallel test runs, benchmarks) live side by side.
  build: { target: 'es2022', outDir: process.env.ROOMY_DIST ?? 'dist', emptyOutDir: true },
  server: { port: 5173, strictPort: true, proxy: { '/api': { target: server, changeOrigin: false } } },
  preview: { port: 4173, strictPort: true, proxy: { '/api': server } },
});
