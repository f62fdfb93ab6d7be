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
 * What the forced-strategy projects run: every spec that exercises the database host and the sync path. The UI
 * walkthroughs run once per browser (default strategy): the host under them is the same code, and running them
 * three times over would not fit CI's time budget.
 */
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
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: process.env.PW_OUTPUT ?? '.tmp/test-results',
  use: { trace: 'retain-on-failure', screenshot: 'only-on-failure' },
  projects: browsers.flatMap((browser) =>
    strategies.map((strategy) => ({
      // `chromium` and `firefox` let the app pick (SharedWorker); `-dedicated` and `-main` force the fallbacks.
      name: strategy === 'auto' ? browser.name : `${browser.name}-${strategy}`,
      ...(strategy === 'auto' ? {} : { testMatch: HOST_SPECS }),
      use: { ...browser.use, strategy },
    })),
  ),
});
