/**
 * A small parser for SQLite SELECT statements: enough structure to find key pins (`WHERE room = ?`) and the query
 * shapes that can be maintained incrementally, with source ranges so that variants of a query can be rendered
 * from its own text. It is deliberately partial: anything it does not understand throws SqlParseError, and the
 * callers then treat the query as opaque (no pins, re-run on change). SQLite itself has already accepted the
 * statement (it was prepared first), so the parser never has to judge validity, only recognise structure.
 */
import {
  SqlParseError,
  firstToken,
  flatten,
  groupTokens,
  isGroup,
  isName,
  isOp,
  isWord,
  lastToken,
  nameOf,
  splitCommas,
  tokenize,
  type Group,
  type Node,
  type Token,
} from './tokens';

export type JoinKind = 'first' | 'comma' | 'inner' | 'cross' | 'left' | 'right' | 'full';

interface FromBase {
  /** Lower-cased alias, or the table name when there is none (null for an unnamed subquery). */
  alias: string | null;
  join: JoinKind;
  natural: boolean;
  /** The ON expression of the join that brought this item in. */
  on: Node[] | null;
  using: boolean;
  /** Inside a parenthesised join: the join structure around it is not followed. */
  nested: boolean;
}
export interface TableRef extends FromBase {
  kind: 'table';
  schema: string | null;
  name: string;
  /** The last token of the reference (its name or alias), where an index hint would go. */
  end: Token;
  /** INDEXED BY or NOT INDEXED was given. */
  indexHint: boolean;
}
export interface SubqueryRef extends FromBase {
  kind: 'subquery';
  select: SelectStmt;
}
export interface FunctionRef extends FromBase {
  kind: 'function';
  name: string;
}
export type FromItem = TableRef | SubqueryRef | FunctionRef;

export interface SelectCore {
  kind: 'select' | 'values';
  distinct: boolean;
  /** Result columns, split at commas. */
  columns: Node[][];
  /** The nodes of the result columns, for rendering. */
  columnNodes: Node[];
  from: FromItem[];
  /** The nodes after FROM up to the next clause, for rendering. */
  fromNodes: Node[];
  where: Node[] | null;
  groupBy: Node[][] | null;
  having: Node[] | null;
  window: boolean;
}

/** A core with nothing in it yet, filled in as the parser reads (a VALUES core stays so). */
function emptyCore(kind: SelectCore['kind']): SelectCore {
  return {
    kind,
    distinct: false,
    columns: [],
    columnNodes: [],
    from: [],
    fromNodes: [],
    where: null,
    groupBy: null,
    having: null,
    window: false,
  };
}

export interface OrderTerm {
  expr: Node[];
  desc: boolean;
  /** NULLS FIRST/LAST given explicitly. */
  nulls: 'first' | 'last' | null;
}

export interface SelectStmt {
  ctes: { name: string; select: SelectStmt }[];
  cores: SelectCore[];
  orderBy: OrderTerm[] | null;
  limit: Node[] | null;
  offset: Node[] | null;
}

export interface ParsedStatement {
  sql: string;
  tokens: Token[];
  root: SelectStmt;
  /** Every SELECT in the statement: the root, CTE bodies, subqueries in FROM and in expressions. */
  selects: SelectStmt[];
  /** Every CTE name defined anywhere in the statement. */
  cteNames: Set<string>;
  /** The SELECT parsed from each parenthesised subquery. */
  subqueries: Map<Group, SelectStmt>;
  /** `x IN some_table`: a table read that is not in any FROM clause. */
  readsTableOutsideFrom: boolean;
  /** Parameter number of each parameter token (SQLite's numbering). */
  paramIndex: Map<Token, number>;
  /** Number of parameters, as sqlite3_bind_parameter_count counts them. */
  paramCount: number;
  /** Named parameters (:a, @a, $a) are present: positional binding of extra parameters would be ambiguous. */
  hasNamedParams: boolean;
}

const CLAUSE_ENDS_CORE = [
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'WINDOW',
  'ORDER',
  'LIMIT',
  'UNION',
  'INTERSECT',
  'EXCEPT',
];
const COMPOUND = ['UNION', 'INTERSECT', 'EXCEPT'];
const JOIN_WORDS = ['JOIN', 'LEFT', 'RIGHT', 'FULL', 'INNER', 'CROSS', 'NATURAL', 'OUTER'];
/** Words that can follow a table name and so are never its alias. */
const NOT_ALIAS = new Set([...CLAUSE_ENDS_CORE, ...JOIN_WORDS, 'ON', 'USING', 'INDEXED', 'NOT', 'AS', 'RETURNING']);

const startsSelect = (nodes: readonly Node[]) => isWord(nodes[0], 'SELECT', 'WITH', 'VALUES');

