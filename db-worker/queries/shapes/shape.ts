/**
 * What the incremental shapes have in common: a plan, recognised once per SQL text, and a maintainer per
 * subscription that keeps the result up to date from the changed rows of each commit, or says it cannot (the
 * engine then re-runs the query and starts the maintainer afresh).
 */
import type { ResultRow, SqlParam } from '../../../protocol/messages';
import type { AccessSet } from '../../sqlite/access';
import type { Params, SqlValue } from '../../sqlite/database';
import type { SchemaInfo } from '../schema-info';
import type { ParsedStatement } from '../sql/select';
import type { RelevantChange } from '../write-set';

export interface RecogniseInput {
  parsed: ParsedStatement;
  schema: SchemaInfo;
  access: AccessSet;
  /** Output column names of the statement. */
  columns: string[];
}

/** A shape that does not apply, and why (shown in the devtools). */
export interface NotThisShape {
  reason: string;
}

export interface Maintainer {
  /** Runs the query from scratch: the result, and a fresh state to maintain. */
  init(): Promise<ResultRow[]>;
  /**
   * Brings the result up to date with the changes since the last call (only tables whose change is relevant to
   * the subscription are given, as it sees them). Returns null when a change is outside what the shape supports,
   * or when re-running would be cheaper; `fallback` then says why.
   */
  update(changes: ReadonlyMap<string, RelevantChange>): Promise<ResultRow[] | null>;
  /** Why the last update returned null. */
  readonly fallback: string | null;
  /** Columns whose changed key values the maintainer needs (watch triggers), as (table, column). */
  readonly keyColumns: readonly { table: string; column: string }[];
}

export class NotSupported extends Error {}

/** Turns a row of values into a result row with the statement's column names (extra trailing values dropped). */
export function rowFrom(columns: readonly string[], values: readonly SqlValue[]): ResultRow {
  const row: ResultRow = {};
  for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i] ?? null;
  return row;
}

export const quoteName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Parameters of a derived statement: the subscription's own, then the extra ones numbered after them. */
export function paramsWith(params: readonly SqlParam[], count: number, ...extra: unknown[]): Params {
  const all: unknown[] = params.slice(0, count);
  while (all.length < count) all.push(null);
  all.push(...extra);
  return all as Params;
}

/** rowids as a JSON array for json_each (JSON has no 64-bit integers: large ones go as strings). */
export function rowidsJson(rowids: Iterable<bigint | number>): string {
  const list: (number | string)[] = [];
  for (const rowid of rowids) {
    const n = Number(rowid);
    list.push(Number.isSafeInteger(n) ? n : String(rowid));
  }
  return JSON.stringify(list);
}
