import { configDefaults, defineConfig } from 'vitest/config';

/** Solid's reactive primitives, tested in Node: `*.solid.test.ts` resolve Solid as in the browser. */
const SOLID_TESTS = 'src/**/*.solid.test.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['{protocol,server,db-worker,sw,src,bench}/**/*.test.ts'],
          exclude: [...configDefaults.exclude, SOLID_TESTS],
          environment: 'node',
        },
      },
      {
        extends: true,
        // Solid's `node` export is its server build, which does not react.
        ssr: { resolve: { conditions: ['browser', 'development'] } },
        test: {
          name: 'solid',
          include: [SOLID_TESTS],
          environment: 'node',
          server: { deps: { inline: [/solid-js/] } },
        },
      },
    ],
  },
});
