/**
 * `npm start`: installs what is missing, builds the app if its sources changed, then serves app + API on
 * http://localhost:${PORT:-8787} with the embedded database (DATA_DIR, default ./data) and a seeded demo space.
 * Extra arguments go to the server, e.g. `npm start -- --port 9000`.
 */
import { spawn } from 'node:child_process';
import { ensureBuild, ensureDependencies } from './setup.mjs';

ensureDependencies();
ensureBuild();
const server = spawn(
  process.execPath,
  ['--import', 'tsx', 'server/main.ts', '--static', 'dist', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));
