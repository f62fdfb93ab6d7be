/**
 * The "counts per key" shape: one table grouped by its own columns, with aggregates, where the other tables it
 * reads are tied to the first group column (the partition):
 *
 *   SELECT m.room AS id, count(*) AS unread
 *   FROM messages m LEFT JOIN read_marks r ON r.room = m.room AND r.user = ?
 *   WHERE m.id > coalesce(r.up_to, '') GROUP BY m.room
 *
 *   SELECT room AS id, count(*) AS messages, max(id) AS latest FROM messages
 *   WHERE room IN (SELECT id FROM rooms WHERE parent = ? AND kind = 'thread') GROUP BY room
 *
 * A table is tied to the partition when it is joined ON `t.x = main.partition`, read in `main.partition IN
 * (SELECT x FROM t WHERE …)`, or in a scalar subquery `(SELECT … FROM t WHERE x = main.partition …)`: rows of t
 * with x = v can only change the groups of partition v. So a commit is applied without re-running the query:
 * - rows only inserted into the main table or into a table INNER JOINed on the partition (the common case: new
 *   messages), are aggregated on their own (fetched by rowid, joined with the other tables) and added to their
 *   groups: count and sum add, min and max compare. The join of new rows with unchanged tables is exactly what
 *   the new rows add; when two tables gain rows in one commit, their partitions are counted again instead.
 * - any other change re-aggregates only the partitions it touches (the key values of the changed rows, old and new,
 *   come from the watch triggers), by the query restricted to those partitions.
 * Anything else (a table that is not tied, a change whose keys are unknown) makes the engine re-run the query.
 */
import type { ResultRow, SqlParam } from '../../../protocol/messages';
import { keyOfValue, valueOfKey } from '../../sqlite/keys';
import type { Database, SqlValue } from '../../sqlite/database';
import { tableReferences } from '../pins';
import { compareSqlValues } from '../sql/compare';
import { AGGREGATES, callsAggregate, columnRef, columnRefsIn, conjuncts, resolveColumn } from '../sql/expressions';
import type { ColumnRef } from '../sql/expressions';
import { renderNodes, type ParsedStatement, type SelectCore, type SelectStmt, type TableRef } from '../sql/select';
import { flatten, isGroup, isName, isOp, isWord, nameOf, splitCommas, type Group, type Node } from '../sql/tokens';
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

/** How one result column of a group combines with the same column computed over new rows only. */
export type DeltaOp = 'group' | 'count' | 'sum' | 'min' | 'max';

export interface GroupPlan {
  kind: 'group-aggregate';
  /** The main table, as declared. */
  table: string;
  /** GROUP BY columns of the main table, as declared; the first is the partition. */
  groupColumns: string[];
  /** Tables tied to the partition: table → its column that equals the partition. */
  linked: ReadonlyMap<string, string>;
  /** Per result column; null when new rows cannot simply be added (HAVING, DISTINCT, other aggregates). */
  delta: DeltaOp[] | null;
  /** Sort direction per group column (ascending without ORDER BY, which is how SQLite emits groups). */
  desc: boolean[];
  paramCount: number;
  columns: readonly string[];
  sql: {
    init: string;
    /** ?n+1 = JSON array of partition values. */
    byPartition: string;
    /**
     * Per table whose new rows add to their groups (the main table, and tables INNER JOINed on the partition and
     * read nowhere else): its rows among ?n+1 = JSON array of rowids, aggregated. Empty when nothing adds.
     */
    byRowid: ReadonlyMap<string, string>;
  };
}

type Core = SelectCore;

