/**
 * The browsers a run drives, behind a small interface, so that the metrics do not care which driver is under it.
 * Chromium and Firefox ESR run under Playwright with Debian's binaries (the launch options of playwright.config.ts).
 * WebKitGTK cannot be driven by Playwright here (it needs Playwright's own WebKit build); it runs under webdriverio
 * and WebKitWebDriver, which another change wires in: implement `BenchBrowserType` for it in this file
 * (`addInitScript` maps to a BiDi preload script or to a script injected before the app's, `evaluate` to
 * `executeAsync`) and the metrics run unchanged.
 *
 * Every browser runs with a persistent profile in a temporary folder: Playwright's ordinary contexts keep
 * IndexedDB and OPFS in memory in Chromium (incognito), which would flatter every storage figure.
 */
import { chromium, firefox, type BrowserContext, type CDPSession, type Page } from '@playwright/test';
import { progress } from './progress';

export type BrowserName = 'chromium' | 'firefox' | 'webkit';

/** One tab. */
export interface BenchPage {
  goto(url: string): Promise<void>;
  /** Runs `fn(arg)` in the page and returns its (awaited, serialisable) result. */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Runs `fn(arg)` in every document this tab loads from now on, before the page's own scripts. */
  addInitScript<A>(fn: (arg: A) => void, arg: A): Promise<void>;
  /** Console output of the page, for progress and diagnostics. */
  onConsole(listener: (text: string) => void): void;
  close(): Promise<void>;
}

/** What a worker's inspector tells about its JavaScript heap. */
export interface HeapUsage {
  usedBytes: number;
  totalBytes: number;
}

/** A CPU profile of a worker, reduced to where its time went. */
export interface ProfileSummary {
  totalMs: number;
  /** Self time by function (and script), most first. */
  top: { name: string; selfMs: number; share: number }[];
  /** Self time by script file. */
  byUrl: { url: string; selfMs: number; share: number }[];
}

export interface WorkerProfiler {
  stop(): Promise<ProfileSummary>;
}

export interface BenchBrowser {
  name: BrowserName;
  version: string;
  newPage(): Promise<BenchPage>;
  /**
   * The JS heap of the SharedWorker whose script URL starts with `urlPrefix`, after a garbage collection; null
   * where the browser gives automation no per-worker heap figure.
   */
  workerHeap(urlPrefix: string): Promise<HeapUsage | null>;
  /** Starts a CPU profile of that SharedWorker as soon as it exists; null where not supported. */
  profileWorker(urlPrefix: string): Promise<WorkerProfiler | null>;
  close(): Promise<void>;
}

export interface BenchBrowserType {
  name: BrowserName;
  /** Why this browser cannot run here, or null. */
  unavailable(): string | null;
  launch(profileDir: string): Promise<BenchBrowser>;
}

/** The same options as playwright.config.ts: Debian's Chromium. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Tabs already handed out (a persistent context's first blank tab is reused once). */
const used = new WeakSet<Page>();

/**
 * The harness runs under tsx, whose esbuild keeps function names by wrapping them in `__name(fn, "name")`; the
 * functions it hands to the page are serialised with those calls inside, so the page needs a `__name` too.
 */
const KEEP_NAMES_SHIM = 'globalThis.__name ??= (fn) => fn;';

class PlaywrightPage implements BenchPage {
  constructor(readonly page: Page) {}
  async goto(url: string) {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
  }
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return this.page.evaluate(fn as never, arg) as Promise<R>;
  }
  async addInitScript<A>(fn: (arg: A) => void, arg: A) {
    await this.page.addInitScript(fn as never, arg);
  }
  onConsole(listener: (text: string) => void) {
    this.page.on('console', (message) => listener(message.text()));
  }
  async close() {
    await this.page.close();
  }
}

class PlaywrightBrowser implements BenchBrowser {
  private cdp: Promise<CDPSession> | null = null;
  constructor(
    readonly name: BrowserName,
    readonly version: string,
    private readonly context: BrowserContext,
  ) {}

  async newPage(): Promise<BenchPage> {
    // A persistent context opens with one blank tab: use it first.
    const blank = this.context.pages().find((p) => p.url() === 'about:blank' && !used.has(p));
    const page = blank ?? (await this.context.newPage());
    used.add(page);
    page.setDefaultTimeout(120_000);
    await page.addInitScript({ content: KEEP_NAMES_SHIM });
    await page.evaluate(KEEP_NAMES_SHIM);
    return new PlaywrightPage(page);
  }

  private inspector(): Promise<CDPSession> | null {
    if (this.name !== 'chromium') return null;
    this.cdp ??= this.context.browser()!.newBrowserCDPSession();
    return this.cdp;
  }

