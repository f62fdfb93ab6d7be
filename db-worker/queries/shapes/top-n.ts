/**
 * The "latest N" shape: the first N rows of one table, filtered by its own columns, ordered by one of its unique
 * columns, possibly with lookups in other tables (LEFT JOIN on a unique key, scalar subqueries in the columns):
 *
 *   SELECT … FROM messages [m] [LEFT JOIN profiles p ON p.user = m.author]
 *   WHERE m.room = ? [AND <conditions on messages only>] ORDER BY m.id DESC LIMIT ?
 *
 * Which rows are in the window depends on the main table alone; the other tables only change values of rows
 * already in it. So a commit is applied without re-running the query:
 * - changed rows of the main table are fetched by rowid (with the query's own WHERE: those that still match come
 *   back) and merged into the window by the order column; the window is trimmed to N, or refilled from just after
 *   its last row when deletes shrank it (keyset pagination on the order column's index);
 * - a change to a looked-up table re-fetches the window's rows by rowid;
 * - a new N (a window that grows as the user scrolls up) keeps the rows it has and fetches only the new ones.
 * The cache covers every matching row up to its frontier (the order value of its last row), or all of them.
 */
import type { ResultRow, SqlParam } from '../../../protocol/messages';
import type { Database, SqlValue } from '../../sqlite/database';
import { tableReferences } from '../pins';
import { compareSqlValues } from '../sql/compare';
import { callsAggregate, columnRef, columnRefsIn, conjuncts, resolveColumn, valueRef } from '../sql/expressions';
import type { ValueRef } from '../sql/expressions';
import { renderNodes, type TableRef } from '../sql/select';
import { isName, isOp, isWord, nameOf, type Node, type Token } from '../sql/tokens';
import type { RelevantChange } from '../write-set';
import {
  NotSupported,
  paramsWith,
  quoteName,
  rowFrom,
  rowidsJson,
  type Maintainer,
  type NotThisShape,
  type RecogniseInput,
} from './shape';

export interface TopNPlan {
  kind: 'top-n';
  /** The main table, as declared. */
  table: string;
  orderColumn: string;
  desc: boolean;
  limit: ValueRef;
  /** Tables whose changes only alter values of rows in the window (as declared). */
  valueTables: ReadonlySet<string>;
  /** Number of the statement's own parameters; derived statements number theirs after. */
  paramCount: number;
  columns: readonly string[];
  sql: {
    /** The first N rows, with rowid and order value: ?n+1 = N. */
    init: string;
    /** The rows among given rowids that match: ?n+1 = JSON array of rowids. */
    byRowid: string;
    /** The same for one rowid (the common case of one new message), a little cheaper: ?n+1 = the rowid. */
    byOneRowid: string;
    /** The next rows after a frontier: ?n+1 = frontier, ?n+2 = how many. */
    after: string;
    /** Whether a matching row has no order value (they sort after every other in DESC order). */
    nullOrder: string;
  };
}