/** Parses one SELECT statement (a trailing semicolon is allowed). Throws SqlParseError when unsure. */
export function parseSelectStatement(sql: string): ParsedStatement {
  const tokens = tokenize(sql);
  let nodes = groupTokens(tokens);
  if (isOp(nodes[nodes.length - 1], ';')) nodes = nodes.slice(0, -1);
  if (nodes.some((node) => isOp(node, ';'))) throw new SqlParseError('more than one statement');
  const parser = new Parser();
  const root = parser.select(nodes);
  const { index, count, named } = numberParams(tokens);
  return {
    sql,
    tokens,
    root,
    selects: parser.selects,
    cteNames: parser.cteNames,
    subqueries: parser.subqueries,
    readsTableOutsideFrom: parser.inTable,
    paramIndex: index,
    paramCount: count,
    hasNamedParams: named,
  };
}

/** SQLite numbers `?` as one more than the largest so far, `?N` as N, and names in order of first appearance. */
function numberParams(tokens: readonly Token[]) {
  const index = new Map<Token, number>();
  const names = new Map<string, number>();
  let max = 0;
  let named = false;
  for (const token of tokens) {
    if (token.kind !== 'param') continue;
    let n: number;
    if (token.value === '?') n = ++max;
    else if (token.value.startsWith('?')) {
      n = Number(token.value.slice(1));
      max = Math.max(max, n);
    } else {
      named = true;
      n = names.get(token.value) ?? ++max;
      names.set(token.value, n);
    }
    index.set(token, n);
  }
  return { index, count: max, named };
}

class Parser {
  readonly selects: SelectStmt[] = [];
  readonly cteNames = new Set<string>();
  readonly subqueries = new Map<Group, SelectStmt>();
  inTable = false;

  select(nodes: readonly Node[]): SelectStmt {
    const stmt: SelectStmt = { ctes: [], cores: [], orderBy: null, limit: null, offset: null };
    this.selects.push(stmt);
    let i = 0;
    if (isWord(nodes[0], 'WITH')) {
      i = 1;
      if (isWord(nodes[i], 'RECURSIVE')) i++;
      for (;;) {
        const name = nodes[i];
        if (!isName(name)) throw new SqlParseError('CTE name expected');
        i++;
        if (isGroup(nodes[i])) i++; // column names
        if (!isWord(nodes[i], 'AS')) throw new SqlParseError('AS expected');
        i++;
        if (isWord(nodes[i], 'NOT')) i++;
        if (isWord(nodes[i], 'MATERIALIZED')) i++;
        const body = nodes[i];
        if (!isGroup(body) || !startsSelect(body.items)) throw new SqlParseError('CTE body expected');
        this.cteNames.add(nameOf(name));
        stmt.ctes.push({ name: nameOf(name), select: this.select(body.items) });
        i++;
        if (!isOp(nodes[i], ',')) break;
        i++;
      }
    }
    for (;;) {
      const start = i;
      if (isWord(nodes[i], 'SELECT')) {
        i = this.core(nodes, i + 1, stmt);
      } else if (isWord(nodes[i], 'VALUES')) {
        i++;
        while (i < nodes.length && !isWord(nodes[i], ...COMPOUND, 'ORDER', 'LIMIT')) i++;
        this.expression(nodes.slice(start + 1, i));
        stmt.cores.push(emptyCore('values'));
      } else {
        throw new SqlParseError('SELECT expected');
      }
      if (!isWord(nodes[i], ...COMPOUND)) break;
      i++;
      if (isWord(nodes[i], 'ALL')) i++;
    }
    if (isWord(nodes[i], 'ORDER')) {
      if (!isWord(nodes[i + 1], 'BY')) throw new SqlParseError('BY expected');
      const end = findWord(nodes, i + 2, ['LIMIT']);
      stmt.orderBy = splitCommas(nodes.slice(i + 2, end)).map((term) => this.orderTerm(term));
      i = end;
    }
    if (isWord(nodes[i], 'LIMIT')) {
      const rest = nodes.slice(i + 1);
      const offsetAt = rest.findIndex((node) => isWord(node, 'OFFSET') || isOp(node, ','));
      if (offsetAt < 0) stmt.limit = rest;
      else if (isWord(rest[offsetAt], 'OFFSET')) {
        stmt.limit = rest.slice(0, offsetAt);
        stmt.offset = rest.slice(offsetAt + 1);
      } else {
        // LIMIT offset, count
        stmt.offset = rest.slice(0, offsetAt);
        stmt.limit = rest.slice(offsetAt + 1);
      }
      this.expression(rest);
      i = nodes.length;
    }
    if (i !== nodes.length) throw new SqlParseError(`unexpected ${describe(nodes[i])}`);
    return stmt;
  }

