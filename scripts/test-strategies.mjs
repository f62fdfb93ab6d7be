/**
 * `npm run test:strategies`: every e2e spec under each forced strategy (`dedicated` and `main`) in Chromium and
 * Firefox, the UI walkthroughs included. `npm test` runs the default strategy in full and, under the forced ones,
 * the specs that exercise the host and the sync path; this is the rest, kept out of it for CI's time budget.
 * Extra arguments go to Playwright (e.g. `-- e2e/ui-chat.spec.ts`).
 */
import { ensureBrowsers, ensureBuild, ensureDependencies, run } from './setup.mjs';

ensureDependencies();
ensureBrowsers();
ensureBuild();
process.env.ROOMY_E2E_ALL_SPECS = '1';
const projects = ['chromium', 'firefox'].flatMap((b) => ['dedicated', 'main'].map((s) => `--project=${b}-${s}`));
run('npx', ['playwright', 'test', ...projects, ...process.argv.slice(2)]);
