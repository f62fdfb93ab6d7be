/**
 * Reading WHERE and ON expressions: top-level AND conjuncts, `column = value` patterns and column resolution.
 * Every function answers "don't know" (null / 'unknown') rather than guess.
 */
import type { SchemaInfo } from '../schema-info';
import type { FromItem, ParsedStatement, SelectCore } from './select';
import { isGroup, isName, isOp, isWord, nameOf, type Node, type Token } from './tokens';

/** A value a column is compared with: a bound parameter (by number) or a literal. */
export type ValueRef = { param: number } | { literal: string | number };

export interface ColumnRef {
  qualifier: string | null;
  column: string;
}

const isSubquery = (node: Node | undefined) => isGroup(node) && isWord(node.items[0], 'SELECT', 'WITH', 'VALUES');

/**
 * The top-level conjuncts of an expression (`a AND (b AND c)` gives a, b, c). When OR, CASE or BETWEEN appear at
 * the top level, AND does not separate conjuncts reliably and the expression is returned whole.
 */
export function conjuncts(nodes: readonly Node[]): Node[][] {
  while (nodes.length === 1 && isGroup(nodes[0]) && !isSubquery(nodes[0])) nodes = nodes[0].items;
  if (nodes.some((node) => isWord(node, 'OR', 'CASE', 'BETWEEN'))) return [nodes.slice()];
  const parts: Node[][] = [[]];
  for (const node of nodes) {
    if (isWord(node, 'AND')) parts.push([]);
    else parts[parts.length - 1]!.push(node);
  }
  if (parts.length === 1) return parts;
  return parts.flatMap((part) => conjuncts(part));
}

/** `name` or `qualifier.name`. */
export function columnRef(nodes: readonly Node[]): ColumnRef | null {
  if (nodes.length === 1 && isName(nodes[0])) return { qualifier: null, column: nameOf(nodes[0]) };
  if (nodes.length === 3 && isName(nodes[0]) && isOp(nodes[1], '.') && isName(nodes[2])) {
    return { qualifier: nameOf(nodes[0]), column: nameOf(nodes[2]) };
  }
  return null;
}

/** A parameter, a string literal or an integer literal. */
export function valueRef(parsed: ParsedStatement, node: Node | undefined): ValueRef | null {
  if (!node || isGroup(node)) return null;
  const token = node as Token;
  if (token.kind === 'param') return { param: parsed.paramIndex.get(token)! };
  if (token.kind === 'string') return { literal: token.value };
  if (token.kind === 'number' && /^[0-9]{1,15}$/.test(token.value)) return { literal: Number(token.value) };
  return null;
}

/** `col = v`, `v = col`, `col == v` or `col IN (v1, v2, …)`: the column and the values it must equal. */
export function equalityOf(
  parsed: ParsedStatement,
  nodes: readonly Node[],
): { ref: ColumnRef; values: ValueRef[] } | null {
  const eq = nodes.findIndex((node) => isOp(node, '=', '=='));
  if (eq > 0 && nodes.length - eq === 2) {
    const right = valueRef(parsed, nodes[eq + 1]);
    const ref = columnRef(nodes.slice(0, eq));
    if (ref && right) return { ref, values: [right] };
  }
  if (eq === 1) {
    const left = valueRef(parsed, nodes[0]);
    const ref = columnRef(nodes.slice(2));
    if (ref && left) return { ref, values: [left] };
  }
  const inAt = nodes.length - 2;
  if (inAt > 0 && isWord(nodes[inAt], 'IN') && isGroup(nodes[inAt + 1]) && !isWord(nodes[inAt - 1], 'NOT')) {
    const ref = columnRef(nodes.slice(0, inAt));
    const list = (nodes[inAt + 1] as { items: Node[] }).items;
    if (!ref || !list.length || isSubquery(nodes[inAt + 1])) return null;
    const values: ValueRef[] = [];
    for (let i = 0; i < list.length; i += 2) {
      const value = valueRef(parsed, list[i]);
      if (!value || (i + 1 < list.length && !isOp(list[i + 1], ','))) return null;
      values.push(value);
    }
    return { ref, values };
  }
  return null;
}

/**
 * Which FROM item of a core a column reference names: the item, 'outer' when it names nothing in this core (a
 * correlated reference to an enclosing query), or 'unknown' when that cannot be told for sure.
 */
export function resolveColumn(core: SelectCore, ref: ColumnRef, schema: SchemaInfo): FromItem | 'outer' | 'unknown' {
  if (ref.qualifier !== null) {
    const matches = core.from.filter((item) => item.alias === ref.qualifier);
    if (matches.length > 1) return 'unknown';
    const item = matches[0];
    if (!item) return 'outer';
    if (item.kind !== 'table') return item;
    return schema.tables.get(item.name)?.columns.has(ref.column) ? item : 'unknown';
  }
  // Unqualified: SQLite looks in every item of this core first. Items whose columns are unknown here
  // (subqueries, table functions) or joins that merge columns (USING, NATURAL) make it uncertain.
  let found: FromItem | null = null;
  for (const item of core.from) {
    if (item.kind !== 'table' || item.using || item.natural) return 'unknown';
    const table = schema.tables.get(item.name);
    if (!table) return 'unknown';
    if (table.columns.has(ref.column)) {
      if (found) return 'unknown';
      found = item;
    }
  }
  return found ?? (core.from.length ? 'unknown' : 'outer');
}

/** Every column reference in an expression, outside nested SELECTs. Function names are skipped. */
export function* columnRefsIn(nodes: readonly Node[]): Generator<ColumnRef | 'subquery'> {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (isGroup(node)) {
      if (isSubquery(node)) yield 'subquery';
      else yield* columnRefsIn(node.items);
      continue;
    }
    if (!isName(node)) continue;
    if (node.kind === 'word' && KEYWORDS.has(node.value)) continue;
    if (isGroup(nodes[i + 1])) continue; // a function call
    if (isOp(nodes[i + 1], '.') && isName(nodes[i + 2])) {
      yield { qualifier: nameOf(node), column: nameOf(nodes[i + 2] as Token) };
      i += 2;
      continue;
    }
    if (isOp(nodes[i - 1], '.')) continue;
    yield { qualifier: null, column: nameOf(node) };
  }
}

/** Words that are never column names in the expressions this module reads. */
const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'NULL',
  'IS',
  'IN',
  'LIKE',
  'GLOB',
  'MATCH',
  'REGEXP',
  'ESCAPE',
  'BETWEEN',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'AS',
  'COLLATE',
  'EXISTS',
  'DISTINCT',
  'TRUE',
  'FALSE',
  'ISNULL',
  'NOTNULL',
  'CURRENT_TIME',
  'CURRENT_DATE',
  'CURRENT_TIMESTAMP',
  'FILTER',
  'OVER',
  'ASC',
  'DESC',
]);

export const AGGREGATES = new Set([
  'count',
  'sum',
  'total',
  'avg',
  'min',
  'max',
  'group_concat',
  'string_agg',
  'json_group_array',
  'json_group_object',
  'jsonb_group_array',
  'jsonb_group_object',
]);

/** Calls of aggregate-capable functions or window functions outside nested SELECTs. */
export function callsAggregate(nodes: readonly Node[]): boolean {
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    if (isGroup(node)) {
      if (!isSubquery(node) && callsAggregate(node.items)) return true;
      continue;
    }
    if (isWord(node, 'OVER')) return true;
    if (isName(node) && isGroup(nodes[i + 1]) && AGGREGATES.has(nameOf(node))) return true;
  }
  return false;
}

export { isSubquery };