/** Recognises the shape, or says why not. */
export function recogniseTopN({ parsed, schema, access, columns }: RecogniseInput): TopNPlan | NotThisShape {
  const root = parsed.root;
  const core = root.cores[0];
  if (root.ctes.length || root.cores.length !== 1 || !core || core.kind !== 'select') {
    return { reason: 'not a single SELECT' };
  }
  if (core.distinct || core.groupBy || core.having || core.window) return { reason: 'DISTINCT, GROUP BY or WINDOW' };
  if (!root.limit || root.offset || root.orderBy?.length !== 1) return { reason: 'no ORDER BY one term … LIMIT' };
  if (parsed.hasNamedParams) return { reason: 'named parameters' };
  const limit = root.limit.length === 1 ? valueRef(parsed, root.limit[0]) : null;
  if (!limit) return { reason: 'LIMIT is not a parameter or a number' };
  const main = core.from[0];
  if (!main || main.kind !== 'table' || main.nested || main.indexHint)
    return { reason: 'does not select from a table' };
  const table = schema.tables.get(main.name);
  if (!table || table.withoutRowid || table.collates) return { reason: 'main table without rowid or with collations' };
  if (['rowid', 'oid', '_rowid_'].some((name) => table.columns.has(name))) return { reason: 'a column named rowid' };
  for (const item of core.from.slice(1)) {
    const lookup = isUniqueLookup(item, main, schema);
    if (lookup !== true) return { reason: lookup };
  }
  if (core.columns.some((column) => callsAggregate(column))) return { reason: 'aggregates in the columns' };
  // The window's rows must depend on the main table alone.
  for (const ref of columnRefsIn(core.where ?? [])) {
    if (ref === 'subquery') return { reason: 'a subquery in WHERE' };
    if (resolveColumn(core, ref, schema) !== main) return { reason: 'WHERE reads another table' };
  }
  const term = root.orderBy[0]!;
  if (term.nulls) return { reason: 'NULLS FIRST/LAST' };
  const order = orderColumn(term.expr, core, main, schema);
  if (typeof order !== 'string') return order;
  if (!table.unique.has(order)) return { reason: `ORDER BY ${order}, which is not unique` };

  const found = tableReferences(parsed, schema);
  if ('reason' in found) return found;
  const mainReferences = found.refs.filter((ref) => ref.item.name === main.name).length;
  const valueTables = new Set([...access.reads.keys()].filter((name) => name.toLowerCase() !== main.name));
  if (mainReferences > 1) valueTables.add(table.name);

  const n = parsed.paramCount;
  const alias = quoteName(main.alias ?? main.name);
  const ord = `${alias}.${quoteName(table.columns.get(order)!.name)}`;
  const columnsText = `${renderNodes(parsed, core.columnNodes)}, ${alias}.rowid, ${ord}`;
  const select = `SELECT ${columnsText} FROM ${renderNodes(parsed, core.fromNodes)}`;
  // Fetching by rowid must not go through the filter's index (it would scan the whole room): NOT INDEXED.
  const byRowid = `SELECT ${columnsText} FROM ${renderNodes(parsed, core.fromNodes, new Map([[main.end, ' NOT INDEXED']]))}`;
  const where = core.where ? `(${renderNodes(parsed, core.where)})` : '1';
  const dir = term.desc ? 'DESC' : 'ASC';
  return {
    kind: 'top-n',
    table: table.name,
    orderColumn: table.columns.get(order)!.name,
    desc: term.desc,
    limit,
    valueTables,
    paramCount: n,
    columns,
    sql: {
      init: `${select} WHERE ${where} ORDER BY ${ord} ${dir} LIMIT ?${n + 1}`,
      byRowid: `${byRowid} WHERE ${where} AND ${alias}.rowid IN (SELECT value FROM json_each(?${n + 1}))`,
      byOneRowid: `${byRowid} WHERE ${where} AND ${alias}.rowid = ?${n + 1}`,
      after: `${select} WHERE ${where} AND ${ord} ${term.desc ? '<' : '>'} ?${n + 1} ORDER BY ${ord} ${dir} LIMIT ?${n + 2}`,
      nullOrder: `SELECT 1 FROM ${renderNodes(parsed, core.fromNodes)} WHERE ${where} AND ${ord} IS NULL LIMIT 1`,
    },
  };
}

/** A LEFT JOIN that finds at most one row per main row: ON includes `lookup.unique_column = main.column`. */
function isUniqueLookup(
  item: RecogniseInput['parsed']['root']['cores'][number]['from'][number],
  main: TableRef,
  schema: RecogniseInput['schema'],
): true | string {
  if (item.kind !== 'table' || item.join !== 'left' || item.nested || item.natural || item.using || !item.on) {
    return 'joins other than LEFT JOIN … ON';
  }
  const lookup = schema.tables.get(item.name);
  if (!lookup || lookup.collates) return `joined table ${item.name} unknown or with collations`;
  for (const conjunct of conjuncts(item.on)) {
    const eq = conjunct.findIndex((node) => isOp(node, '=', '=='));
    if (eq <= 0) continue;
    const left = columnRef(conjunct.slice(0, eq));
    const right = columnRef(conjunct.slice(eq + 1));
    if (!left || !right) continue;
    for (const [mine, theirs] of [
      [left, right],
      [right, left],
    ] as const) {
      if (mine.qualifier === item.alias && lookup.unique.has(mine.column) && theirs.qualifier === main.alias) {
        return true;
      }
    }
  }
  return `LEFT JOIN ${item.name} is not on one of its unique columns`;
}

