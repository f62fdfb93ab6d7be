/**
 * `npm test`: everything, from a fresh clone. Installs what is missing (npm packages; Debian's Chromium and
 * Firefox ESR and WebKitGTK's WebDriver when run as root), then: lint, type checks, unit tests, a production build,
 * the end-to-end suite in Chromium and Firefox (Playwright), and the core scenarios in WebKitGTK (e2e-webkit,
 * WebDriver). Stops at the first failing step.
 */
import { ensureBrowsers, ensureBuild, ensureDependencies, needsVirtualDisplay, run, versions } from './setup.mjs';

ensureDependencies();
ensureBrowsers();
console.log('browsers:', versions());
run('npm', ['run', 'lint']);
run('npm', ['run', 'typecheck']);
run('npx', ['vitest', 'run']);
ensureBuild({ force: true });
run('npx', ['playwright', 'test']);
// WebKitGTK draws on an X display: a virtual one (Xvfb) when there is none, as on CI.
const webkit = ['npx', 'playwright', 'test', '-c', 'e2e-webkit'];
if (needsVirtualDisplay()) run('xvfb-run', ['-a', ...webkit]);
else run(webkit[0], webkit.slice(1));
console.log('\nAll tests passed.');
