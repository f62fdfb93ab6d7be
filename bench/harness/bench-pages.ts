/** The harness's side of the benchmark pages (bench/browser/main.ts): a tab on their origin and its calls. */
import type { BenchApi, Context } from '../browser/main';
import type { BenchBrowser, BenchPage } from './browsers';
import { progress } from './progress';

type Bench = BenchApi;
export type { Context };

export class BenchPages {
  private constructor(readonly page: BenchPage) {}

  static async open(browser: BenchBrowser, url: string): Promise<BenchPages> {
    const page = await browser.newPage();
    page.onConsole((text) => {
      if (text.startsWith('[bench')) progress(`  ${browser.name}: ${text}`);
    });
    await page.goto(`${url}/index.html`);
    await page.evaluate(async () => {
      for (let i = 0; i < 200 && !(window as unknown as { bench?: unknown }).bench; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }, null);
    return new BenchPages(page);
  }

  contexts(): ReturnType<Bench['contexts']> {
    return this.page.evaluate(() => (window as unknown as { bench: Bench }).bench.contexts(), null);
  }

  vfs(context: Context, options: Parameters<Bench['vfs']>[1]): ReturnType<Bench['vfs']> {
    return this.page.evaluate(
      ({ context, options }) => (window as unknown as { bench: Bench }).bench.vfs(context, options),
      { context, options },
    );
  }

  protocol(options: Parameters<Bench['protocol']>[0]): ReturnType<Bench['protocol']> {
    return this.page.evaluate((options) => (window as unknown as { bench: Bench }).bench.protocol(options), options);
  }

  engine(options: Parameters<Bench['engine']>[0]): ReturnType<Bench['engine']> {
    return this.page.evaluate((options) => (window as unknown as { bench: Bench }).bench.engine(options), options);
  }

  close() {
    return this.page.close();
  }
}
