/**
 * Dev mode: `vite` (dev server, with the event server behind its /api proxy) serves the service worker as a classic
 * script, so the app with its service worker runs in every browser, Firefox included; the worker never answers
 * Vite's module requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './server';
import { ulid } from 'ulidx';
import { expect, messageFrom, test } from './fixtures';

let vite: ChildProcess | undefined;
let devUrl: string;

test.beforeAll(async ({ server }) => {
  const port = await freePort();
  devUrl = `http://localhost:${port}`;
  vite = spawn('npx', ['vite', '--port', String(port), '--strictPort', '--host', 'localhost'], {
    env: { ...process.env, PORT: String(server.port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  vite.stdout!.on('data', (d) => (output += d));
  vite.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (vite.exitCode !== null) throw new Error(`vite exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`vite did not start: ${output}`);
    try {
      if ((await fetch(`${devUrl}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
});

test.afterAll(() => {
  // npx starts vite as a child: end the whole process group this test started.
  if (vite?.pid) process.kill(-vite.pid, 'SIGTERM');
});

test('vite dev: the app runs with its service worker, which is a classic script and leaves modules alone', async ({
  page,
  server,
  seeded,
}) => {
  test.setTimeout(120_000);
  await page.goto(`${devUrl}/space/${seeded.stream}/room/${seeded.room}`);
  await expect(page.locator('[data-message-id]').first()).toBeVisible({ timeout: 60_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  const script = await page.evaluate(async () => (await fetch('/dev-sw.js?dev-sw')).text());
  expect(script).not.toMatch(/^\s*(import|export)\s/m);

  // Live through the dev server's proxy (the service worker's tail).
  await expect(page.getByRole('status').filter({ hasText: /^live$/ })).toBeVisible({ timeout: 30_000 });
  const text = `dev mode ${ulid()}`;
  await server.append(seeded.stream, [messageFrom('did:plc:bob', seeded, text)]);
  await expect(page.getByText(text, { exact: true })).toBeVisible();

  // Controlled now: a reload's module requests still come from Vite, not from the worker.
  const modules: { url: string; fromServiceWorker: boolean }[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/src/') || url.pathname.startsWith('/@')) {
      modules.push({ url: url.pathname, fromServiceWorker: response.fromServiceWorker() });
    }
  });
  await page.reload();
  await expect(page.locator('[data-message-id]').first()).toBeVisible({ timeout: 60_000 });
  expect(modules.length).toBeGreaterThan(0);
  expect(modules.filter((m) => m.fromServiceWorker)).toEqual([]);
});
