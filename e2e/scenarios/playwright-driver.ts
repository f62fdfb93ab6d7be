/** The scenario driver (./driver.ts) on Playwright: Chromium over CDP, Firefox ESR over WebDriver BiDi. */
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { closeSharedWorkers } from '../fixtures';
import type { BrowserDriver, Engine, Tab } from './driver';

class PlaywrightTab implements Tab {
  private readonly dialogs: string[] = [];
  private readonly errors: string[] = [];

  constructor(readonly page: Page) {
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => {});
    });
    page.on('pageerror', (error) => this.errors.push(error.message));
  }

  async goto(url: string) {
    await this.page.goto(url);
  }
  async reload() {
    await this.page.reload();
  }
  async url() {
    return this.page.url();
  }
  async fill(selector: string, text: string) {
    await this.page.locator(selector).first().fill(text);
  }
  async press(selector: string, key: 'Enter') {
    await this.page.locator(selector).first().press(key);
  }
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg);
  }
  async misbehaviour() {
    return { dialogs: [...this.dialogs], errors: [...this.errors] };
  }
  async watchForErrors() {
    // Playwright records page errors from the first script on.
  }
  async close() {
    await this.page.close();
  }
}

export class PlaywrightDriver implements BrowserDriver {
  readonly engine: Engine;
  constructor(
    private readonly context: BrowserContext,
    private readonly browser: Browser,
  ) {
    this.engine = browser.browserType().name() as Engine;
  }

  async newTab(): Promise<Tab> {
    return new PlaywrightTab(await this.context.newPage());
  }

  async killSharedWorkers(): Promise<boolean> {
    return (await closeSharedWorkers(this.browser)) > 0;
  }
}
