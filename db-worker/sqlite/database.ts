/**
 * One wa-sqlite connection, made pleasant and safe to share:
 * - every call is serialized, because the asynchronous (Asyncify/JSPI) builds cannot interleave two statements;
 * - prepared statements are cached by SQL text, and each remembers what it reads and writes (its AccessSet,
 *   recorded by the authorizer while it was prepared), which is what the reactive query engine builds on;
 * - row changes of a transaction (update_hook) are collected and handed out when it commits.
 */
import * as SQLite from '@journeyapps/wa-sqlite';
import { emptyAccessSet, recordAccess, type AccessSet } from './access';

export type SqlValue = number | string | bigint | Uint8Array | null;
export type Params = readonly SqlValue[] | Record<string, SqlValue>;
export type Row = Record<string, SqlValue>;

/** The row changes of one committed transaction. */
export interface CommitChanges {
  /** table → rowids inserted, updated or deleted. */
  rows: Map<string, Set<bigint>>;
  /** Access sets of the write statements that ran, for column-level invalidation. */
  writes: AccessSet[];
  /** An unqualified DELETE may truncate a table without reporting its rows: the table is named here instead. */
  truncated: Set<string>;
  schemaChanged: boolean;
}

interface Prepared {
  stmt: number;
  columns: string[];
  access: AccessSet;
  /** An unqualified DELETE, which SQLite may run as a truncate that update_hook does not see. */
  truncates: boolean;
}