export function recogniseGroupAggregate(input: RecogniseInput): GroupPlan | NotThisShape {
  const { parsed, schema, access, columns } = input;
  const root = parsed.root;
  const core = root.cores[0];
  if (root.ctes.length || root.cores.length !== 1 || !core || core.kind !== 'select') {
    return { reason: 'not a single SELECT' };
  }
  if (!core.groupBy) return { reason: 'no GROUP BY' };
  if (core.distinct || core.window || root.limit || root.offset) return { reason: 'DISTINCT, WINDOW or LIMIT' };
  if (parsed.hasNamedParams) return { reason: 'named parameters' };
  const main = core.from[0];
  if (!main || main.kind !== 'table' || main.nested || main.indexHint)
    return { reason: 'does not select from a table' };
  const table = schema.tables.get(main.name);
  if (!table || table.withoutRowid || table.collates) return { reason: 'main table without rowid or with collations' };
  if (['rowid', 'oid', '_rowid_'].some((name) => table.columns.has(name))) return { reason: 'a column named rowid' };

  const groupColumns: string[] = [];
  for (const term of core.groupBy) {
    const ref = columnRef(term);
    if (!ref || resolveColumn(core, ref, schema) !== main)
      return { reason: 'GROUP BY is not columns of the main table' };
    if (groupColumns.includes(ref.column)) return { reason: 'GROUP BY repeats a column' };
    groupColumns.push(ref.column);
  }
  const partition = groupColumns[0]!;
  const isPartition = (ref: ColumnRef) => ref.qualifier === main.alias && ref.column === partition;

  // Tables tied to the partition, and how many of their references are tied.
  const links = new Map<string, { column: string; count: number }>();
  const link = (name: string, column: string): boolean => {
    const known = links.get(name);
    if (known && known.column !== column) return false;
    links.set(name, { column, count: (known?.count ?? 0) + 1 });
    return true;
  };

  const innerJoined: TableRef[] = [];
  for (const item of core.from.slice(1)) {
    if (item.kind !== 'table' || item.nested || item.natural || item.using || !item.on) {
      return { reason: 'joins other than JOIN … ON a table' };
    }
    if (item.join !== 'left' && item.join !== 'inner') return { reason: 'joins other than LEFT or INNER' };
    if (item.name === main.name) return { reason: 'the main table is joined to itself' };
    if ([...columnRefsIn(item.on)].includes('subquery')) return { reason: 'a subquery in ON' };
    const tie = conjuncts(item.on)
      .map((conjunct) => equalityOfColumns(conjunct))
      .find((pair) => pair && pair.some(isPartition) && pair.some((ref) => ref.qualifier === item.alias));
    const column = tie?.find((ref) => ref.qualifier === item.alias)?.column;
    if (!column || !link(item.name, column)) return { reason: `${item.name} is not joined on the partition` };
    if (item.join === 'inner') innerJoined.push(item);
  }

  // Result columns: group columns, expressions of them, and aggregates.
  let delta: DeltaOp[] | null = core.having ? null : [];
  for (const column of core.columns) {
    const expr = withoutAlias(column);
    if ([...columnRefsIn(expr)].includes('subquery')) return { reason: 'a subquery in the columns' };
    if (callsAggregate(expr)) {
      const op = aggregateOp(expr);
      if (op && delta) delta.push(op);
      else delta = null;
      continue;
    }
    for (const ref of columnRefsIn(expr)) {
      const source = resolveColumn(core, ref as ColumnRef, schema);
      if (source !== main || !groupColumns.includes((ref as ColumnRef).column)) {
        return { reason: 'a column that is neither grouped nor aggregated' };
      }
    }
    delta?.push('group');
  }

  // WHERE: columns of this query's tables, and subqueries tied to the partition.
  for (const ref of columnRefsIn(core.where ?? [])) {
    if (ref !== 'subquery' && typeof resolveColumn(core, ref, schema) === 'string') {
      return { reason: 'WHERE names a column of no table here' };
    }
  }
  const tiedSubqueries = findTiedSubqueries(parsed, core, main, partition, schema);
  if (typeof tiedSubqueries === 'string') return { reason: tiedSubqueries };
  for (const [name, column] of tiedSubqueries) if (!link(name, column)) return { reason: `${name} tied two ways` };
  if (core.having && [...columnRefsIn(core.having)].includes('subquery')) return { reason: 'a subquery in HAVING' };

  // Every table read must be the main table (once) or tied on every reference.
  const found = tableReferences(parsed, schema);
  if ('reason' in found) return found;
  for (const name of new Set(found.refs.map((ref) => ref.item.name))) {
    const count = found.refs.filter((ref) => ref.item.name === name).length;
    if (name === main.name) {
      if (count !== 1) return { reason: 'the main table is read twice' };
    } else if (links.get(name)?.count !== count) {
      return { reason: `${name} is read without a tie to the partition` };
    }
  }
  for (const name of access.reads.keys()) {
    const lower = name.toLowerCase();
    if (schema.tables.has(lower) && lower !== main.name && !links.has(lower)) {
      return { reason: `${name} is read without a tie to the partition` };
    }
  }

  const desc = orderOf(root, core, main, groupColumns, schema);
  if (typeof desc === 'string') return { reason: desc };

  const n = parsed.paramCount;
  const alias = quoteName(main.alias ?? main.name);
  const declared = (column: string) => table.columns.get(column)!.name;
  const extra = groupColumns.map((column) => `${alias}.${quoteName(declared(column))}`).join(', ');
  const columnsText = `${renderNodes(parsed, core.columnNodes)}, ${extra}`;
  const select = `SELECT ${columnsText} FROM ${renderNodes(parsed, core.fromNodes)}`;
  const where = core.where ? `(${renderNodes(parsed, core.where)})` : '1';
  const groupBy = ` GROUP BY ${core.groupBy.map((term) => renderNodes(parsed, term)).join(', ')}`;
  const having = core.having ? ` HAVING ${renderNodes(parsed, core.having)}` : '';
  const linked = new Map<string, string>();
  for (const [name, { column }] of links) {
    const info = schema.tables.get(name)!;
    linked.set(info.name, info.columns.get(column)?.name ?? column);
  }
  // Fetching by rowid must not go through an index chosen for the filter or the grouping: NOT INDEXED.
  const byRowidOf = (item: TableRef) =>
    `SELECT ${columnsText} FROM ${renderNodes(parsed, core.fromNodes, new Map([[item.end, ' NOT INDEXED']]))}` +
    ` WHERE ${where} AND ${quoteName(item.alias ?? item.name)}.rowid IN (SELECT value FROM json_each(?${n + 1}))${groupBy}`;
  const byRowid = new Map<string, string>();
  if (delta) {
    byRowid.set(table.name, byRowidOf(main));
    for (const item of innerJoined) {
      const info = schema.tables.get(item.name)!;
      if (links.get(item.name)?.count !== 1 || info.withoutRowid) continue; // read elsewhere too: not additive
      byRowid.set(info.name, byRowidOf(item));
    }
  }
  return {
    kind: 'group-aggregate',
    table: table.name,
    groupColumns: groupColumns.map(declared),
    linked,
    delta,
    desc,
    paramCount: n,
    columns,
    sql: {
      init: `${select} WHERE ${where}${groupBy}${having}`,
      byPartition: `${select} WHERE ${where} AND ${alias}.${quoteName(declared(partition))} IN (SELECT value FROM json_each(?${n + 1}))${groupBy}${having}`,
      byRowid,
    },
  };
}

