/**
 * The scenario driver (../e2e/scenarios/driver.ts) on classic WebDriver: webdriverio talking to WebKitWebDriver,
 * which starts WebKitGTK's MiniBrowser in automation mode. Playwright cannot drive the Debian WebKitGTK (it needs a
 * WebKit build of its own), so this is how the scenarios reach the engine behind Safari.
 *
 * Facts this relies on (../shared/reference/browser-probe, checked again for this app): stock MiniBrowser under
 * automation gives each session a fresh ephemeral profile with SharedWorker, dedicated workers, Web Locks,
 * BroadcastChannel, IndexedDB and service workers; no OPFS, no sync access handles, no JSPI, so every strategy
 * runs the IndexedDB VFS. `window.open` is popup-blocked: tabs come from WebDriver's New Window command.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { freePort } from '../e2e/server';
import { join } from 'node:path';
import { Key, remote } from 'webdriverio';
import type { BrowserDriver, Tab } from '../e2e/scenarios/driver';

type Session = WebdriverIO.Browser;

/** Debian's MiniBrowser (libwebkit2gtk-4.1-0), in the multiarch folder of this machine (x86_64-linux-gnu, …). */
function miniBrowser(): string {
  for (const dir of readdirSync('/usr/lib')) {
    const path = join('/usr/lib', dir, 'webkit2gtk-4.1', 'MiniBrowser');
    if (existsSync(path)) return path;
  }
  throw new Error('no WebKitGTK MiniBrowser in /usr/lib/*/webkit2gtk-4.1 (apt-get install webkit2gtk-driver)');
}

/** One WebKitWebDriver process (per Playwright worker); each test gets its own session, i.e. its own browser. */
export class WebKitWebDriverService {
  private constructor(
    private readonly process: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<WebKitWebDriverService> {
    if (!process.env.DISPLAY) {
      throw new Error('WebKitGTK needs an X display: run the WebKit suite under `xvfb-run -a` (see README).');
    }
    const port = await freePort();
    let output = '';
    // WebKitWebDriver hands its environment to the browser. JSC_useOMGJIT=false: JavaScriptCore's optimising
    // WebAssembly tier compiles wa-sqlite's large Asyncify build in the background for tens of seconds on a 2-core
    // machine, and a page that starts a new host meanwhile (a reload, a navigation with the main-thread host, a
    // host restart) waits for it before its own module compiles: WebAssembly.compile took 42.7 s instead of under
    // one (README, "Browser matrix"). The baseline tier runs SQLite fast enough for every scenario.
    const child = spawn('WebKitWebDriver', [`--port=${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, JSC_useOMGJIT: process.env.JSC_useOMGJIT ?? 'false' },
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) =>
        reject(new Error(`cannot start WebKitWebDriver (apt-get install webkit2gtk-driver): ${e.message}`)),
      );
    });
    await spawned;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/status`)).ok) return new WebKitWebDriverService(child, port);
      } catch {
        /* not listening yet */
      }
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill();
    throw new Error(`WebKitWebDriver did not start: ${output}`);
  }

  /** A new MiniBrowser with a fresh profile (tried twice: a browser now and then fails to come up). */
  async newSession(): Promise<Session> {
    try {
      return await this.connect();
    } catch {
      return this.connect();
    }
  }

  private connect(): Promise<Session> {
    return remote({
      hostname: '127.0.0.1',
      port: this.port,
      path: '/',
      logLevel: 'error',
      connectionRetryCount: 1,
      capabilities: {
        browserName: 'MiniBrowser',
        // WebKitWebDriver speaks classic WebDriver only.
        'wdio:enforceWebDriverClassic': true,
        'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'] },
      } as WebdriverIO.Capabilities,
    });
  }

  async stop() {
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGTERM');
    await exited;
  }
}

/**
 * Runs a function in the page. The function's source is sent as text; the tools that compile TypeScript for Node
 * (tsx, esbuild with keepNames) may wrap inner functions in `__name(...)`, which the page must then know.
 */
function script(fn: (arg: never) => unknown): string {
  return `const __name = (f) => f; return (${fn.toString()}).call(null, arguments[0]);`;
}

class WebDriverTab implements Tab {
  closed = false;
  constructor(
    private readonly driver: WebKitDriver,
    readonly handle: string,
  ) {}

