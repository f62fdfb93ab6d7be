import { minimal2023Preset } from '@vite-pwa/assets-generator/config';
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
      // The web app manifest (installable PWA); its icons are generated from public/logo.svg by `pwaAssets`.
      // Named .json: the plugin adds the manifest to the precache itself, and a `*.webmanifest` glob would add it
      // a second time with another revision, which workbox refuses (the service worker would not install).
      manifestFilename: 'manifest.json',
      manifest: {
        name: 'Roomy',
        short_name: 'Roomy',
        description: 'Group chat on reactive SQLite in the browser',
        id: '/',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'any',
        theme_color: '#171b24',
        background_color: '#1f2430',
        categories: ['social', 'productivity'],
      },
      // @vite-pwa/assets-generator: favicon, PWA icons (64, 192, 512, maskable) and apple-touch icon from one
      // SVG, at build time; the head links and the manifest's icons are filled in by the plugin.
      pwaAssets: {
        image: 'public/logo.svg',
        preset: {
          ...minimal2023Preset,
          maskable: { sizes: [512], padding: 0.3, resizeOptions: { background: '#1f2430' } },
          apple: { sizes: [180], padding: 0.3, resizeOptions: { background: '#1f2430' } },
        },
        includeHtmlHeadLinks: true,
        overrideManifestIcons: true,
        injectThemeColor: true,
      },
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
