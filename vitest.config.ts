import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{protocol,server,db-worker,sw,src}/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
  },
});