  private orderTerm(term: Node[]): OrderTerm {
    let end = term.length;
    let nulls: OrderTerm['nulls'] = null;
    if (isWord(term[end - 2], 'NULLS') && isWord(term[end - 1], 'FIRST', 'LAST')) {
      nulls = (term[end - 1] as Token).value === 'FIRST' ? 'first' : 'last';
      end -= 2;
    }
    let desc = false;
    if (isWord(term[end - 1], 'ASC', 'DESC')) {
      desc = (term[end - 1] as Token).value === 'DESC';
      end--;
    }
    const expr = term.slice(0, end);
    if (!expr.length) throw new SqlParseError('empty ORDER BY term');
    this.expression(expr);
    return { expr, desc, nulls };
  }

  /** Parses a core after its SELECT keyword; returns the index after it. */
  private core(nodes: readonly Node[], i: number, stmt: SelectStmt): number {
    const core = emptyCore('select');
    if (isWord(nodes[i], 'DISTINCT')) {
      core.distinct = true;
      i++;
    } else if (isWord(nodes[i], 'ALL')) i++;
    let end = findWord(nodes, i, CLAUSE_ENDS_CORE);
    core.columnNodes = nodes.slice(i, end);
    core.columns = splitCommas(core.columnNodes);
    for (const column of core.columns) this.expression(column);
    i = end;
    if (isWord(nodes[i], 'FROM')) {
      end = findWord(nodes, i + 1, CLAUSE_ENDS_CORE.slice(1));
      core.fromNodes = nodes.slice(i + 1, end);
      core.from = this.joinList(core.fromNodes, false);
      i = end;
    }
    if (isWord(nodes[i], 'WHERE')) {
      end = findWord(nodes, i + 1, CLAUSE_ENDS_CORE.slice(2));
      core.where = nodes.slice(i + 1, end);
      this.expression(core.where);
      i = end;
    }
    if (isWord(nodes[i], 'GROUP')) {
      if (!isWord(nodes[i + 1], 'BY')) throw new SqlParseError('BY expected');
      end = findWord(nodes, i + 2, CLAUSE_ENDS_CORE.slice(3));
      core.groupBy = splitCommas(nodes.slice(i + 2, end));
      core.groupBy.forEach((g) => this.expression(g));
      i = end;
    }
    if (isWord(nodes[i], 'HAVING')) {
      end = findWord(nodes, i + 1, CLAUSE_ENDS_CORE.slice(4));
      core.having = nodes.slice(i + 1, end);
      this.expression(core.having);
      i = end;
    }
    if (isWord(nodes[i], 'WINDOW')) {
      end = findWord(nodes, i + 1, CLAUSE_ENDS_CORE.slice(5));
      core.window = true;
      this.expression(nodes.slice(i + 1, end));
      i = end;
    }
    stmt.cores.push(core);
    return i;
  }

  /** A FROM clause: table references and their joins. */
  private joinList(nodes: readonly Node[], nested: boolean): FromItem[] {
    const items: FromItem[] = [];
    let i = 0;
    let join: JoinKind = 'first';
    let natural = false;
    for (;;) {
      const [item, next] = this.fromItem(nodes, i, join, natural, nested);
      i = next;
      if (isWord(nodes[i], 'ON')) {
        const end = findJoinEnd(nodes, i + 1);
        item.on = nodes.slice(i + 1, end);
        this.expression(item.on);
        i = end;
      } else if (isWord(nodes[i], 'USING')) {
        if (!isGroup(nodes[i + 1])) throw new SqlParseError('USING (…) expected');
        item.using = true;
        i += 2;
      }
      items.push(...(item.kind === 'nested' ? item.items : [item]));
      if (i >= nodes.length) return items;
      [join, natural, i] = joinOperator(nodes, i);
    }
  }

