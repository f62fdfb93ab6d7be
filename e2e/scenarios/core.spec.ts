/** The core scenarios (./core.ts) in Chromium and Firefox, under each host strategy (the Playwright projects). */
import { coreScenarios } from './core';
import { runScenario } from './define';
import { test } from './fixtures';

for (const scenario of coreScenarios) test(scenario.title, runScenario(scenario));