/** The main table's column an ORDER BY term names, directly or through a result column's name. */
function orderColumn(
  expr: readonly Node[],
  core: RecogniseInput['parsed']['root']['cores'][number],
  main: TableRef,
  schema: RecogniseInput['schema'],
): string | NotThisShape {
  const ref = columnRef(expr);
  if (!ref) return { reason: 'ORDER BY is not a column' };
  if (ref.qualifier === null) {
    // ORDER BY looks at result column names first: the name must be the same column there.
    for (const column of core.columns) {
      const named = outputName(column);
      if (named === '*') {
        if (core.from.length > 1) return { reason: 'SELECT * with joins and ORDER BY a bare name' };
        continue;
      }
      if (named?.name !== ref.column) continue;
      const source = columnRef(named.expr);
      if (!source || resolveColumn(core, source, schema) !== main || source.column !== ref.column) {
        return { reason: 'ORDER BY names a computed column' };
      }
    }
  }
  if (resolveColumn(core, ref, schema) !== main) return { reason: 'ORDER BY is not a column of the main table' };
  return ref.column;
}

/** The output name of a result column (lower-cased), or '*' for a star. */
function outputName(column: readonly Node[]): { name: string; expr: readonly Node[] } | '*' | null {
  if (column.length === 1 && isOp(column[0], '*')) return '*';
  if (column.length === 3 && isOp(column[2], '*')) return '*';
  const last = column[column.length - 1];
  if (isWord(column[column.length - 2], 'AS') && isName(last)) {
    return { name: nameOf(last), expr: column.slice(0, -2) };
  }
  const ref = columnRef(column);
  if (ref) return { name: ref.column, expr: column };
  if (column.length >= 2 && last?.kind === 'ident') {
    return { name: nameOf(last as Token), expr: column.slice(0, -1) };
  }
  return null;
}

interface Entry {
  row: ResultRow;
  rowid: bigint | number;
  ord: SqlValue;
}

/** Keeps one subscription's window. */
export class TopNMaintainer implements Maintainer {
  private entries: Entry[] = [];
  /** The order value up to which the window holds every matching row; undefined = it holds them all. */
  private frontier: SqlValue | undefined;
  private limit: number;
  readonly keyColumns: readonly { table: string; column: string }[] = [];

  constructor(
    private readonly db: Database,
    readonly plan: TopNPlan,
    private readonly params: readonly SqlParam[],
  ) {
    this.limit = limitOf(plan.limit, params);
  }

  private entryOf(values: SqlValue[]): Entry {
    const k = this.plan.columns.length;
    const ord = values[k + 1] ?? null;
    // Rows without an order value have no well-defined place among themselves: let the query decide.
    if (ord === null) throw new NotSupported('a row has no order value');
    return { row: rowFrom(this.plan.columns, values), rowid: values[k] as bigint | number, ord };
  }

  /** Negative when `a` comes before `b` in the query's order. */
  private compare(a: SqlValue, b: SqlValue) {
    const c = compareSqlValues(a, b);
    return this.plan.desc ? -c : c;
  }

  private rows() {
    return this.entries.map((entry) => entry.row);
  }

  async init(): Promise<ResultRow[]> {
    const { sql, paramCount } = this.plan;
    const values = await this.db.values(sql.init, paramsWith(this.params, paramCount, this.limit));
    this.entries = values.map((v) => this.entryOf(v));
    this.frontier = undefined;
    // A full window covers the rows up to its last one; a short one holds every matching row (rows without an
    // order value included, which entryOf refuses).
    if (this.entries.length >= this.limit) this.frontier = this.entries[this.entries.length - 1]!.ord;
    return this.rows();
  }

  /** Starts from another subscription's window over the same rows (same SQL and filter, another N). */
  async adopt(donor: TopNMaintainer): Promise<ResultRow[]> {
    this.entries = donor.entries.map((entry) => ({ ...entry, row: { ...entry.row } }));
    this.frontier = donor.frontier;
    await this.fit();
    return this.rows();
  }

  /** Whether `other` keeps the same rows as this one apart from N (same plan, same parameters but the limit). */
  sameRowsAs(other: TopNMaintainer): boolean {
    if (other.plan !== this.plan) return false;
    const limitParam = 'param' in this.plan.limit ? this.plan.limit.param : 0;
    for (let i = 0; i < this.plan.paramCount; i++) {
      if (i + 1 === limitParam) continue;
      if (this.params[i] !== other.params[i]) return false;
    }
    return true;
  }

  fallback: string | null = null;