  private fromItem(
    nodes: readonly Node[],
    i: number,
    join: JoinKind,
    natural: boolean,
    nested: boolean,
  ): [FromItem | ({ kind: 'nested'; items: FromItem[] } & FromBase), number] {
    const base: FromBase = { alias: null, join, natural, on: null, using: false, nested };
    const node = nodes[i];
    if (isGroup(node)) {
      i++;
      if (startsSelect(node.items)) {
        const select = this.select(node.items);
        this.subqueries.set(node, select);
        const [alias, next] = readAlias(nodes, i);
        return [{ ...base, kind: 'subquery', select, alias }, next];
      }
      // A parenthesised join: its structure is not followed further (its items are marked nested).
      const inner = this.joinList(node.items, true);
      return [{ ...base, kind: 'nested', items: inner }, i];
    }
    if (!isName(node)) throw new SqlParseError(`table expected, got ${describe(node)}`);
    let schema: string | null = null;
    let name = nameOf(node);
    i++;
    if (isOp(nodes[i], '.')) {
      const second = nodes[i + 1];
      if (!isName(second)) throw new SqlParseError('table name expected');
      schema = name;
      name = nameOf(second);
      i += 2;
    }
    if (isGroup(nodes[i])) {
      this.expression((nodes[i] as Group).items);
      const [alias, next] = readAlias(nodes, i + 1);
      return [{ ...base, kind: 'function', name, alias: alias ?? name }, next];
    }
    const [alias, next] = readAlias(nodes, i);
    const end = nodes[next - 1] as Token;
    i = next;
    let indexHint = true;
    if (isWord(nodes[i], 'INDEXED') && isWord(nodes[i + 1], 'BY')) i += 3;
    else if (isWord(nodes[i], 'NOT') && isWord(nodes[i + 1], 'INDEXED')) i += 2;
    else indexHint = false;
    return [{ ...base, kind: 'table', schema, name, alias: alias ?? name, end, indexHint }, i];
  }

  /** Finds the SELECTs nested in an expression, and `IN table` reads. */
  expression(nodes: readonly Node[]) {
    nodes.forEach((node, i) => {
      if (isGroup(node)) {
        if (startsSelect(node.items)) this.subqueries.set(node, this.select(node.items));
        else this.expression(node.items);
      } else if (isWord(node, 'IN') && isName(nodes[i + 1])) {
        this.inTable = true;
      }
    });
  }
}

function readAlias(nodes: readonly Node[], i: number): [string | null, number] {
  if (isWord(nodes[i], 'AS')) {
    const name = nodes[i + 1];
    if (!isName(name)) throw new SqlParseError('alias expected');
    return [nameOf(name), i + 2];
  }
  const name = nodes[i];
  if (!isName(name)) return [null, i];
  const token: Token = name;
  if (token.kind === 'word' && NOT_ALIAS.has(token.value)) return [null, i];
  return [nameOf(token), i + 1];
}

function joinOperator(nodes: readonly Node[], i: number): [JoinKind, boolean, number] {
  if (isOp(nodes[i], ',')) return ['comma', false, i + 1];
  let natural = false;
  if (isWord(nodes[i], 'NATURAL')) {
    natural = true;
    i++;
  }
  let kind: JoinKind = 'inner';
  if (isWord(nodes[i], 'LEFT', 'RIGHT', 'FULL')) {
    kind = (nodes[i] as Token).value.toLowerCase() as JoinKind;
    i++;
    if (isWord(nodes[i], 'OUTER')) i++;
  } else if (isWord(nodes[i], 'INNER')) i++;
  else if (isWord(nodes[i], 'CROSS')) {
    kind = 'cross';
    i++;
  }
  if (!isWord(nodes[i], 'JOIN')) throw new SqlParseError(`JOIN expected, got ${describe(nodes[i])}`);
  return [kind, natural, i + 1];
}

/** The end of an ON expression: the next join operator. */
function findJoinEnd(nodes: readonly Node[], i: number): number {
  while (i < nodes.length && !isOp(nodes[i], ',') && !isWord(nodes[i], ...JOIN_WORDS)) i++;
  return i;
}

/** The index of the first of `words` at this level from `i` (or the end), skipping `IS [NOT] DISTINCT FROM`. */
function findWord(nodes: readonly Node[], i: number, words: readonly string[]): number {
  for (; i < nodes.length; i++) {
    const node = nodes[i];
    if (!isWord(node, ...words)) continue;
    if (node.value === 'FROM' && isWord(nodes[i - 1], 'DISTINCT') && isWord(nodes[i - 2], 'IS', 'NOT')) continue;
    return i;
  }
  return nodes.length;
}

const describe = (node: Node | undefined) => (node ? `"${isGroup(node) ? '(…)' : node.text}"` : 'end of statement');

/**
 * The source text of a run of nodes, with every parameter written as ?N so that it keeps its number anywhere, and
 * with text inserted after given tokens.
 */
export function renderNodes(
  parsed: ParsedStatement,
  nodes: readonly Node[],
  insertAfter: ReadonlyMap<Token, string> = new Map(),
): string {
  if (!nodes.length) return '';
  const { sql } = parsed;
  let out = '';
  let at = firstToken(nodes[0]!).start;
  const end = lastToken(nodes[nodes.length - 1]!).end;
  for (const token of flatten(nodes)) {
    const insert = insertAfter.get(token);
    if (token.kind !== 'param' && insert === undefined) continue;
    out += sql.slice(at, token.start);
    out += token.kind === 'param' ? `?${parsed.paramIndex.get(token)}` : token.text;
    if (insert !== undefined) out += insert;
    at = token.end;
  }
  return out + sql.slice(at, end);
}
