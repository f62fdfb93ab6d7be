/**
 * Key pins: where a query can only ever see the rows of a table whose column equals given values (`WHERE
 * m.room = ?` pins messages.room to the bound room), changes to other rows of that table cannot change its result,
 * and the query need not wake for them.
 *
 * A pin is claimed only when it is certain:
 * - every reference to the table in the statement (joins, subqueries, CTE bodies) is restricted by an equality on
 *   the same column, found among the top-level AND conjuncts of its WHERE, or of the ON clause of the inner or
 *   left join that brought it in (rows failing such a conjunct never join, with or without outer joins around);
 * - the parser accounted for every table SQLite's authorizer says the statement reads (so no view, no `IN table`,
 *   nothing the parser missed), and no name is ambiguous (a CTE named like a table);
 * - values compare without surprises: a TEXT column and a string value, or an INTEGER column and an integer
 *   value, with no collation anywhere in the table's definition.
 */
import type { SqlParam } from '../../protocol/messages';
import { keyOfValue } from '../sqlite/keys';
import type { SchemaInfo } from './schema-info';
import { conjuncts, equalityOf, resolveColumn, type ValueRef } from './sql/expressions';
import type { ParsedStatement, SelectCore, TableRef } from './sql/select';

/** A pin before parameters are known: values may be parameter numbers. */
export interface PinTemplate {
  /** Column name as declared. */
  column: string;
  values: ValueRef[];
}

/** A pin for one subscription: the normalised keys (see keyOfValue) of the values the column may take. */
export interface Pin {
  column: string;
  keys: Set<string>;
  /** The values, for the devtools. */
  values: SqlParam[];
}

export type PinTemplates = Map<string, PinTemplate>;

/** Every reference to a real table in the statement, with the core it sits in. */
export function tableReferences(
  parsed: ParsedStatement,
  schema: SchemaInfo,
): { refs: { core: SelectCore; item: TableRef }[] } | { reason: string } {
  if (parsed.readsTableOutsideFrom) return { reason: 'reads a table with `IN table`' };
  const refs: { core: SelectCore; item: TableRef }[] = [];
  for (const select of parsed.selects) {
    for (const core of select.cores) {
      for (const item of core.from) {
        if (item.kind !== 'table') continue;
        const known = schema.tables.has(item.name) || schema.views.has(item.name);
        if (parsed.cteNames.has(item.name)) {
          if (known) return { reason: `CTE ${item.name} has the name of a table or view` };
          continue;
        }
        if (item.schema !== null && item.schema !== 'main') return { reason: `table in schema ${item.schema}` };
        if (schema.views.has(item.name)) return { reason: `reads view ${item.name}` };
        if (!schema.tables.has(item.name)) return { reason: `unknown table ${item.name}` };
        refs.push({ core, item });
      }
    }
  }
  return { refs };
}

/**
 * The pins a statement allows, per table (lower-cased name). `tablesRead` are the lower-cased real tables the
 * authorizer reported; the parser must have found exactly these.
 */
export function findPinTemplates(
  parsed: ParsedStatement,
  schema: SchemaInfo,
  tablesRead: ReadonlySet<string>,
): { pins: PinTemplates; reason?: string } {
  const found = tableReferences(parsed, schema);
  if ('reason' in found) return { pins: new Map(), reason: found.reason };
  const parsedTables = new Set(found.refs.map((ref) => ref.item.name));
  const same = parsedTables.size === tablesRead.size && [...tablesRead].every((table) => parsedTables.has(table));
  if (!same) return { pins: new Map(), reason: 'the parser did not find every table the statement reads' };

  // Per reference: column → values it is pinned to.
  const byTable = new Map<string, Map<string, ValueRef[]>[]>();
  for (const { core, item } of found.refs) {
    const candidates = new Map<string, ValueRef[]>();
    const sources = [core.where ?? []];
    if (item.on && !item.nested && (item.join === 'inner' || item.join === 'left')) sources.push(item.on);
    for (const source of sources) {
      for (const conjunct of conjuncts(source)) {
        const equality = equalityOf(parsed, conjunct);
        if (!equality) continue;
        if (resolveColumn(core, equality.ref, schema) !== item) continue;
        if (!candidates.has(equality.ref.column)) candidates.set(equality.ref.column, equality.values);
      }
    }
    const list = byTable.get(item.name) ?? [];
    list.push(candidates);
    byTable.set(item.name, list);
  }

  const pins: PinTemplates = new Map();
  for (const [tableName, refs] of byTable) {
    const table = schema.tables.get(tableName)!;
    if (table.collates) continue;
    // Columns every reference pins; parameters first (a literal like kind = 'thread' is seldom selective).
    const literal = (column: string) => (refs.some((ref) => ref.get(column)!.some((v) => 'literal' in v)) ? 1 : 0);
    const common = [...refs[0]!.keys()]
      .filter((column) => refs.every((ref) => ref.has(column)))
      .sort((x, y) => literal(x) - literal(y) || x.localeCompare(y));
    for (const column of common) {
      const info = table.columns.get(column)!;
      if (info.affinity !== 'text' && info.affinity !== 'integer') continue;
      pins.set(tableName, { column: info.name, values: refs.flatMap((ref) => ref.get(column)!) });
      break;
    }
  }
  return { pins };
}

/**
 * Binds a pin template to a subscription's parameters. Returns null (no pin) when a value's type does not match
 * the column's affinity in the plain way, since SQLite's conversions could then make other values equal.
 */
export function bindPin(template: PinTemplate, affinity: 'text' | 'integer', params: readonly SqlParam[]): Pin | null {
  const keys = new Set<string>();
  const values: SqlParam[] = [];
  for (const ref of template.values) {
    const value = 'param' in ref ? params[ref.param - 1] : ref.literal;
    if (value === undefined || value === null) return null;
    const fits =
      affinity === 'text'
        ? typeof value === 'string'
        : typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value));
    if (!fits) return null;
    keys.add(keyOfValue(value));
    values.push(value);
  }
  return { column: template.column, keys, values };
}
