/**
 * The scenario driver on WebKitGTK: one WebKitWebDriver per Playwright worker, a fresh MiniBrowser (fresh profile)
 * per test. Playwright Test is only the runner here; no Playwright browser is launched.
 */
import { test as base } from '../e2e/fixtures';
import type { BrowserDriver } from '../e2e/scenarios/driver';
import { WebKitDriver, WebKitWebDriverService } from './webdriver-driver';

export const test = base.extend<{ driver: BrowserDriver }, { webdriver: WebKitWebDriverService }>({
  webdriver: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixtures a function asks for from it
    async ({}, use) => {
      const service = await WebKitWebDriverService.start();
      await use(service);
      await service.stop();
    },
    { scope: 'worker' },
  ],
  driver: async ({ webdriver, server, strategy }, use) => {
    const driver = await WebKitDriver.start(webdriver, server.url, strategy);
    try {
      await use(driver);
    } finally {
      await driver.quit();
    }
  },
});
