import { defineConfig } from '@playwright/test';
import type { StrategyOption } from './e2e/fixtures';

/** Debian's browsers (npx playwright install cannot download here); see scripts/ensure-browsers.mjs. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const browsers = [
  {
    name: 'chromium',
    use: {
      browserName: 'chromium' as const,
      launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
    },
  },
  {
    // Firefox ESR over WebDriver BiDi; patches/playwright-core+*.patch makes Playwright tolerate what ESR lacks.
    name: 'firefox',
    use: {
      browserName: 'firefox' as const,
      channel: 'moz-firefox',
      launchOptions: { executablePath: '/usr/bin/firefox-esr' },
    },
  },
];
const strategies: StrategyOption[] = ['auto', 'dedicated', 'main'];
/**
 * What the forced-strategy projects run in `npm test`: every spec that exercises the database host and the sync
 * path. The UI walkthroughs run once per browser (default strategy) there: the host under them is the same code, and
 * running them three times over would not fit CI's time budget. `npm run test:strategies` (ROOMY_E2E_ALL_SPECS=1)
 * runs every spec under every strategy.
 */
const allSpecs = process.env.ROOMY_E2E_ALL_SPECS === '1';
const HOST_SPECS = [
  // The core scenarios (render, two tabs, write, reload offline, the host killed) are the browser matrix's cells;
  // they cover what the walking skeleton checks, so that one runs under the default strategy only.
  '**/scenarios/core.spec.ts',
  '**/worker-manager.spec.ts',
  '**/sync-backfill.spec.ts',
  '**/sync-outbox.spec.ts',
  '**/sync-tail.spec.ts',
  '**/sync-push.spec.ts',
];

export default defineConfig<{ strategy: StrategyOption }>({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // Two: each worker has its own event servers, and most of a test is waiting (for a host, a server, a timeout),
  // so two share 2 cores well: the chromium project took 318 s against 453 s with one (side by side, quiet machine).
  // Not three: the whole suite on a fresh clone took as long (19.9 min against 20.2) and three tests needed their
  // retry instead of one (starved hosts missed heartbeats).
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: process.env.PW_OUTPUT ?? '.tmp/test-results',
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: browsers.flatMap((browser) =>
    strategies.map((strategy) => ({
      // `chromium` and `firefox` let the app pick (SharedWorker); `-dedicated` and `-main` force the fallbacks.
      name: strategy === 'auto' ? browser.name : `${browser.name}-${strategy}`,
      ...(strategy === 'auto' || allSpecs ? {} : { testMatch: HOST_SPECS }),
      use: { ...browser.use, strategy },
    })),
  ),
});
