/**
 * Updates never strand an open tab: the app is built twice (VITE_ROOMY_BUILD=v1, then v2: a changed source, so new
 * hashes and a new service worker) into two folders; the server serves v1, then v2. Open tabs of v1 keep working,
 * show "a new version is available", and one click reloads every tab into v2.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { TestServer } from './server';
import { newAppContext } from './sync-helpers';

let builds: string;

test.beforeAll(() => {
  builds = mkdtempSync(join(tmpdir(), 'roomy-builds-'));
  for (const version of ['v1', 'v2']) {
    execFileSync('npx', ['vite', 'build', '--logLevel', 'error'], {
      env: { ...process.env, VITE_ROOMY_BUILD: version, ROOMY_DIST: join(builds, version) },
      stdio: 'inherit',
    });
  }
});

test.afterAll(() => rmSync(builds, { recursive: true, force: true }));

test('a new version is offered in every open tab, and one click reloads them all into it', async ({
  browser,
  strategy,
}) => {
  test.setTimeout(120_000);
  const server = await TestServer.start({ staticDir: join(builds, 'v1') });
  const context = await newAppContext(browser, strategy);
  try {
    const [one, two] = [await context.newPage(), await context.newPage()];
    for (const page of [one, two]) {
      await page.goto(server.url);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
      await expect(page.locator('html')).toHaveAttribute('data-build', 'v1');
    }

    // Deploy v2.
    await server.stop();
    server.staticDir = join(builds, 'v2');
    await server.start();
    // Browsers look for a new service worker on navigations and on the app's periodic check; do the check now.
    await one.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());

    for (const page of [one, two]) {
      await expect(page.getByRole('alert').filter({ hasText: 'A new version of Roomy is available' })).toBeVisible();
      // Still v1, still working: the old worker and its cache keep serving this tab until the user says so.
      await expect(page.locator('html')).toHaveAttribute('data-build', 'v1');
    }
    await expect(two.locator('[data-message-id]').first()).toBeVisible();
    await two.reload();
    await expect(two.locator('html')).toHaveAttribute('data-build', 'v1');
    await expect(two.getByRole('alert').filter({ hasText: 'A new version of Roomy is available' })).toBeVisible();

    await one.getByRole('button', { name: 'Reload' }).click();
    for (const page of [one, two]) {
      await expect(page.locator('html')).toHaveAttribute('data-build', 'v2', { timeout: 30_000 });
      await expect(page.locator('[data-message-id]').first()).toBeVisible();
      await expect(page.getByRole('alert').filter({ hasText: 'A new version' })).toHaveCount(0);
    }
  } finally {
    await context.close();
    await server.dispose();
  }
});