/** `a.x = b.y`: the two column references. */
function equalityOfColumns(conjunct: readonly Node[]): [ColumnRef, ColumnRef] | null {
  const eq = conjunct.findIndex((node) => isOp(node, '=', '=='));
  if (eq <= 0) return null;
  const left = columnRef(conjunct.slice(0, eq));
  const right = columnRef(conjunct.slice(eq + 1));
  return left && right ? [left, right] : null;
}

function withoutAlias(column: readonly Node[]): readonly Node[] {
  if (isWord(column[column.length - 2], 'AS')) return column.slice(0, -2);
  const last = column[column.length - 1];
  if (column.length >= 2 && last?.kind === 'ident' && !isOp(column[column.length - 2], '.')) return column.slice(0, -1);
  return column;
}

/** `count(*)`, `count(x)`, `sum(x)`, `min(x)`, `max(x)` on their own: how they combine. */
function aggregateOp(expr: readonly Node[]): DeltaOp | null {
  if (expr.length !== 2 || !isName(expr[0]) || !isGroup(expr[1])) return null;
  const name = nameOf(expr[0]);
  const args = (expr[1] as Group).items;
  if (!AGGREGATES.has(name) || [...flatten(args)].some((token) => isWord(token, 'DISTINCT'))) return null;
  if (callsAggregate(args)) return null;
  const single = args.length > 0 && splitCommas(args).length === 1;
  if (name === 'count') return single ? 'count' : null;
  if ((name === 'sum' || name === 'min' || name === 'max') && single && !(args.length === 1 && isOp(args[0], '*'))) {
    return name;
  }
  return null;
}

