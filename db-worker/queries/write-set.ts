/**
 * The write set of a commit, per table: which columns may have changed (from the access sets of the statements
 * that ran: UPDATE names its columns, INSERT and DELETE touch them all), which rowids (update_hook: inserted,
 * deleted, and updated by which statement), and the key values of changed rows for watched columns (watch
 * triggers). Changes of several commits merge into one.
 */
import type { AccessSet } from '../sqlite/access';
import type { CommitChanges } from '../sqlite/database';

export type ChangedColumns = ReadonlySet<string> | 'all';

export interface TableChange {
  table: string;
  columns: ChangedColumns;
  /** Every rowid changed, or null when they are not known (truncate, REPLACE…): then any row may have changed. */
  rowids: ReadonlySet<bigint> | null;
  inserted: ReadonlySet<bigint>;
  deleted: ReadonlySet<bigint>;
  /** Updated rowids, grouped by the columns the statement that updated them may have changed. */
  updates: readonly { columns: ChangedColumns; rowids: ReadonlySet<bigint> }[];
  /** Declared column → keys of that column in changed rows (old and new values); absent = unknown. */
  keys: ReadonlyMap<string, ReadonlySet<string>>;
  /** Declared column → rowid → keys, for the rows updated or deleted. */
  rowKeys: ReadonlyMap<string, ReadonlyMap<bigint, ReadonlySet<string>>>;
}

/** A change as one subscription sees it (see `relevantTo`). */
export interface RelevantChange extends TableChange {
  /** Rows updated in a column the subscription reads. */
  updated: ReadonlySet<bigint>;
  /** Rows whose earlier state mattered to the subscription: deleted, or updated in a column it reads. */
  touched: ReadonlySet<bigint> | null;
}

const NONE: ReadonlySet<bigint> = new Set();
const NO_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map();
const NO_ROW_KEYS: ReadonlyMap<string, ReadonlyMap<bigint, ReadonlySet<string>>> = new Map();

/** What one write statement can change, per table; computed once per prepared statement. */
const summaries = new WeakMap<AccessSet, Map<string, ChangedColumns>>();
function summaryOf(access: AccessSet): Map<string, ChangedColumns> {
  let summary = summaries.get(access);
  if (!summary) {
    summary = new Map();
    for (const [table, columns] of access.updates) summary.set(table, columns);
    for (const table of access.rowWrites) summary.set(table, 'all');
    summaries.set(access, summary);
  }
  return summary;
}

export function unionColumns(a: ChangedColumns, b: ChangedColumns): ChangedColumns {
  if (a === 'all' || b === 'all') return 'all';
  if (a === b || b.size === 0) return a;
  if (a.size === 0) return b;
  return new Set([...a, ...b]);
}

/** Whether changed columns include one of those read ('' = the table without a column). */
export function columnsMeet(changed: ChangedColumns, read: ReadonlySet<string>): boolean {
  if (changed === 'all') return true;
  for (const column of changed) if (read.has(column)) return true;
  return false;
}

/** Whether a change can matter to a query reading `columns` of the table. */
export function touchesColumns(change: TableChange, columns: ReadonlySet<string>): boolean {
  return columnsMeet(change.columns, columns);
}

/** The changes of one commit, per table. A schema change is not described here: it invalidates everything. */
export function tableChanges(changes: CommitChanges): Map<string, TableChange> {
  const columnsByTable = new Map<string, ChangedColumns>();
  for (const access of changes.writes) {
    for (const [table, columns] of summaryOf(access)) {
      const before = columnsByTable.get(table);
      columnsByTable.set(table, before ? unionColumns(before, columns) : columns);
    }
  }
  const result = new Map<string, TableChange>();
  const tables = new Set([...changes.rows.keys(), ...changes.opaque]);
  for (const table of tables) {
    const opaque = changes.opaque.has(table);
    const updates = [...(changes.updated.get(table) ?? [])].map(([access, rowids]) => ({
      // The UPDATE part of an upsert names its columns too; an update with no statement known changes anything.
      columns: (access && access.updates.get(table)) ?? ('all' as const),
      rowids,
    }));
    result.set(table, {
      table,
      // A table no recorded statement claims to write (it should not happen) counts as changed everywhere.
      columns: columnsByTable.get(table) ?? 'all',
      rowids: opaque ? null : (changes.rows.get(table) ?? NONE),
      inserted: changes.inserted.get(table) ?? NONE,
      deleted: changes.deleted.get(table) ?? NONE,
      updates,
      keys: opaque ? NO_KEYS : (changes.keys.get(table) ?? NO_KEYS),
      rowKeys: opaque ? NO_ROW_KEYS : (changes.rowKeys.get(table) ?? NO_ROW_KEYS),
    });
  }
  return result;
}

function unionSets<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): ReadonlySet<T> {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  return new Set([...a, ...b]);
}

/** The changes of two commits to one table, as if they were one. */
export function mergeTableChange(a: TableChange, b: TableChange): TableChange {
  const keys = new Map<string, ReadonlySet<string>>();
  for (const [column, ka] of a.keys) {
    const kb = b.keys.get(column);
    if (kb) keys.set(column, unionSets(ka, kb));
  }
  const rowKeys = new Map<string, ReadonlyMap<bigint, ReadonlySet<string>>>();
  for (const [column, ra] of a.rowKeys) {
    const rb = b.rowKeys.get(column);
    if (!rb) continue;
    const merged = new Map(ra);
    for (const [rowid, k] of rb) merged.set(rowid, unionSets(merged.get(rowid) ?? new Set(), k));
    rowKeys.set(column, merged);
  }
  return {
    table: a.table,
    columns: unionColumns(a.columns, b.columns),
    rowids: a.rowids && b.rowids ? unionSets(a.rowids, b.rowids) : null,
    inserted: unionSets(a.inserted, b.inserted),
    deleted: unionSets(a.deleted, b.deleted),
    updates: [...a.updates, ...b.updates],
    keys,
    rowKeys,
  };
}

/**
 * The change as a query reading `columns` of the table sees it: a row whose only change is an update of columns it
 * does not read (an edit, for a query of message counts) did not change for it, and drops out.
 */
export function relevantTo(change: TableChange, columns: ReadonlySet<string>): RelevantChange {
  let updated: ReadonlySet<bigint> = NONE;
  let irrelevant = false;
  for (const update of change.updates) {
    if (columnsMeet(update.columns, columns)) updated = unionSets(updated, update.rowids);
    else irrelevant = true;
  }
  if (!change.rowids) return { ...change, updated, touched: null };
  const touched = unionSets(change.deleted, updated);
  const rowids = irrelevant ? unionSets(change.inserted, touched) : change.rowids;
  return { ...change, rowids, updated, touched };
}
