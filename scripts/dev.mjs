/**
 * `npm run dev`: the event server (API only, on $PORT or 8787) and Vite's dev server on http://localhost:5173,
 * which proxies /api to it. The service worker is built as a classic script in dev too.
 */
import { spawn } from 'node:child_process';
import { ensureDependencies } from './setup.mjs';

ensureDependencies();
const children = [
  spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--static', ''], { stdio: 'inherit' }),
  spawn('npx', ['vite'], { stdio: 'inherit' }),
];
const stop = () => children.forEach((c) => c.kill('SIGTERM'));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, stop);
for (const child of children)
  child.on('exit', (code) => {
    stop();
    process.exit(code ?? 0);
  });
