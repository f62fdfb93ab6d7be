/**
 * Read sets (what a query depends on) and write sets (what a commit changed), from SQLite's authorizer and
 * update_hook and the watch triggers, over joins, subqueries, CTEs, views, triggers and the truncate case.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { migrate } from '../schema';
import type { CommitChanges, Database } from '../sqlite/database';
import { openMemoryDatabase } from '../testing/node-sqlite';
import { tableChanges, type TableChange } from './write-set';

let db: Database;
let commits: CommitChanges[];

beforeEach(async () => {
  db = await openMemoryDatabase();
  await migrate(db);
  commits = [];
  db.onCommit((changes) => commits.push(changes));
});

/** table → sorted columns read. */
async function reads(sql: string) {
  const access = await db.accessOf(sql);
  return Object.fromEntries([...access.reads].map(([table, columns]) => [table, [...columns].sort()]));
}

/** The write set of the last commit, per table, in a comparable form. */
function lastWrites() {
  const changes = commits[commits.length - 1]!;
  const out: Record<string, { columns: string[] | 'all'; rows: number | null; keys?: Record<string, string[]> }> = {};
  for (const [table, change] of tableChanges(changes)) out[table] = describeChange(change);
  return out;
}
function describeChange(change: TableChange) {
  const keys = Object.fromEntries([...change.keys].map(([column, set]) => [column, [...set].sort()]));
  return {
    columns: change.columns === 'all' ? ('all' as const) : [...change.columns].sort(),
    rows: change.rowids ? change.rowids.size : null,
    ...(Object.keys(keys).length ? { keys } : {}),
  };
}

async function seed() {
  await db.run(`INSERT INTO rooms (id, space, kind, name, creator, created_at) VALUES ('r1', 's', 'channel', 'one', 'u', 1),
                ('r2', 's', 'channel', 'two', 'u', 1)`);
  await db.run(`INSERT INTO messages (id, room, author, body, created_at) VALUES ('m1', 'r1', 'ann', 'hi', 1),
                ('m2', 'r1', 'bob', 'yo', 2), ('m3', 'r2', 'ann', 'hey', 3)`);
  await db.run(
    `INSERT INTO reactions (message, user, emoji, event_id) VALUES ('m1', 'bob', '👍', 'e1'), ('m3', 'ann', '🎉', 'e2')`,
  );
}

describe('read sets', () => {
  test('a join reads the columns it names on both sides, ON included', async () => {
    expect(
      await reads(
        `SELECT m.body, p.display_name FROM messages m JOIN profiles p ON p.user = m.author WHERE m.room = ?`,
      ),
    ).toEqual({ messages: ['author', 'body', 'room'], profiles: ['display_name', 'user'] });
  });

  test('subqueries in WHERE and in the columns', async () => {
    expect(
      await reads(`SELECT id, (SELECT count(*) FROM reactions r WHERE r.message = rooms.id) AS n FROM rooms
                   WHERE id IN (SELECT room FROM messages WHERE author = ?)`),
    ).toEqual({ rooms: ['id'], reactions: ['message'], messages: ['author', 'room'] });
  });

  test('a CTE reads what its body reads', async () => {
    expect(
      await reads(`WITH recent AS (SELECT id, body FROM messages WHERE room = ? ORDER BY id DESC LIMIT 5)
                   SELECT body FROM recent`),
    ).toEqual({ messages: ['body', 'id', 'room'] });
  });

  test('a view reads the columns of its tables', async () => {
    await db.exec(`CREATE VIEW named_messages AS
                   SELECT m.id, m.body, coalesce(p.display_name, m.author) AS name
                   FROM messages m LEFT JOIN profiles p ON p.user = m.author`);
    const r = await reads('SELECT body, name FROM named_messages WHERE id = ?');
    expect(r.messages).toEqual(['author', 'body', 'id']);
    expect(r.profiles).toEqual(['display_name', 'user']);
  });

  test('count(*) reads the table without a column', async () => {
    expect(await reads('SELECT count(*) AS n FROM messages')).toEqual({ messages: [''] });
  });
});

