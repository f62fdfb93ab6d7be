/**
 * Starts (or joins) the database host and returns the tab's end of the connection to it.
 * The SharedWorker's name carries the host configuration: tabs asking for the same one share the same worker.
 */
import SharedHost from '../../db-worker/entry-shared.ts?sharedworker';
import type { ClientPort } from './client';

export interface HostChoice {
  vfs?: string;
  database: string;
  debug: boolean;
}

export function hostName(choice: HostChoice): string {
  const params = new URLSearchParams({ db: choice.database });
  if (choice.vfs) params.set('vfs', choice.vfs);
  if (choice.debug) params.set('debug', '1');
  return params.toString();
}

export function connectShared(choice: HostChoice): ClientPort {
  const worker = new SharedHost({ name: hostName(choice) });
  worker.port.start();
  return worker.port;
}
