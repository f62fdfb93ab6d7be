/**
 * What the query analysis needs to know about the database's tables: which names are tables (not views), their
 * columns with declared types, which single columns are unique, and the schema features that make a shortcut
 * unsafe (collations, REPLACE conflict clauses, WITHOUT ROWID). Read from SQLite's own catalog and cached until
 * the schema changes.
 */
import type { Database } from '../sqlite/database';

export type Affinity = 'integer' | 'text' | 'blob' | 'real' | 'numeric';

export interface ColumnInfo {
  /** As declared. */
  name: string;
  affinity: Affinity;
  notNull: boolean;
}

export interface TableInfo {
  /** As declared. */
  name: string;
  /** Lower-cased column name → column. */
  columns: Map<string, ColumnInfo>;
  /** Lower-cased names of columns that are unique on their own (single-column PRIMARY KEY or UNIQUE index). */
  unique: Set<string>;
  /** The table's SQL mentions a collation: string comparisons may not be plain binary ones. */
  collates: boolean;
  withoutRowid: boolean;
}

export interface SchemaInfo {
  /** Lower-cased name → table; views and virtual tables are not here. */
  tables: Map<string, TableInfo>;
  /** Lower-cased names of views. */
  views: Set<string>;
}

/** SQLite's rules for the affinity of a declared type (https://sqlite.org/datatype3.html#affname). */
export function affinityOf(declared: string): Affinity {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'integer';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'text';
  if (type === '' || type.includes('BLOB')) return 'blob';
  if (type.includes('REAL') || type.includes('FLOA') || type.includes('DOUB')) return 'real';
  return 'numeric';
}

export async function readSchemaInfo(db: Database): Promise<SchemaInfo> {
  const objects = await db.all<{ type: string; name: string; sql: string | null }>(
    `SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`,
  );
  const info: SchemaInfo = { tables: new Map(), views: new Set() };
  for (const object of objects) {
    if (object.type === 'view') {
      info.views.add(object.name.toLowerCase());
      continue;
    }
    const sql = object.sql ?? '';
    if (/^\s*create\s+virtual\b/i.test(sql)) continue;
    const columns = await db.all<{ name: string; type: string; notnull: number; pk: number }>(
      'SELECT name, type, "notnull", pk FROM pragma_table_info(?)',
      [object.name],
    );
    const table: TableInfo = {
      name: object.name,
      columns: new Map(),
      unique: new Set(),
      collates: /\bcollate\b/i.test(sql),
      withoutRowid: /\bwithout\s+rowid\b/i.test(sql),
    };
    for (const column of columns) {
      table.columns.set(column.name.toLowerCase(), {
        name: column.name,
        affinity: affinityOf(column.type),
        notNull: column.notnull === 1,
      });
    }
    const pk = columns.filter((column) => column.pk > 0);
    if (pk.length === 1) table.unique.add(pk[0]!.name.toLowerCase());
    const indexes = await db.all<{ name: string; unique: number; partial: number }>(
      'SELECT name, "unique", partial FROM pragma_index_list(?)',
      [object.name],
    );
    for (const index of indexes) {
      if (!index.unique || index.partial) continue;
      const parts = await db.all<{ name: string | null }>('SELECT name FROM pragma_index_info(?)', [index.name]);
      if (parts.length === 1 && parts[0]!.name) table.unique.add(parts[0]!.name.toLowerCase());
    }
    info.tables.set(object.name.toLowerCase(), table);
  }
  return info;
}
