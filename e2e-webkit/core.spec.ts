/** The core scenarios (../e2e/scenarios/core.ts) in WebKitGTK, under each host strategy (this folder's projects). */
import { coreScenarios } from '../e2e/scenarios/core';
import { runScenario } from '../e2e/scenarios/define';
import { test } from './fixtures';

for (const scenario of coreScenarios) test(scenario.title, runScenario(scenario));
