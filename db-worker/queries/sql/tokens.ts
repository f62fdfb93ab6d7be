/**
 * A tokenizer for SQLite's SQL, and a tree of its parentheses: the first step of the small, conservative SELECT
 * parser that finds key pins and incremental shapes. It only needs to be exact where it says yes; whatever it does
 * not recognise makes the callers fall back to the safe path (no pin, re-run), so it throws on anything odd.
 */

export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'blob' | 'param' | 'op';

export interface Token {
  kind: TokenKind;
  /** The source text. */
  text: string;
  /**
   * word: upper-cased; ident: the unquoted name; string: the unquoted value; number: the source; param: the
   * source ('?', '?3', ':name'); op: the operator.
   */
  value: string;
  start: number;
  end: number;
}

export interface Group {
  kind: 'group';
  open: Token;
  close: Token;
  items: Node[];
}

export type Node = Token | Group;

export class SqlParseError extends Error {}

const isGroup = (node: Node | undefined): node is Group => node?.kind === 'group';
export { isGroup };

/** A bare word (keyword or unquoted name) with this upper-cased spelling. */
export const isWord = (node: Node | undefined, ...words: string[]): node is Token =>
  node !== undefined && node.kind === 'word' && (words.length === 0 || words.includes(node.value));

export const isOp = (node: Node | undefined, ...ops: string[]): node is Token =>
  node !== undefined && node.kind === 'op' && ops.includes(node.value);

/** A name: a bare word or a quoted identifier. Its comparable form is lower-cased (SQLite names ignore ASCII case). */
export const isName = (node: Node | undefined): node is Token =>
  node !== undefined && (node.kind === 'word' || node.kind === 'ident');

export const nameOf = (token: Token) => (token.kind === 'word' ? token.text : token.value).toLowerCase();

const OPERATORS = ['->>', '||', '<=', '>=', '==', '!=', '<>', '<<', '>>', '->', '=', '<', '>', '+', '-', '*', '/'];
const SINGLE = new Set(['%', '&', '|', '~', ',', ';', '(', ')', '.']);

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number, value: string) =>
    tokens.push({ kind, text: sql.slice(start, end), value, start, end });
  /** A quoted run with doubled-quote escapes; returns the index after the closing quote. */
  const quoted = (open: number, close: string): [end: number, value: string] => {
    let j = open + 1;
    let value = '';
    for (;;) {
      const at = sql.indexOf(close, j);
      if (at < 0) throw new SqlParseError('unterminated quote');
      value += sql.slice(j, at);
      if (close !== ']' && sql[at + 1] === close) {
        value += close;
        j = at + 2;
        continue;
      }
      return [at + 1, value];
    }
  };
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'") {
      const [end, value] = quoted(i, "'");
      push('string', i, end, value);
      i = end;
    } else if (c === '"' || c === '`') {
      const [end, value] = quoted(i, c);
      push('ident', i, end, value);
      i = end;
    } else if (c === '[') {
      const [end, value] = quoted(i, ']');
      push('ident', i, end, value);
      i = end;
    } else if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      const [end, value] = quoted(i + 1, "'");
      push('blob', i, end, value);
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const match = /^(0x[0-9a-f]+|[0-9]*\.?[0-9]*(e[+-]?[0-9]+)?)/i.exec(sql.slice(i))!;
      const end = i + match[0].length;
      if (WORD_PART.test(sql[end] ?? '')) throw new SqlParseError('bad number');
      push('number', i, end, match[0]);
      i = end;
    } else if (c === '?') {
      let end = i + 1;
      while (/[0-9]/.test(sql[end] ?? '')) end++;
      push('param', i, end, sql.slice(i, end));
      i = end;
    } else if (c === ':' || c === '@' || c === '$') {
      let end = i + 1;
      while (WORD_PART.test(sql[end] ?? '')) end++;
      // Tcl-style `$a::b(c)` names exist too; they are rare enough to refuse.
      if (end === i + 1 || sql[end] === ':' || sql[end] === '(') throw new SqlParseError('unsupported parameter');
      push('param', i, end, sql.slice(i, end));
      i = end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (WORD_PART.test(sql[end] ?? '')) end++;
      const text = sql.slice(i, end);
      push('word', i, end, text.toUpperCase());
      i = end;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i));
      if (op) {
        push('op', i, i + op.length, op);
        i += op.length;
      } else if (SINGLE.has(c)) {
        push('op', i, i + 1, c);
        i++;
      } else {
        throw new SqlParseError(`unexpected character ${c}`);
      }
    }
  }
  return tokens;
}

/** Nests tokens by parentheses. */
export function groupTokens(tokens: readonly Token[]): Node[] {
  const root: Node[] = [];
  const stack: { items: Node[]; open: Token | null }[] = [{ items: root, open: null }];
  for (const token of tokens) {
    const top = stack[stack.length - 1]!;
    if (token.kind === 'op' && token.value === '(') {
      stack.push({ items: [], open: token });
    } else if (token.kind === 'op' && token.value === ')') {
      if (stack.length === 1) throw new SqlParseError('unbalanced )');
      stack.pop();
      const parent = stack[stack.length - 1]!;
      parent.items.push({ kind: 'group', open: top.open!, close: token, items: top.items });
    } else {
      top.items.push(token);
    }
  }
  if (stack.length !== 1) throw new SqlParseError('unbalanced (');
  return root;
}

/** The first and last token of a node, for source ranges. */
export const firstToken = (node: Node): Token => (isGroup(node) ? node.open : node);
export const lastToken = (node: Node): Token => (isGroup(node) ? node.close : node);

/** Every token under a list of nodes, in source order. */
export function* flatten(nodes: readonly Node[]): Generator<Token> {
  for (const node of nodes) {
    if (isGroup(node)) {
      yield node.open;
      yield* flatten(node.items);
      yield node.close;
    } else {
      yield node;
    }
  }
}

/** Splits a list at top-level commas. */
export function splitCommas(nodes: readonly Node[]): Node[][] {
  const parts: Node[][] = [[]];
  for (const node of nodes) {
    if (isOp(node, ',')) parts.push([]);
    else parts[parts.length - 1]!.push(node);
  }
  return parts;
}
