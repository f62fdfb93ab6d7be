/**
 * `npm test`: everything, from a fresh clone. Installs what is missing (npm packages; Debian's Chromium and
 * Firefox ESR when run as root), then: lint, type checks, unit tests, a production build, and the end-to-end
 * suite in Chromium and Firefox. Stops at the first failing step.
 */
import { ensureBrowsers, ensureBuild, ensureDependencies, run, versions } from './setup.mjs';

ensureDependencies();
ensureBrowsers();
console.log('browsers:', versions());
run('npm', ['run', 'lint']);
run('npm', ['run', 'typecheck']);
run('npx', ['vitest', 'run']);
ensureBuild({ force: true });
run('npx', ['playwright', 'test']);
console.log('\nAll tests passed.');
