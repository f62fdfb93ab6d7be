/** Which failures the user hears about as a storage problem, and in which words. */
import * as SQLite from '@journeyapps/wa-sqlite';
import { expect, test } from 'vitest';
import { STORAGE_FULL, describeStorageProblem } from './storage-problem';

const sqliteError = (code: number, message: string) => Object.assign(new Error(message), { code });
const quota = new DOMException('The current transaction exceeded its quota limitations.', 'QuotaExceededError');

test('an I/O error whose VFS exception is a QuotaExceededError is a full disk', () => {
  expect(describeStorageProblem(sqliteError(SQLite.SQLITE_IOERR_FSYNC, 'disk I/O error'), quota)).toBe(STORAGE_FULL);
});

test('a QuotaExceededError itself, or as the cause of an error, is a full disk', () => {
  expect(describeStorageProblem(quota)).toBe(STORAGE_FULL);
  expect(describeStorageProblem(new Error('storage is full', { cause: quota }))).toBe(STORAGE_FULL);
  expect(describeStorageProblem(sqliteError(SQLite.SQLITE_FULL, 'database or disk is full'))).toBe(STORAGE_FULL);
});

test('another I/O error says what the VFS kept', () => {
  const message = describeStorageProblem(sqliteError(SQLite.SQLITE_IOERR, 'disk I/O error'), new Error('gone'));
  expect(message).toMatch(/Could not save to this device's storage \(gone\)/);
});

test('an error that is not I/O is not a storage problem, whatever the VFS kept from before', () => {
  expect(describeStorageProblem(sqliteError(SQLite.SQLITE_CONSTRAINT, 'UNIQUE constraint failed'), quota)).toBeNull();
  expect(describeStorageProblem(new Error('no such table: x'), quota)).toBeNull();
});
