/**
 * The app is installable: a web manifest with icons generated from public/logo.svg at build time
 * (@vite-pwa/assets-generator), theme colours, and (in Chromium, which can tell) no installability error.
 */
import { expect, test } from './fixtures';

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

test('the web manifest, its generated icons and the theme colour', async ({ page, server }) => {
  await page.goto(server.url);
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifestUrl = new URL(href!, server.url);
  const manifest = (await (await page.request.get(manifestUrl.href)).json()) as {
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
  } & Record<string, unknown>;
  expect(manifest).toMatchObject({
    name: 'Roomy',
    short_name: 'Roomy',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    theme_color: '#171b24',
    background_color: '#1f2430',
  });
  await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', '#171b24');

  // Icons: the sizes an install needs (192 and 512, and a maskable one), each a PNG of the size it claims.
  const sizes = manifest.icons.map((i) => `${i.sizes}${i.purpose === 'maskable' ? ' maskable' : ''}`);
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512', '512x512 maskable']));
  for (const icon of manifest.icons) {
    const response = await page.request.get(new URL(icon.src, manifestUrl).href);
    expect(response.ok(), icon.src).toBe(true);
    expect(response.headers()['content-type']).toBe('image/png');
    const [w, h] = pngSize(await response.body());
    expect(`${w}x${h}`).toBe(icon.sizes);
  }
  // Favicons and the Apple touch icon come from the same source image.
  for (const selector of [
    'link[rel="icon"][href$=".ico"]',
    'link[rel="icon"][href$=".svg"]',
    'link[rel="apple-touch-icon"]',
  ]) {
    const iconHref = await page.locator(selector).getAttribute('href');
    expect((await page.request.get(new URL(iconHref!, server.url).href)).ok(), selector).toBe(true);
  }
});

test('Chromium finds nothing that prevents installing the app', async ({
  playwright,
  server,
  browserName,
}, testInfo) => {
  test.skip(browserName !== 'chromium', 'only Chromium reports installability (DevTools protocol)');
  // A persistent profile: Playwright's usual contexts are incognito, where nothing can be installed.
  const context = await playwright.chromium.launchPersistentContext(testInfo.outputPath('profile'), {
    ...testInfo.project.use.launchOptions,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
    const { url, errors } = (await cdp.send('Page.getAppManifest')) as { url: string; errors: { message: string }[] };
    expect(url).toMatch(/\/manifest\.json$/);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});
