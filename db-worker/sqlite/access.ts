/**
 * What a statement reads and writes, as SQLite's authorizer reports it while the statement is prepared.
 * This is the "parsed dependency set" of the design: exact (table, column) pairs, found by SQLite's own parser,
 * including those reached through views, triggers, subqueries and CTEs.
 */
import * as SQLite from '@journeyapps/wa-sqlite';

export interface AccessSet {
  /** table → columns read ('' stands for a read of the table with no particular column, e.g. count(*)). */
  reads: Map<string, Set<string>>;
  /** table → columns updated; inserts and deletes touch every column and are recorded in `rowWrites`. */
  updates: Map<string, Set<string>>;
  /** tables that get rows inserted or deleted. */
  rowWrites: Set<string>;
  /** true when the statement changes the schema (CREATE/DROP/ALTER): everything must be invalidated. */
  schema: boolean;
}

export const emptyAccessSet = (): AccessSet => ({
  reads: new Map(),
  updates: new Map(),
  rowWrites: new Set(),
  schema: false,
});

const SCHEMA_ACTIONS = new Set<number>([
  SQLite.SQLITE_CREATE_INDEX,
  SQLite.SQLITE_CREATE_TABLE,
  SQLite.SQLITE_CREATE_TRIGGER,
  SQLite.SQLITE_CREATE_VIEW,
  SQLite.SQLITE_DROP_INDEX,
  SQLite.SQLITE_DROP_TABLE,
  SQLite.SQLITE_DROP_TRIGGER,
  SQLite.SQLITE_DROP_VIEW,
  SQLite.SQLITE_ALTER_TABLE,
]);

/** Tables whose reads say nothing about the app's data. */
const isInternal = (table: string) => table.startsWith('sqlite_') || table === '';

function add(map: Map<string, Set<string>>, table: string, column: string) {
  let columns = map.get(table);
  if (!columns) map.set(table, (columns = new Set()));
  columns.add(column);
}

/** Folds one authorizer callback into an access set. Arguments are those of sqlite3_set_authorizer. */
export function recordAccess(set: AccessSet, action: number, p3: string | null, p4: string | null) {
  switch (action) {
    case SQLite.SQLITE_READ:
      if (p3 && !isInternal(p3)) add(set.reads, p3, p4 ?? '');
      break;
    case SQLite.SQLITE_UPDATE:
      if (p3 && !isInternal(p3)) add(set.updates, p3, p4 ?? '');
      break;
    case SQLite.SQLITE_INSERT:
    case SQLite.SQLITE_DELETE:
      if (p3 && !isInternal(p3)) set.rowWrites.add(p3);
      break;
    default:
      if (SCHEMA_ACTIONS.has(action)) set.schema = true;
  }
}

/** Every table an access set reads. */
export const tablesRead = (set: AccessSet): Set<string> => new Set(set.reads.keys());