  async workerHeap(urlPrefix: string): Promise<HeapUsage | null> {
    const cdp = this.inspector();
    if (!cdp) return null;
    const worker = await attachSharedWorker(await cdp, urlPrefix, 10_000);
    try {
      await worker.send('HeapProfiler.collectGarbage');
      const usage = (await worker.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
      return { usedBytes: usage.usedSize, totalBytes: usage.totalSize };
    } finally {
      await worker.detach();
    }
  }

  async profileWorker(urlPrefix: string): Promise<WorkerProfiler | null> {
    const cdp = this.inspector();
    if (!cdp) return null;
    const worker = await attachSharedWorker(await cdp, urlPrefix, 60_000);
    await worker.send('Profiler.enable');
    await worker.send('Profiler.setSamplingInterval', { interval: 500 });
    await worker.send('Profiler.start');
    return {
      stop: async () => {
        const { profile } = (await worker.send('Profiler.stop')) as { profile: CpuProfile };
        await worker.detach();
        return summarizeProfile(profile);
      },
    };
  }

  async close() {
    await this.context.close();
  }
}

/**
 * A session with a SharedWorker through the browser's DevTools protocol. Playwright does not expose shared workers,
 * so this attaches to the worker's target without flattening and talks to it with Target.sendMessageToTarget.
 */
class WorkerSession {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listener = (event: { sessionId: string; message: string }) => {
    if (event.sessionId !== this.sessionId) return;
    const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  };
  constructor(
    private readonly cdp: CDPSession,
    private readonly sessionId: string,
  ) {
    cdp.on('Target.receivedMessageFromTarget', this.listener);
  }
  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      void this.cdp
        .send('Target.sendMessageToTarget', {
          sessionId: this.sessionId,
          message: JSON.stringify({ id, method, params }),
        })
        .catch(reject);
    });
  }
  async detach() {
    this.cdp.off('Target.receivedMessageFromTarget', this.listener);
    await this.cdp.send('Target.detachFromTarget', { sessionId: this.sessionId }).catch(() => {});
  }
}

async function attachSharedWorker(cdp: CDPSession, urlPrefix: string, timeoutMs: number): Promise<WorkerSession> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const target = targetInfos.find((t) => t.type === 'shared_worker' && t.url.startsWith(urlPrefix));
    if (target) {
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false });
      return new WorkerSession(cdp, sessionId);
    }
    if (Date.now() > deadline) throw new Error(`no shared worker at ${urlPrefix} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) byNode.set(samples[i]!, (byNode.get(samples[i]!) ?? 0) + (deltas[i] ?? 0));
  const byName = new Map<string, number>();
  const byUrl = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (!us) continue;
    total += us;
    const file = node.callFrame.url.split('/').pop() || '(native)';
    const name = `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`;
    byName.set(name, (byName.get(name) ?? 0) + us);
    byUrl.set(file, (byUrl.get(file) ?? 0) + us);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).map(([key, us]) => ({ key, selfMs: ms(us), share: us / (total || 1) }));
  return {
    totalMs: ms(total),
    top: rank(byName)
      .slice(0, 25)
      .map(({ key, ...rest }) => ({ name: key, ...rest })),
    byUrl: rank(byUrl)
      .slice(0, 15)
      .map(({ key, ...rest }) => ({ url: key, ...rest })),
  };
}

function playwrightType(
  name: 'chromium' | 'firefox',
  launch: (profileDir: string) => Promise<BrowserContext>,
): BenchBrowserType {
  return {
    name,
    unavailable: () => null,
    async launch(profileDir) {
      const context = await launch(profileDir);
      const version = context.browser()?.version() ?? 'unknown';
      progress(`${name} ${version} launched`);
      return new PlaywrightBrowser(name, version, context);
    },
  };
}

export const BROWSERS: Record<BrowserName, BenchBrowserType> = {
  chromium: playwrightType('chromium', (dir) =>
    chromium.launchPersistentContext(dir, { headless: true, executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ),
  // Firefox ESR over WebDriver BiDi; patches/playwright-core+*.patch makes Playwright tolerate what ESR lacks.
  firefox: playwrightType('firefox', (dir) =>
    firefox.launchPersistentContext(dir, {
      headless: true,
      channel: 'moz-firefox',
      executablePath: '/usr/bin/firefox-esr',
    }),
  ),
  webkit: {
    name: 'webkit',
    unavailable: () =>
      'WebKitGTK is not wired into the benchmark yet: it needs a webdriverio implementation of BenchBrowserType (bench/harness/browsers.ts)',
    launch: () => Promise.reject(new Error('WebKitGTK is not wired into the benchmark yet')),
  },
};
