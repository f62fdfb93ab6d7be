/**
 * Tells a failure of the device's storage (quota exhausted, IndexedDB or OPFS refusing a write) from other errors,
 * and words it for the user. The VFS turns a storage exception into an SQLite I/O error code and keeps the exception
 * itself aside (its `lastError`): both are looked at.
 */
import * as SQLite from '@journeyapps/wa-sqlite';

const nameOf = (e: unknown) => (typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const STORAGE_FULL =
  "This device's storage is full: new messages cannot be saved here until space is freed. " +
  'What is already here can still be read.';

/**
 * A sentence for the user when `error` is a storage failure; null for any other error. `vfsError` (the exception
 * the VFS kept) explains only an I/O error: it may be left from an earlier failure.
 */
export function describeStorageProblem(error: unknown, vfsError: unknown = null): string | null {
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const io = typeof code === 'number' && (code & 0xff) === SQLite.SQLITE_IOERR;
  const causes = io ? [error, cause, vfsError] : [error, cause];
  if (causes.some((e) => nameOf(e) === 'QuotaExceededError') || code === SQLite.SQLITE_FULL) return STORAGE_FULL;
  if (io) {
    return `Could not save to this device's storage (${messageOf(vfsError ?? error)}). What is already here can still be read.`;
  }
  return null;
}
