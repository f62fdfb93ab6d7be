/**
 * The little a scenario needs from a browser, whatever drives it: tabs that navigate, type, read the page and run
 * a function in it. Playwright implements it for Chromium and Firefox (./playwright-driver.ts), webdriverio over
 * WebKitWebDriver for WebKitGTK (../../e2e-webkit/webdriver-driver.ts), so that each scenario is written once.
 *
 * Elements are found with CSS selectors, the one language both protocols speak; scenarios name things the way the
 * app labels them for users (aria-label, role), see ./app.ts.
 */

export type Engine = 'chromium' | 'firefox' | 'webkit';

export interface Tab {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  url(): Promise<string>;
  /** Replaces the value of the first element matching `selector` with `text`, as typing would. */
  fill(selector: string, text: string): Promise<void>;
  /** Presses a key (a W3C key name such as 'Enter') in the first element matching `selector`. */
  press(selector: string, key: 'Enter'): Promise<void>;
  /** Runs `fn` in the page and returns its (awaited, JSON-serialisable) result. */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /**
   * What the page did that it never should: dialogs it opened (alert, confirm, prompt) and uncaught errors, as far
   * as the driver can see them. Playwright sees both from the page's first moment; classic WebDriver sees an open
   * dialog, and errors from the moment `watchForErrors` ran.
   */
  misbehaviour(): Promise<{ dialogs: string[]; errors: string[] }>;
  /** Starts recording uncaught errors in the page (a no-op where the driver records them by itself). */
  watchForErrors(): Promise<void>;
  close(): Promise<void>;
}

export interface BrowserDriver {
  readonly engine: Engine;
  /** A new tab in the same browser profile (same origin storage, same service worker). */
  newTab(): Promise<Tab>;
  /**
   * Ends every SharedWorker from outside the page, the way a browser kills a crashed process (Chromium's DevTools
   * protocol). Returns false where the driver cannot: the scenario then asks the host to crash itself.
   */
  killSharedWorkers(): Promise<boolean>;
}
