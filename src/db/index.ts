/**
 * The tab's database: one client per tab, started on first use, configured from the page URL
 * (`?vfs=IDBMirrorVFS`, `?debug=1`), and reachable from the browser console as `window.roomy`.
 */
import { batch } from 'solid-js';
import type { HostHealth } from '../../protocol/messages';
import { DbClient } from './client';
import { connectShared, type HostChoice } from './connect';

function choiceFromUrl(): HostChoice {
  const params = new URLSearchParams(location.search);
  return {
    vfs: params.get('vfs') ?? undefined,
    database: params.get('dbname') ?? 'roomy',
    debug: params.get('debug') === '1',
  };
}

let client: DbClient | undefined;

export function getDb(): DbClient {
  if (!client) {
    const choice = choiceFromUrl();
    client = new DbClient(connectShared(choice), {
      requestTimeoutMs: 30_000,
      heartbeatMs: 5_000,
      debug: choice.debug,
      batch,
    });
  }
  return client;
}

/** The console handle: `await roomy.health()`. */
export interface RoomyHandle {
  health(): Promise<HostHealth>;
  db: () => DbClient;
}

declare global {
  interface Window {
    roomy: RoomyHandle;
  }
}

window.roomy = {
  health: () => getDb().request('health', {}),
  db: getDb,
};
