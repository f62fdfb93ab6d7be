/**
 * The tab's database: one WorkerManager per tab, started on first use, configured from the page (see config.ts),
 * and reachable from the browser console as `window.roomy` (documented in docs/worker-manager.md).
 */
import { batch } from 'solid-js';
import type { ManagerHealth } from './manager';
import { WorkerManager } from './manager';
import { configFromPage, type Strategy } from './config';
import type { TracedMessage } from './trace';

let manager: WorkerManager | undefined;

export function getDb(): WorkerManager {
  manager ??= new WorkerManager(configFromPage(), batch);
  return manager;
}

/** Switches every tab of this origin to another host strategy (a testing aid; see the devtools). */
export function switchStrategy(strategy: Strategy) {
  return getDb().switchStrategy(strategy);
}

/** The console handle. */
export interface RoomyHandle {
  /** Strategy, VFS, leader, uptime, restarts, queue depths, last heartbeat, per-request metrics. */
  health(): Promise<ManagerHealth>;
  switchStrategy(strategy: Strategy): Promise<void>;
  /** The latest messages between this tab and the host (with ?debug=1). */
  messages(): TracedMessage[];
  /** Fault injection: end the host, freeze it, or send a request it never answers. */
  inject(action: 'crash' | 'freeze' | 'never-answer', timeoutMs?: number): Promise<null>;
  db(): WorkerManager;
}

declare global {
  interface Window {
    roomy: RoomyHandle;
  }
}

window.roomy = {
  health: () => getDb().health(),
  switchStrategy,
  messages: () => getDb().traced(),
  inject: (action, timeoutMs) => getDb().inject(action, timeoutMs),
  db: getDb,
};