/**
 * Subqueries of WHERE, each of which must be tied to the partition: `partition IN (SELECT x FROM t …)` as a
 * top-level conjunct, or a scalar `(SELECT … FROM t WHERE x = main.partition AND …)`. Returns table → x for each,
 * or why not.
 */
function findTiedSubqueries(
  parsed: ParsedStatement,
  core: Core,
  main: TableRef,
  partition: string,
  schema: RecogniseInput['schema'],
): [string, string][] | string {
  const tied: [string, string][] = [];
  const inSubqueries = new Set<Group>();
  for (const conjunct of conjuncts(core.where ?? [])) {
    const at = conjunct.length - 2;
    const group = conjunct[at + 1];
    if (at < 1 || !isWord(conjunct[at], 'IN') || !isGroup(group) || isWord(conjunct[at - 1], 'NOT')) continue;
    const select = parsed.subqueries.get(group);
    const ref = columnRef(conjunct.slice(0, at));
    if (!select || !ref || resolveColumn(core, ref, schema) !== main || ref.column !== partition) continue;
    const single = lookupCore(select, schema);
    if (typeof single === 'string') return single;
    const [sub, table] = single;
    const out = sub.columns.length === 1 ? columnRef(sub.columns[0]!) : null;
    if (!out || resolveColumn(sub, out, schema) !== table) return 'IN (SELECT …) does not select a column';
    const local = onlyLocal(select, table, schema, null);
    if (local !== true) return local;
    tied.push([table.name, out.column]);
    inSubqueries.add(group);
  }
  // Every other subquery: a scalar lookup tied by `x = main.partition`.
  const walk = (nodes: readonly Node[]): string | null => {
    for (const node of nodes) {
      if (!isGroup(node)) continue;
      const select = parsed.subqueries.get(node);
      if (!select) {
        const inner = walk(node.items);
        if (inner) return inner;
        continue;
      }
      if (inSubqueries.has(node)) continue;
      const single = lookupCore(select, schema);
      if (typeof single === 'string') return single;
      const [sub, table] = single;
      const isOuter = (ref: ColumnRef) =>
        ref.qualifier === main.alias && ref.qualifier !== table.alias && ref.column === partition;
      const tie = conjuncts(sub.where ?? [])
        .map((conjunct) => equalityOfColumns(conjunct))
        .find((pair) => pair && pair.filter(isOuter).length === 1);
      const outer = tie?.find(isOuter);
      const mine = tie?.find((ref) => !isOuter(ref));
      if (!outer || !mine || resolveColumn(sub, mine, schema) !== table) return 'a subquery not tied to the partition';
      const local = onlyLocal(select, table, schema, outer);
      if (local !== true) return local;
      tied.push([table.name, mine.column]);
    }
    return null;
  };
  const problem = walk(core.where ?? []);
  return problem ?? tied;
}

/** A subquery over one table with no joins, no grouping and no nested subqueries. */
function lookupCore(select: SelectStmt, schema: RecogniseInput['schema']): [Core, TableRef] | string {
  const sub = select.cores[0];
  if (select.ctes.length || select.cores.length !== 1 || !sub || sub.kind !== 'select') return 'a compound subquery';
  const table = sub.from[0];
  if (sub.from.length !== 1 || table?.kind !== 'table' || !schema.tables.has(table.name)) {
    return 'a subquery over something else than one table';
  }
  if (sub.groupBy || sub.having || sub.window) return 'a grouped subquery';
  return [sub, table];
}

/** Every column reference of the subquery names its own table, except the outer side of the tie. */
function onlyLocal(
  select: SelectStmt,
  table: TableRef,
  schema: RecogniseInput['schema'],
  outer: ColumnRef | null,
): true | string {
  const sub = select.cores[0]!;
  const nodes = [
    ...sub.columns.flat(),
    ...(sub.where ?? []),
    ...(select.orderBy ?? []).flatMap((term) => term.expr),
    ...(select.limit ?? []),
    ...(select.offset ?? []),
  ];
  for (const ref of columnRefsIn(nodes)) {
    if (ref === 'subquery') return 'a nested subquery';
    if (outer && ref.qualifier === outer.qualifier && ref.column === outer.column) continue;
    if (resolveColumn(sub, ref, schema) !== table) return 'a subquery reads a column from outside';
  }
  return true;
}