  private async session() {
    if (this.closed) throw new Error('this tab is closed');
    return this.driver.focus(this.handle);
  }

  async goto(url: string) {
    await (await this.session()).url(url);
  }
  async reload() {
    await (await this.session()).refresh();
  }
  async url() {
    return (await this.session()).getUrl();
  }
  async fill(selector: string, text: string) {
    const session = await this.session();
    const element = session.$(selector);
    await element.waitForExist({ timeout: 15_000 });
    await element.setValue(text);
  }
  async press(selector: string, key: 'Enter') {
    const session = await this.session();
    await session.$(selector).addValue(Key[key]);
  }
  async evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    const session = await this.session();
    return (await session.execute(script(fn as (arg: never) => unknown), arg ?? null)) as R;
  }
  async misbehaviour() {
    const session = await this.session();
    const dialogs: string[] = [];
    try {
      // An open dialog answers; with none, WebDriver says "no such alert".
      dialogs.push(await session.getAlertText());
      await session.dismissAlert();
    } catch {
      /* no dialog open */
    }
    const errors = await this.evaluate(() => (window as unknown as { __e2eErrors?: string[] }).__e2eErrors ?? []);
    return { dialogs, errors };
  }
  async watchForErrors() {
    await this.evaluate(() => {
      const w = window as unknown as { __e2eErrors?: string[] };
      if (w.__e2eErrors) return;
      const errors: string[] = (w.__e2eErrors = []);
      addEventListener('error', (e) => errors.push(String(e.message)));
      addEventListener('unhandledrejection', (e) => errors.push(String(e.reason)));
    });
  }
  async close() {
    if (this.closed) return;
    await this.driver.closeWindow(this.handle);
    this.closed = true;
  }
}

export class WebKitDriver implements BrowserDriver {
  readonly engine = 'webkit' as const;
  private current: string | null;
  private readonly open = new Set<string>();
  private firstHandle: string | null;

  private constructor(
    private readonly session: Session,
    firstHandle: string,
  ) {
    this.firstHandle = firstHandle;
    this.current = firstHandle;
  }

  /**
   * A browser for one test. The host strategy a project forces is stored the way the app's runtime switch stores it
   * (localStorage of the origin) before the app first loads: WebDriver has no init scripts, so it is written from a
   * page of the same origin that is not the app (the server's health answer).
   */
  static async start(service: WebKitWebDriverService, origin: string, strategy: string): Promise<WebKitDriver> {
    const session = await service.newSession();
    await session.setTimeout({ script: 60_000, pageLoad: 60_000 });
    await session.setWindowSize(1280, 900).catch(() => {});
    if (strategy !== 'auto') {
      await session.url(`${origin}/api/health`);
      await session.execute((s: string) => localStorage.setItem('roomy.db.strategy', s), strategy);
    }
    return new WebKitDriver(session, await session.getWindowHandle());
  }

  async newTab(): Promise<Tab> {
    let handle: string;
    if (this.firstHandle) {
      // The session's own window is the first tab.
      handle = this.firstHandle;
      this.firstHandle = null;
    } else {
      // A window, not a tab: MiniBrowser keeps a background tab hidden even when WebDriver switches to it, and a
      // hidden page gets no animation frames, so the virtualised timeline would not render there. Two windows are
      // two tabs a user watches side by side.
      handle = (await this.session.createWindow('window')).handle;
    }
    this.open.add(handle);
    return new WebDriverTab(this, handle);
  }

  async killSharedWorkers(): Promise<boolean> {
    return false;
  }

  /** Makes `handle` the window that commands go to. */
  async focus(handle: string): Promise<Session> {
    if (this.current !== handle) {
      await this.session.switchToWindow(handle);
      this.current = handle;
    }
    return this.session;
  }

  async closeWindow(handle: string) {
    await this.focus(handle);
    this.open.delete(handle);
    if (this.open.size === 0) {
      // Closing the last window would end the session; leave it on a blank page instead.
      await this.session.url('about:blank');
      this.firstHandle = handle;
      return;
    }
    await this.session.closeWindow();
    this.current = null;
  }

  async quit() {
    await this.session.deleteSession().catch(() => {});
  }
}
