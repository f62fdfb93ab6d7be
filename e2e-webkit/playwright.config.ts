/**
 * The WebKitGTK suite: the same scenarios as e2e/, driven over classic WebDriver (WebKitWebDriver + webdriverio).
 * Playwright Test is the runner (fixtures, timeouts, retries, reports); webdriverio is the driver. Needs an X
 * display: `xvfb-run -a npx playwright test -c e2e-webkit`.
 */
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import type { StrategyOption } from '../e2e/fixtures';

const strategies: StrategyOption[] = ['auto', 'dedicated', 'main'];

export default defineConfig<{ strategy: StrategyOption }>({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 90_000,
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  // From the working directory, as the main config's (paths in a config are relative to its folder otherwise).
  outputDir: resolve(process.env.PW_OUTPUT ?? '.tmp/test-results', 'webkit'),
  projects: strategies.map((strategy) => ({
    // `webkit` lets the app pick (SharedWorker); `-dedicated` and `-main` force the fallbacks.
    name: strategy === 'auto' ? 'webkit' : `webkit-${strategy}`,
    use: { strategy },
  })),
});
