/**
 * A scenario is one user-visible promise of the app, checked in a real browser against a real server, written
 * once against the driver-neutral API (./driver.ts) and bound to a test runner by ./define.ts: Playwright for
 * Chromium and Firefox (e2e/*.spec.ts), webdriverio for WebKitGTK (e2e-webkit/*.spec.ts).
 *
 * Assertions are node:assert plus `eventually` (retry until it holds), so that a scenario depends on no runner.
 */
import type { SeededRoom, StrategyOption } from '../fixtures';
import type { TestServer } from '../server';
import type { BrowserDriver, Engine } from './driver';

export type Strategy = 'shared' | 'dedicated' | 'main';

/** The strategy a cell of the matrix runs: what the project forces, or the app's choice ('auto' → SharedWorker). */
export const strategyOf = (option: StrategyOption): Strategy => (option === 'auto' ? 'shared' : option);

export interface ScenarioContext {
  browser: BrowserDriver;
  server: TestServer;
  /** The seeded demo space's busiest channel. */
  room: SeededRoom;
  strategy: Strategy;
}

export interface Scenario {
  /** Short name, as the README's matrix shows it. */
  id: string;
  title: string;
  timeoutMs: number;
  /** Why this scenario does not apply to a cell of the matrix, or null when it does. */
  skip?: (cell: { engine: Engine; strategy: Strategy }) => string | null;
  run(context: ScenarioContext): Promise<void>;
}

/**
 * Runs `check` until it stops throwing, and returns its last value; after `timeout` ms, throws its last error with
 * `message` in front. Checks that hold at once cost one call.
 */
export async function eventually<T>(
  check: () => Promise<T> | T,
  { timeout = 15_000, interval = 200, message = 'condition never held' } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${message} (after ${timeout} ms): ${reason}`, { cause: error });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