/** Sort direction per group column: from an ORDER BY that lists the group columns, or ascending without one. */
function orderOf(
  root: SelectStmt,
  core: Core,
  main: TableRef,
  groupColumns: readonly string[],
  schema: RecogniseInput['schema'],
): boolean[] | string {
  if (!root.orderBy) return groupColumns.map(() => false);
  if (root.orderBy.length !== groupColumns.length) return 'ORDER BY is not the group columns';
  const desc: boolean[] = [];
  for (const [i, term] of root.orderBy.entries()) {
    if (term.nulls) return 'NULLS FIRST/LAST';
    let ref = columnRef(term.expr);
    if (ref && ref.qualifier === null) {
      // A result column's name first, as SQLite resolves ORDER BY.
      const named = core.columns.find((column) => {
        const last = column[column.length - 1];
        return isWord(column[column.length - 2], 'AS') && isName(last) && nameOf(last) === ref!.column;
      });
      if (named) ref = columnRef(named.slice(0, -2));
    }
    if (!ref || resolveColumn(core, ref, schema) !== main || ref.column !== groupColumns[i]) {
      return 'ORDER BY is not the group columns';
    }
    desc.push(term.desc);
  }
  return desc;
}

interface GroupEntry {
  row: ResultRow;
  values: SqlValue[];
  group: SqlValue[];
}

/** Keeps one subscription's groups. */
export class GroupMaintainer implements Maintainer {
  private groups = new Map<string, GroupEntry>();
  /** Partition key → keys of its groups. */
  private partitions = new Map<string, Set<string>>();
  /** Group keys in result order; null once a group came or went (values changing in place keep the order). */
  private order: string[] | null = null;
  readonly keyColumns: readonly { table: string; column: string }[];

  constructor(
    private readonly db: Database,
    readonly plan: GroupPlan,
    private readonly params: readonly SqlParam[],
  ) {
    this.keyColumns = [
      { table: plan.table, column: plan.groupColumns[0]! },
      ...[...plan.linked].map(([table, column]) => ({ table, column })),
    ];
  }

  private entryOf(values: SqlValue[]): GroupEntry {
    const k = this.plan.columns.length;
    return { row: rowFrom(this.plan.columns, values), values, group: values.slice(k) };
  }

  private static keyOf(group: readonly SqlValue[]) {
    return group.map(keyOfValue).join('\u0001');
  }

  private setGroup(entry: GroupEntry) {
    const key = GroupMaintainer.keyOf(entry.group);
    if (!this.groups.has(key)) {
      this.order = null;
      const partition = keyOfValue(entry.group[0]!);
      let keys = this.partitions.get(partition);
      if (!keys) this.partitions.set(partition, (keys = new Set()));
      keys.add(key);
    }
    this.groups.set(key, entry);
  }

  private dropPartition(partition: string) {
    const keys = this.partitions.get(partition);
    if (!keys) return;
    for (const key of keys) this.groups.delete(key);
    this.partitions.delete(partition);
    this.order = null;
  }

  private rows(): ResultRow[] {
    if (!this.order) {
      const { desc } = this.plan;
      const entries = [...this.groups.entries()];
      entries.sort(([, a], [, b]) => {
        for (let i = 0; i < desc.length; i++) {
          const c = compareSqlValues(a.group[i]!, b.group[i]!);
          if (c) return desc[i] ? -c : c;
        }
        return 0;
      });
      this.order = entries.map(([key]) => key);
    }
    return this.order.map((key) => this.groups.get(key)!.row);
  }

  async init(): Promise<ResultRow[]> {
    const values = await this.db.values(this.plan.sql.init, paramsWith(this.params, this.plan.paramCount));
    this.groups = new Map();
    this.partitions = new Map();
    this.order = null;
    for (const v of values) this.setGroup(this.entryOf(v));
    return this.rows();
  }

  fallback: string | null = null;

  async update(changes: ReadonlyMap<string, RelevantChange>): Promise<ResultRow[] | null> {
    this.fallback = null;
    try {
      return await this.apply(changes);
    } catch (error) {
      if (!(error instanceof NotSupported)) throw error;
      this.fallback = error.message;
      return null;
    }
  }

