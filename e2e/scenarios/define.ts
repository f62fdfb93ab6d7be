/**
 * Binds scenarios to a Playwright Test runner: each spec file (e2e/*.spec.ts for Chromium and Firefox,
 * e2e-webkit/*.spec.ts for WebKitGTK) loops over scenarios with its own fixtures, which provide the driver.
 */
import type { TestInfo } from '@playwright/test';
import type { SeededRoom, StrategyOption } from '../fixtures';
import type { TestServer } from '../server';
import type { BrowserDriver } from './driver';
import { strategyOf, type Scenario } from './scenario';

export interface ScenarioFixtures {
  driver: BrowserDriver;
  server: TestServer;
  seeded: SeededRoom;
  strategy: StrategyOption;
}

/** The test body of a scenario: skips the cells it does not apply to, gives it its time, runs it. */
export function runScenario(scenario: Scenario) {
  return async ({ driver, server, seeded, strategy }: ScenarioFixtures, testInfo: TestInfo) => {
    const cell = { engine: driver.engine, strategy: strategyOf(strategy) };
    const skip = scenario.skip?.(cell) ?? null;
    testInfo.skip(skip !== null, skip ?? '');
    testInfo.setTimeout(scenario.timeoutMs);
    testInfo.annotations.push({ type: 'scenario', description: `${scenario.id} (${cell.engine}, ${cell.strategy})` });
    await scenario.run({ browser: driver, server, room: seeded, strategy: cell.strategy });
  };
}