const TRUNCATE_RE = /^\s*delete\s+from\s+["`[]?\w+["`\]]?\s*;?\s*$/i;

const emptyChanges = (): CommitChanges => ({
  rows: new Map(),
  writes: [],
  truncated: new Set(),
  schemaChanged: false,
});

export class Database {
  private readonly cache = new Map<string, Prepared>();
  /** Set while a statement is being prepared: the authorizer records into it. */
  private recording: AccessSet | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = emptyChanges();
  private commitListeners = new Set<(changes: CommitChanges) => void>();
  private closed = false;

  constructor(
    readonly sqlite3: SQLiteAPI,
    readonly handle: number,
    readonly description: { vfs: string; build: string; name: string },
  ) {
    sqlite3.set_authorizer(
      handle,
      (_user, action, p3, p4) => {
        if (this.recording) recordAccess(this.recording, action, p3, p4);
        return SQLite.SQLITE_OK;
      },
      null,
    );
    sqlite3.update_hook(handle, (_op, _db, table, rowid) => {
      if (!table) return;
      let set = this.pending.rows.get(table);
      if (!set) this.pending.rows.set(table, (set = new Set()));
      set.add(rowid);
    });
  }

  /** Runs `fn` with the connection to itself; calls queue in order. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Called after every commit that changed something, with what it changed. */
  onCommit(listener: (changes: CommitChanges) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  /** Prepares (or takes from the cache) one statement and returns what it reads and writes. */
  async prepare(sql: string): Promise<Prepared> {
    const cached = this.cache.get(sql);
    if (cached) return cached;
    const access = emptyAccessSet();
    this.recording = access;
    let stmt = 0;
    try {
      for await (const s of this.sqlite3.statements(this.handle, sql, { unscoped: true })) {
        if (stmt) {
          await this.sqlite3.finalize(s);
          throw new Error('Database.prepare takes one statement; use exec() for scripts');
        }
        stmt = s;
      }
    } finally {
      this.recording = null;
    }
    if (!stmt) throw new Error(`no statement in SQL: ${sql.slice(0, 80)}`);
    const prepared = { stmt, columns: this.sqlite3.column_names(stmt), access, truncates: TRUNCATE_RE.test(sql) };
    this.cache.set(sql, prepared);
    return prepared;
  }

  /** What a statement would read and write, without running it. */
  async accessOf(sql: string): Promise<AccessSet> {
    return (await this.prepare(sql)).access;
  }

  private async step(prepared: Prepared, params: Params | undefined, onRow?: (row: SqlValue[]) => void) {
    const { stmt } = prepared;
    try {
      if (params !== undefined) this.sqlite3.bind_collection(stmt, params as never);
      while ((await this.sqlite3.step(stmt)) === SQLite.SQLITE_ROW) onRow?.(this.sqlite3.row(stmt) as SqlValue[]);
    } finally {
      await this.sqlite3.reset(stmt);
    }
    const access = prepared.access;
    if (access.rowWrites.size || access.updates.size) this.pending.writes.push(access);
    if (access.schema) this.pending.schemaChanged = true;
  }

  /** After a statement outside BEGIN…COMMIT, or after COMMIT itself, its changes are durable: announce them. */
  private afterStatement() {
    if (this.sqlite3.get_autocommit(this.handle)) this.flushChanges();
  }

  /** Runs a write statement; returns the number of rows it changed. */
  async run(sql: string, params?: Params): Promise<number> {
    const prepared = await this.prepare(sql);
    await this.step(prepared, params);
    const changes = this.sqlite3.changes(this.handle);
    if (changes > 0 && prepared.truncates) {
      // The truncate optimisation deletes every row without calling update_hook: name the table instead.
      for (const table of prepared.access.rowWrites) this.pending.truncated.add(table);
    }
    this.afterStatement();
    return changes;
  }

  /** Runs a query and returns its rows as objects keyed by column name. */
  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const prepared = await this.prepare(sql);
    const { columns } = prepared;
    const rows: T[] = [];
    await this.step(prepared, params, (values) => {
      const row: Record<string, SqlValue> = {};
      for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i] ?? null;
      rows.push(row as T);
    });
    return rows;
  }

  /** Runs a query and returns its rows as arrays of values (cheaper than objects for hot paths). */
  async values(sql: string, params?: Params): Promise<SqlValue[][]> {
    const prepared = await this.prepare(sql);
    const rows: SqlValue[][] = [];
    await this.step(prepared, params, (values) => rows.push(values));
    return rows;
  }

  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /** Runs a script of statements without parameters (migrations, PRAGMAs); not cached. */
  async exec(sql: string): Promise<void> {
    const access = emptyAccessSet();
    this.recording = access;
    try {
      await this.sqlite3.exec(this.handle, sql);
    } finally {
      this.recording = null;
    }
    if (access.schema) this.pending.schemaChanged = true;
    if (access.rowWrites.size || access.updates.size) this.pending.writes.push(access);
    if (access.schema) await this.clearCache();
    this.afterStatement();
  }

  /**
   * Runs `fn` in one transaction: COMMIT if it resolves, ROLLBACK if it throws. Change listeners hear of the
   * commit once it is durable. Callers must already hold `exclusive`.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.run('BEGIN');
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      await this.rollback();
      throw error;
    }
    try {
      await this.run('COMMIT');
    } catch (error) {
      await this.rollback();
      throw error;
    }
    return result;
  }

  /**
   * Runs `fn` inside a savepoint of the current transaction. If it throws, only its own changes are undone and
   * the error is rethrown for the caller to record.
   */
  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    await this.run('SAVEPOINT event');
    try {
      const result = await fn();
      await this.run('RELEASE event');
      return result;
    } catch (error) {
      await this.run('ROLLBACK TO event');
      await this.run('RELEASE event');
      throw error;
    }
  }

  private async rollback() {
    // Forget the changes first: ROLLBACK returns to autocommit, which would otherwise announce them.
    this.pending = emptyChanges();
    if (!this.sqlite3.get_autocommit(this.handle)) await this.run('ROLLBACK');
  }

  private flushChanges() {
    const changes = this.pending;
    this.pending = emptyChanges();
    if (!changes.rows.size && !changes.truncated.size && !changes.schemaChanged) return;
    for (const listener of this.commitListeners) listener(changes);
  }

  private async clearCache() {
    for (const { stmt } of this.cache.values()) await this.sqlite3.finalize(stmt);
    this.cache.clear();
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.clearCache();
    await this.sqlite3.close(this.handle);
  }
}