  private async apply(changes: ReadonlyMap<string, RelevantChange>): Promise<ResultRow[]> {
    const { plan } = this;
    const partitions = new Set<string>();
    /** Per table, rows only inserted (and not updated since), to be added to their groups. */
    const fresh = new Map<string, ReadonlySet<bigint>>();
    const columnOf = (table: string) => (table === plan.table ? plan.groupColumns[0]! : plan.linked.get(table));
    /** Counts again every partition a table's changed rows were or are in (their old and new key values). */
    const countAgain = (table: string, column: string) => {
      const change = changes.get(table)!;
      const keys = change.keys.get(column);
      if (!change.rowids || !keys) throw new NotSupported(`the ${table}.${column} values of changed rows are unknown`);
      for (const key of keys) partitions.add(key);
    };
    for (const [table, change] of changes) {
      const column = columnOf(table);
      if (column === undefined) throw new NotSupported(`${table}, not tied to the partition, changed`);
      if (!plan.sql.byRowid.has(table)) {
        countAgain(table, column);
        continue;
      }
      if (!change.rowids || !change.touched)
        throw new NotSupported(`rows of ${table} changed unseen (truncate, REPLACE…)`);
      // Rows updated or deleted: their partitions, old and new, are counted again.
      if (change.touched.size) {
        const byRow = change.rowKeys.get(column);
        for (const rowid of change.touched) {
          const keys = byRow?.get(rowid);
          if (!keys) throw new NotSupported(`the partition of a changed ${table} row is unknown`);
          for (const key of keys) partitions.add(key);
        }
      }
      // Rows inserted (a rowid freed by a delete may come back as a new row) and not updated since.
      const inserted = change.updated.size
        ? new Set([...change.inserted].filter((r) => !change.updated.has(r)))
        : change.inserted;
      if (inserted.size) fresh.set(table, inserted);
    }
    if (fresh.size > 1) {
      // New rows in two tables would each be joined with the other's new rows: count their partitions again.
      for (const table of fresh.keys()) countAgain(table, columnOf(table)!);
      fresh.clear();
    }
    if (partitions.size) await this.regroup(partitions);
    for (const [table, rowids] of fresh) await this.addInserted(plan.sql.byRowid.get(table)!, rowids, partitions);
    return this.rows();
  }

  /** New rows only: aggregate them alone and fold them into their groups (but those just counted again). */
  private async addInserted(sql: string, rowids: ReadonlySet<bigint>, recounted: ReadonlySet<string>) {
    const { plan } = this;
    const values = await this.db.values(sql, paramsWith(this.params, plan.paramCount, rowidsJson(rowids)));
    for (const v of values) {
      const fresh = this.entryOf(v);
      if (recounted.has(keyOfValue(fresh.group[0]!))) continue;
      const old = this.groups.get(GroupMaintainer.keyOf(fresh.group));
      if (!old) {
        this.setGroup(fresh);
        continue;
      }
      const combined = plan.delta!.map((op, i) => combine(op, old.values[i]!, fresh.values[i]!));
      this.setGroup(this.entryOf([...combined, ...old.group]));
    }
  }

  /** Aggregates the touched partitions again. */
  private async regroup(partitions: ReadonlySet<string>) {
    const values: unknown[] = [];
    for (const key of partitions) {
      const value = valueOfKey(key);
      if (value === undefined) throw new NotSupported('a partition value that is not text or an integer');
      values.push(typeof value === 'bigint' ? String(value) : value);
    }
    const { plan } = this;
    const rows = await this.db.values(
      plan.sql.byPartition,
      paramsWith(this.params, plan.paramCount, JSON.stringify(values)),
    );
    for (const partition of partitions) this.dropPartition(partition);
    for (const v of rows) this.setGroup(this.entryOf(v));
  }
}

function combine(op: DeltaOp, old: SqlValue, fresh: SqlValue): SqlValue {
  if (op === 'group') return old;
  if (old === null) return fresh;
  if (fresh === null) return old;
  if (op === 'min') return compareSqlValues(fresh, old) < 0 ? fresh : old;
  if (op === 'max') return compareSqlValues(fresh, old) > 0 ? fresh : old;
  // count and sum: integers add exactly; anything else is left to SQLite.
  if (typeof old === 'number' && typeof fresh === 'number' && Number.isInteger(old) && Number.isInteger(fresh)) {
    const sum = old + fresh;
    if (Number.isSafeInteger(sum)) return sum;
  }
  throw new NotSupported('a sum that is not a small integer');
}