describe('write sets', () => {
  test('UPDATE changes only the columns it sets; INSERT and DELETE change every column', async () => {
    await seed();
    await db.run(`UPDATE messages SET body = 'edited', edited_at = 5 WHERE id = 'm1'`);
    expect(lastWrites()).toEqual({ messages: { columns: ['body', 'edited_at'], rows: 1 } });
    await db.run(`DELETE FROM messages WHERE id = 'm2'`);
    expect(lastWrites()).toEqual({ messages: { columns: 'all', rows: 1 } });
    await db.run(`INSERT INTO profiles (user, display_name, updated_id) VALUES ('ann', 'Ann', 'e')`);
    expect(lastWrites()).toEqual({ profiles: { columns: 'all', rows: 1 } });
  });

  test('a transaction reports the union of its statements, once, at COMMIT', async () => {
    await seed();
    commits = [];
    await db.transaction(async () => {
      await db.run(`UPDATE messages SET body = 'x' WHERE id = 'm1'`);
      await db.run(`UPDATE rooms SET name = 'renamed' WHERE id = 'r2'`);
      await db.run(`UPDATE messages SET edited_at = 1 WHERE id = 'm3'`);
    });
    expect(commits).toHaveLength(1);
    expect(lastWrites()).toEqual({
      messages: { columns: ['body', 'edited_at'], rows: 2 },
      rooms: { columns: ['name'], rows: 1 },
    });
  });

  test('a rolled back transaction reports nothing', async () => {
    await seed();
    commits = [];
    await expect(
      db.transaction(async () => {
        await db.run(`UPDATE messages SET body = 'x' WHERE id = 'm1'`);
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(commits).toHaveLength(0);
  });

  test("a trigger's writes belong to the statement that fired it", async () => {
    await seed();
    await db.exec(`ALTER TABLE rooms ADD COLUMN last_message TEXT;
                   CREATE TRIGGER messages_last AFTER INSERT ON messages
                   BEGIN UPDATE rooms SET last_message = new.id WHERE id = new.room; END;`);
    await db.run(`INSERT INTO messages (id, room, author, body, created_at) VALUES ('m9', 'r2', 'ann', 'new', 9)`);
    expect(lastWrites()).toEqual({
      messages: { columns: 'all', rows: 1 },
      rooms: { columns: ['last_message'], rows: 1 },
    });
  });

  test('an unqualified DELETE (the truncate case) makes the table opaque: every row may have changed', async () => {
    await seed();
    await db.run('DELETE FROM reactions');
    const changes = commits[commits.length - 1]!;
    expect([...changes.truncated]).toEqual(['reactions']);
    expect(lastWrites()).toEqual({ reactions: { columns: 'all', rows: null } });
    expect(await db.get('SELECT count(*) AS n FROM reactions')).toEqual({ n: 0 });
  });

  test('REPLACE conflict resolution makes the table opaque (it deletes rows without telling update_hook)', async () => {
    await seed();
    await db.run(
      `INSERT OR REPLACE INTO messages (id, room, author, body, created_at) VALUES ('m1', 'r2', 'ann', 'moved', 1)`,
    );
    expect(lastWrites()).toEqual({ messages: { columns: 'all', rows: null } });
  });

  test('a migration is a schema change, which invalidates everything', async () => {
    commits = [];
    await db.exec('BEGIN; CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT); COMMIT;');
    expect(commits.at(-1)?.schemaChanged).toBe(true);
  });
});

describe('watched keys', () => {
  test('old and new key values of inserted, updated and deleted rows, deleted rows included', async () => {
    await seed();
    expect(await db.watchKeys('messages', 'room')).toBe(true);
    await db.run(`INSERT INTO messages (id, room, author, body, created_at) VALUES ('m4', 'r3', 'ann', 'a', 4)`);
    expect(lastWrites().messages?.keys).toEqual({ room: ['s:r3'] });
    await db.run(`UPDATE messages SET body = 'b' WHERE id = 'm1'`);
    expect(lastWrites().messages?.keys).toEqual({ room: ['s:r1'] });
    await db.run(`UPDATE messages SET room = 'r2' WHERE id = 'm2'`);
    expect(lastWrites().messages?.keys).toEqual({ room: ['s:r1', 's:r2'] });
    await db.run(`DELETE FROM messages WHERE author = 'ann'`);
    expect(lastWrites().messages).toEqual({ columns: 'all', rows: 3, keys: { room: ['s:r1', 's:r2', 's:r3'] } });
  });

  test('a watched table reports an empty key set when its changed rows have none; other tables report none', async () => {
    await seed();
    await db.watchKeys('messages', 'room');
    await db.run(`UPDATE rooms SET name = 'x' WHERE id = 'r1'`);
    expect(lastWrites()).toEqual({ rooms: { columns: ['name'], rows: 1 } });
  });

  test('keys of a rolled back transaction are forgotten', async () => {
    await seed();
    await db.watchKeys('messages', 'room');
    await db.transaction(async () => db.run(`UPDATE messages SET body = 'x' WHERE id = 'm1'`)).catch(() => {});
    await expect(
      db.transaction(async () => {
        await db.run(`UPDATE messages SET body = 'y' WHERE id = 'm3'`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow();
    await db.run(`UPDATE messages SET body = 'z' WHERE id = 'm2'`);
    expect(lastWrites().messages?.keys).toEqual({ room: ['s:r1'] });
  });

  test('watches survive a migration that rebuilds their table', async () => {
    await seed();
    await db.watchKeys('reactions', 'message');
    await db.exec(`BEGIN; DROP TABLE reactions;
                   CREATE TABLE reactions (message TEXT NOT NULL, user TEXT NOT NULL, emoji TEXT NOT NULL,
                                           event_id TEXT NOT NULL, PRIMARY KEY (message, user, emoji)); COMMIT;`);
    await db.run(`INSERT INTO reactions (message, user, emoji, event_id) VALUES ('m2', 'ann', '👀', 'e3')`);
    expect(lastWrites().reactions?.keys).toEqual({ message: ['s:m2'] });
  });
});
