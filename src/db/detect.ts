/**
 * Which host strategies this browser can run, best first, and why. The facts behind the order
 * (../shared/reference/browser-probe/README.md): a SharedWorker gives every tab one host with no election; where
 * it is missing (Chrome for Android, some WebViews) a dedicated worker in an elected leader tab is next; the main
 * thread is the last resort when workers fail.
 */
import type { Strategy } from './config';

export interface Detection {
  /** Runnable strategies, best first. */
  order: Strategy[];
  reasons: string[];
}

export function detectStrategies(): Detection {
  const reasons: string[] = [];
  const order: Strategy[] = [];
  const hasLocks = typeof navigator !== 'undefined' && !!navigator.locks;
  const hasBus = typeof BroadcastChannel !== 'undefined';
  if (typeof SharedWorker !== 'undefined') order.push('shared');
  else reasons.push('no SharedWorker in this browser');
  if (typeof Worker !== 'undefined' && hasLocks && hasBus) order.push('dedicated');
  else reasons.push('dedicated workers need Worker, Web Locks and BroadcastChannel');
  order.push('main');
  if (!hasLocks) reasons.push('no Web Locks: the main-thread host cannot be shared between tabs');
  return { order, reasons };
}

/**
 * The order to try strategies in: the chosen one first, then only the ones after it that can run (a forced
 * `dedicated` falls back to `main`, never up to `shared`: tabs of one origin must not mix hosts that would fight
 * over the database).
 */
export function strategyOrder(chosen: Strategy | 'auto', detection: Detection): Strategy[] {
  if (chosen === 'auto') return detection.order;
  const canonical: Strategy[] = ['shared', 'dedicated', 'main'];
  return [chosen, ...canonical.slice(canonical.indexOf(chosen) + 1).filter((s) => detection.order.includes(s))];
}
