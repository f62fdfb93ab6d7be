/**
 * Builds what a run serves: the app (into its own ROOMY_DIST folder, so that parallel builds do not collide) and
 * the benchmark's own pages (bench/browser/), which open wa-sqlite in workers with the app's code but are never
 * part of the shipped app.
 */
import { join } from 'node:path';
import { runStep } from './processes';

const vite = join('node_modules', 'vite', 'bin', 'vite.js');

/** `readable`: not minified, so that CPU profiles name the app's functions (--profile); a little slower to run. */
export async function buildApp(outDir: string, options: { readable?: boolean } = {}) {
  const args = [vite, 'build', '--logLevel', 'warn'];
  if (options.readable) args.push('--minify', 'false');
  await runStep(options.readable ? 'app build (not minified, for --profile)' : 'app build', process.execPath, args, {
    ROOMY_DIST: outDir,
  });
}

export async function buildBenchPages(outDir: string) {
  await runStep('bench pages build', process.execPath, [
    vite,
    'build',
    '--config',
    'bench/browser/vite.config.ts',
    '--outDir',
    outDir,
    '--emptyOutDir',
    '--logLevel',
    'warn',
  ]);
}
