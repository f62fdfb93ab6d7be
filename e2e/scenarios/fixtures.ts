/** The scenario driver on Playwright, for the specs that run scenarios in Chromium and Firefox. */
import { test as base } from '../fixtures';
import type { BrowserDriver } from './driver';
import { PlaywrightDriver } from './playwright-driver';

export const test = base.extend<{ driver: BrowserDriver }>({
  driver: async ({ context, browser }, use) => {
    await use(new PlaywrightDriver(context, browser));
  },
});
