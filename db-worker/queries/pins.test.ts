/**
 * Key pins: claimed where a query provably sees only rows whose column equals given values, and nowhere else.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { SqlParam } from '../../protocol/messages';
import { migrate } from '../schema';
import type { Database } from '../sqlite/database';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { bindPin, findPinTemplates } from './pins';
import { readSchemaInfo, type SchemaInfo } from './schema-info';
import { parseSelectStatement } from './sql/select';

let db: Database;
let schema: SchemaInfo;

beforeAll(async () => {
  db = await openMemoryDatabase();
  await migrate(db);
  await db.exec(`CREATE VIEW recent AS SELECT id, room FROM messages;
                 CREATE TABLE tagged (id TEXT PRIMARY KEY, tag TEXT COLLATE NOCASE);
                 CREATE TABLE hidden (id TEXT PRIMARY KEY);`);
  schema = await readSchemaInfo(db);
});

/** table → "column = values" for a statement and its parameters. */
async function pins(sql: string, params: SqlParam[] = []) {
  const prepared = await db.prepare(sql);
  const read = new Set(
    [...prepared.access.reads.keys()].map((t) => t.toLowerCase()).filter((t) => schema.tables.has(t)),
  );
  const parsed = parseSelectStatement(sql);
  expect(parsed.paramCount).toBe(prepared.paramCount);
  const { pins: templates } = findPinTemplates(parsed, schema, read);
  const out: Record<string, string> = {};
  for (const [table, template] of templates) {
    const affinity = schema.tables.get(table)!.columns.get(template.column.toLowerCase())!.affinity;
    const pin = bindPin(template, affinity as 'text' | 'integer', params);
    if (pin) out[table] = `${pin.column} = ${pin.values.join(' | ')}`;
  }
  return out;
}

describe('pins', () => {
  test('WHERE column = parameter, with or without an alias', async () => {
    expect(await pins('SELECT id FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?', ['r1', 5])).toEqual({
      messages: 'room = r1',
    });
    expect(await pins('SELECT m.id FROM messages AS m WHERE ? = m.room AND m.id > ?', ['r1', 'x'])).toEqual({
      messages: 'room = r1',
    });
  });

  test('literals, IN lists and numbered parameters', async () => {
    expect(await pins("SELECT id FROM rooms WHERE kind = 'thread' AND parent = ?1", ['c'])).toEqual({
      rooms: 'parent = c',
    });
    expect(await pins('SELECT id FROM messages WHERE id IN (?, ?, ?)', ['a', 'b', 'c'])).toEqual({
      messages: 'id = a | b | c',
    });
    expect(await pins('SELECT id FROM rooms WHERE deleted = 0')).toEqual({ rooms: 'deleted = 0' });
  });

  test('each table on its own: a subquery pins messages; the outer table stays unpinned', async () => {
    expect(
      await pins(
        `SELECT message, count(*) FROM reactions
         WHERE message IN (SELECT id FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?) GROUP BY message`,
        ['r1', 50],
      ),
    ).toEqual({ messages: 'room = r1' });
  });

  test('a LEFT JOIN ON condition pins the joined table; a join condition on a column does not', async () => {
    expect(
      await pins(
        `SELECT m.room, count(*) FROM messages m LEFT JOIN read_marks r ON r.room = m.room AND r.user = ?
         WHERE m.id > coalesce(r.up_to, '') GROUP BY m.room`,
        ['bob'],
      ),
    ).toEqual({ read_marks: 'user = bob' });
  });

  test('a CTE body is a reference like any other', async () => {
    expect(
      await pins('WITH r AS (SELECT id FROM messages WHERE room = ?) SELECT id FROM r WHERE id > ?', ['r1', 'x']),
    ).toEqual({ messages: 'room = r1' });
  });

  test('no pin when one reference of the table is not restricted', async () => {
    expect(
      await pins(
        `SELECT m.id, (SELECT body FROM messages t WHERE t.id = m.reply_to) AS quoted
         FROM messages m WHERE m.room = ?`,
        ['r1'],
      ),
    ).toEqual({});
  });

  test('no pin through OR, CASE, BETWEEN or NOT', async () => {
    expect(await pins('SELECT id FROM messages WHERE room = ? OR author = ?', ['r1', 'a'])).toEqual({});
    expect(await pins('SELECT id FROM messages WHERE author = ? AND room = ? OR 1', ['a', 'r1'])).toEqual({});
    expect(await pins('SELECT id FROM messages WHERE CASE WHEN ? THEN room = ? END', [1, 'r1'])).toEqual({});
    expect(await pins('SELECT id FROM messages WHERE NOT room = ?', ['r1'])).toEqual({});
    expect(await pins('SELECT id FROM messages WHERE room NOT IN (?)', ['r1'])).toEqual({});
  });

  test('no pin when a value could compare equal in surprising ways', async () => {
    // a number against a TEXT column: SQLite converts it, '05' and 5 would not be told apart here
    expect(await pins('SELECT id FROM messages WHERE room = ?', [5])).toEqual({});
    expect(await pins('SELECT id FROM messages WHERE room = ?', [null])).toEqual({});
    expect(await pins("SELECT id FROM rooms WHERE deleted = '0'")).toEqual({});
    // a collation
    expect(await pins('SELECT id FROM tagged WHERE tag = ?', ['x'])).toEqual({});
    expect(await pins('SELECT id FROM messages WHERE room = ? COLLATE NOCASE', ['r1'])).toEqual({});
  });

  test('no pin at all through a view, a CTE named like a table, or `IN table`', async () => {
    expect(await pins('SELECT id FROM recent WHERE room = ?', ['r1'])).toEqual({});
    expect(await pins('WITH rooms AS (SELECT id FROM messages WHERE room = ?) SELECT id FROM rooms', ['r1'])).toEqual(
      {},
    );
    expect(await pins('SELECT id FROM rooms WHERE space = ? AND id NOT IN hidden', ['s'])).toEqual({});
  });

  test('an unqualified column is not guessed when a subquery in FROM could have it too', async () => {
    expect(await pins('SELECT m.id FROM messages m, (SELECT 1 AS x) s WHERE room = ?', ['r1'])).toEqual({});
    expect(await pins('SELECT m.id FROM messages m, (SELECT 1 AS x) s WHERE m.room = ?', ['r1'])).toEqual({
      messages: 'room = r1',
    });
  });
});

describe('the parser', () => {
  test('numbers parameters as SQLite does', async () => {
    for (const sql of [
      'SELECT ?, ?5, ?, ?2 FROM messages',
      'SELECT :a, ?, :a, @b, $c FROM messages',
      "SELECT '?' || ? FROM messages -- ?",
    ]) {
      expect(parseSelectStatement(sql).paramCount).toBe((await db.prepare(sql)).paramCount);
    }
  });

  test('refuses what it does not know rather than guess', () => {
    expect(() => parseSelectStatement('SELECT 1; SELECT 2')).toThrow();
    expect(() => parseSelectStatement('SELECT $a::b FROM t')).toThrow();
    expect(() => parseSelectStatement('SELECT (1')).toThrow();
  });
});
