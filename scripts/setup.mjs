/**
 * What `npm start` and `npm test` need before they can run, installed when missing. Only Node built-ins here:
 * this runs before the dependencies exist.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const run = (cmd, args, env = {}) => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);

/**
 * node_modules as package-lock.json says, installed with `npm ci` when missing or when the lock file changed.
 * "Changed" is judged by content, not modification time: a git checkout touches every file.
 */
export function ensureDependencies() {
  const stamp = 'node_modules/.roomy-lock-hash';
  const lockHash = createHash('sha256').update(readFileSync('package-lock.json')).digest('hex');
  if (existsSync('node_modules/.package-lock.json') && existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash)
    return;
  // Browsers come from the system (Debian packages): never let a package download its own.
  run('npm', ['ci', '--no-audit', '--no-fund'], {
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    PUPPETEER_SKIP_DOWNLOAD: '1',
  });
  writeFileSync(stamp, lockHash);
}

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/, rebuilt when any source of the app is newer than it. */
export function ensureBuild({ force = false } = {}) {
  const built = mtime('dist/index.html');
  const sources = Math.max(
    ...['src', 'sw', 'db-worker', 'protocol', 'public'].filter(existsSync).map(newestIn),
    ...['index.html', 'vite.config.ts', 'package-lock.json'].map(mtime),
  );
  if (!force && built > sources) return;
  run('npx', ['vite', 'build']);
}

/**
 * What the e2e suites drive, from Debian: Chromium and Firefox ESR (Playwright), and WebKitGTK's WebDriver server
 * with its MiniBrowser (the webkit2gtk-driver package pulls in libwebkit2gtk-4.1-0, which has the browser).
 */
export const BROWSERS = [
  { binary: '/usr/bin/chromium', packages: ['chromium'] },
  { binary: '/usr/bin/firefox-esr', packages: ['firefox-esr'] },
  { binary: '/usr/bin/WebKitWebDriver', packages: ['webkit2gtk-driver'] },
];
/** WebKitGTK needs an X display: without one, the WebKit suite runs under `xvfb-run -a` (which needs xauth). */
const VIRTUAL_DISPLAY = [
  { binary: '/usr/bin/xvfb-run', packages: ['xvfb'] },
  { binary: '/usr/bin/xauth', packages: ['xauth'] },
];
const EXTRA_PACKAGES = ['ca-certificates', 'fonts-noto-color-emoji'];

export const needsVirtualDisplay = () => !process.env.DISPLAY;

export function ensureBrowsers() {
  const wanted = [...BROWSERS, ...(needsVirtualDisplay() ? VIRTUAL_DISPLAY : [])];
  const missing = wanted.filter((b) => !existsSync(b.binary));
  if (!missing.length) return;
  const packages = [...missing.flatMap((b) => b.packages), ...EXTRA_PACKAGES];
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!isRoot || !hasApt) {
    console.error(
      `The end-to-end tests need ${missing.map((b) => b.binary).join(', ')}.\n` +
        `Install them with:\n\n  sudo apt-get install -y --no-install-recommends ${packages.join(' ')}\n`,
    );
    process.exit(1);
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], env);
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], env);
}

export function versions() {
  const v = (cmd, args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')
        .pop();
    } catch {
      return 'not found';
    }
  };
  return {
    chromium: v('/usr/bin/chromium', ['--version']),
    firefox: v('/usr/bin/firefox-esr', ['--version']),
    // WebKitWebDriver has no --version; the engine's version is its library package's.
    webkitgtk: v('dpkg-query', ['-W', '-f=${Version}', 'libwebkit2gtk-4.1-0']),
  };
}

export { run };