  async update(changes: ReadonlyMap<string, RelevantChange>): Promise<ResultRow[] | null> {
    this.fallback = null;
    try {
      const main = changes.get(this.plan.table);
      if (main) {
        if (!main.rowids) throw new NotSupported('rows of the main table changed unseen (truncate, REPLACE…)');
        // Fetching each changed row costs more than reading the window afresh once they outnumber it.
        if (main.rowids.size > Math.max(64, 2 * this.limit)) {
          throw new NotSupported(`${main.rowids.size} rows changed at once: re-running is cheaper`);
        }
        await this.merge(main.rowids);
      }
      if ([...changes.keys()].some((table) => this.plan.valueTables.has(table))) await this.refetchWindow();
      return this.rows();
    } catch (error) {
      if (!(error instanceof NotSupported)) throw error;
      this.fallback = error.message;
      return null;
    }
  }

  /** Applies changed rows of the main table. */
  private async merge(rowids: ReadonlySet<bigint>) {
    if (!rowids.size) return;
    const changed = new Set<string>();
    for (const rowid of rowids) changed.add(String(rowid));
    const kept = this.entries.filter((entry) => !changed.has(String(entry.rowid)));
    const { sql, paramCount } = this.plan;
    const fetched =
      rowids.size === 1
        ? await this.db.values(sql.byOneRowid, paramsWith(this.params, paramCount, [...rowids][0]!))
        : await this.db.values(sql.byRowid, paramsWith(this.params, paramCount, rowidsJson(rowids)));
    const frontier = this.frontier;
    for (const values of fetched) {
      const entry = this.entryOf(values);
      if (frontier !== undefined && this.compare(entry.ord, frontier) > 0) continue; // beyond what the window covers
      kept.splice(this.insertionPoint(kept, entry.ord), 0, entry);
    }
    this.entries = kept;
    await this.fit();
  }

  /** Where an order value goes in a sorted window (binary search; order values are unique). */
  private insertionPoint(entries: readonly Entry[], ord: SqlValue): number {
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.compare(entries[mid]!.ord, ord) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Trims the window to N, or refills it from the frontier. */
  private async fit() {
    if (this.entries.length > this.limit) {
      this.entries.length = this.limit;
      this.frontier = this.entries[this.entries.length - 1]!.ord;
      return;
    }
    if (this.entries.length === this.limit || this.frontier === undefined) return;
    const want = this.limit - this.entries.length;
    const { sql, paramCount } = this.plan;
    const values = await this.db.values(sql.after, paramsWith(this.params, paramCount, this.frontier, want));
    const more = values.map((v) => this.entryOf(v));
    this.entries.push(...more);
    if (more.length < want) {
      this.frontier = undefined;
      await this.assertNoNullOrder();
    } else {
      this.frontier = more[more.length - 1]!.ord;
    }
  }

  /** In DESC order rows without an order value come last: they would belong in a window that holds everything. */
  private async assertNoNullOrder() {
    const { sql, paramCount } = this.plan;
    const found = await this.db.values(sql.nullOrder, paramsWith(this.params, paramCount));
    if (found.length) throw new NotSupported('a row has no order value');
  }

  /** Looked-up values changed: fetch the window's rows again (membership cannot have changed). */
  private async refetchWindow() {
    if (!this.entries.length) return;
    const { sql, paramCount } = this.plan;
    const values = await this.db.values(
      sql.byRowid,
      paramsWith(this.params, paramCount, rowidsJson(this.entries.map((entry) => entry.rowid))),
    );
    const byRowid = new Map(values.map((v) => [String(v[this.plan.columns.length]), v]));
    for (const entry of this.entries) {
      const fresh = byRowid.get(String(entry.rowid));
      if (!fresh) throw new NotSupported('a window row vanished without a change to its table');
      entry.row = rowFrom(this.plan.columns, fresh);
    }
  }

  /** Changes N (the window grows or shrinks) keeping the rows it has. */
  async resize(params: readonly SqlParam[]): Promise<ResultRow[] | null> {
    try {
      this.limit = limitOf(this.plan.limit, params);
      await this.fit();
      return this.rows();
    } catch (error) {
      if (error instanceof NotSupported) return null;
      throw error;
    }
  }
}

function limitOf(ref: ValueRef, params: readonly SqlParam[]): number {
  const value = 'param' in ref ? params[ref.param - 1] : ref.literal;
  const n = typeof value === 'bigint' ? Number(value) : value;
  // (LIMIT 0 is refused too: an empty window would have no frontier to grow from.)
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new NotSupported('LIMIT is not a count');
  return n;
}
