/**
 * One wa-sqlite connection, made pleasant and safe to share:
 * - every call is serialized, because the asynchronous (Asyncify/JSPI) builds cannot interleave two statements;
 * - prepared statements are cached by SQL text, and each remembers what it reads and writes (its AccessSet,
 *   recorded by the authorizer while it was prepared), which is what the reactive query engine builds on;
 * - row changes of a transaction (update_hook) are collected and handed out when it commits, with the key values
 *   of changed rows for the columns someone watches (`watchKeys`).
 */
import * as SQLite from '@journeyapps/wa-sqlite';
import { emptyAccessSet, recordAccess, type AccessSet } from './access';
import { keyOfValue } from './keys';

export type SqlValue = number | string | bigint | Uint8Array | null;
export type Params = readonly SqlValue[] | Record<string, SqlValue>;
export type Row = Record<string, SqlValue>;

/** The row changes of one committed transaction. */
export interface CommitChanges {
  /** Increases by one with every commit this connection announces. */
  seq: number;
  /** table → rowids inserted, updated or deleted. */
  rows: Map<string, Set<bigint>>;
  /** table → rowids inserted. */
  inserted: Map<string, Set<bigint>>;
  /** table → rowids deleted. */
  deleted: Map<string, Set<bigint>>;
  /**
   * table → rowids updated, by the access set of the statement that updated them (its `updates` name the columns
   * that may have changed; null when the statement is not known, e.g. in an exec() script: any column).
   */
  updated: Map<string, Map<AccessSet | null, Set<bigint>>>;
  /** Access sets of the write statements that ran, for column-level invalidation. */
  writes: AccessSet[];
  /** An unqualified DELETE may truncate a table without reporting its rows: the table is named here instead. */
  truncated: Set<string>;
  /**
   * Tables changed in ways `rows` cannot list: a truncate, rows deleted by REPLACE conflict resolution, WITHOUT
   * ROWID or virtual tables, scripts run with exec(). Anything reading them must assume any row changed.
   */
  opaque: Set<string>;
  /**
   * For every watched (table, column): the keys (see keyOfValue) of that column in the rows that changed, old and
   * new values both. A watched pair has an entry even when no row changed; a pair without an entry is unknown.
   */
  keys: Map<string, Map<string, Set<string>>>;
  /**
   * The same keys per row, for the rows updated or deleted (not for rows only inserted): table → column → rowid →
   * keys (old and new values).
   */
  rowKeys: Map<string, Map<string, Map<bigint, Set<string>>>>;
  schemaChanged: boolean;
}

export interface Prepared {
  stmt: number;
  columns: string[];
  /** Number of parameters (sqlite3_bind_parameter_count). */
  paramCount: number;
  access: AccessSet;
  /** The statement writes rows (INSERT, UPDATE or DELETE, its triggers included). */
  writes: boolean;
  /** An unqualified DELETE, which SQLite may run as a truncate that update_hook does not see. */
  truncates: boolean;
  /** Tables this statement may change without update_hook seeing every row (see CommitChanges.opaque). */
  opaqueWrites: string[];
}

/** A (table, column) whose changed key values are reported with each commit, through TEMP triggers. */
interface Watch {
  id: number;
  table: string;
  column: string;
  refs: number;
  installed: boolean;
  /** Keys of the transaction under way. */
  pending: Set<string>;
  /** Keys of the transaction under way per updated or deleted row. */
  pendingRows: Map<bigint, Set<string>>;
}

const TRUNCATE_RE = /^\s*delete\s+from\s+["`[]?\w+["`\]]?\s*;?\s*$/i;
const REPLACE_RE = /\breplace\b/i;
/** The SQL function the watch triggers call; it hands key values straight to JavaScript. */
const KEY_FUNCTION = 'roomy_changed_key';
/** Prepared statements kept; re-preparing an evicted one costs a little time, never correctness. */
const MAX_CACHED_STATEMENTS = 500;
/** Unused watches are dropped after this long, so that switching rooms does not drop and re-create triggers. */
const WATCH_LINGER_MS = 5_000;

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

let nextSeq = 1;

export class Database {
  private readonly cache = new Map<string, Prepared>();
  /** Set while a statement is being prepared: the authorizer records into it. */
  private recording: AccessSet | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingRows = new Map<string, Set<bigint>>();
  private pendingInserted = new Map<string, Set<bigint>>();
  private pendingDeleted = new Map<string, Set<bigint>>();
  private pendingUpdated = new Map<string, Map<AccessSet | null, Set<bigint>>>();
  /** The statement being stepped: row updates are recorded against its access set. */
  private stepping: AccessSet | null = null;
  private pendingWrites = new Set<AccessSet>();
  private pendingTruncated = new Set<string>();
  private pendingOpaque = new Set<string>();
  private pendingSchema = false;
  private commitListeners = new Set<(changes: CommitChanges) => void>();
  private readonly watches = new Map<string, Watch>();
  private readonly watchById: (Watch | undefined)[] = [];
  private lingering: ReturnType<typeof setTimeout> | null = null;
  /** Tables update_hook cannot follow row by row (WITHOUT ROWID, virtual), or that resolve conflicts by REPLACE. */
  private opaqueTables: Promise<Set<string>> | null = null;
  private closed = false;
  /**
   * The exception behind the VFS's last I/O error since the last commit that went through (an SQLite error code
   * says only "I/O error"): set by openBrowserDatabase for the VFSs that keep it.
   */
  vfsError: () => unknown = () => null;
  /** Releases what the VFS holds beyond the file (its own IndexedDB connection): set by openBrowserDatabase. */
  releaseVfs: () => void = () => {};

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
    sqlite3.update_hook(handle, (op, dbName, table, rowid) => {
      if (!table || dbName === 'temp') return;
      let set = this.pendingRows.get(table);
      if (!set) this.pendingRows.set(table, (set = new Set()));
      set.add(rowid);
      if (op === SQLite.SQLITE_INSERT) {
        let inserted = this.pendingInserted.get(table);
        if (!inserted) this.pendingInserted.set(table, (inserted = new Set()));
        inserted.add(rowid);
      } else if (op === SQLite.SQLITE_DELETE) {
        let deleted = this.pendingDeleted.get(table);
        if (!deleted) this.pendingDeleted.set(table, (deleted = new Set()));
        deleted.add(rowid);
      } else {
        let byStatement = this.pendingUpdated.get(table);
        if (!byStatement) this.pendingUpdated.set(table, (byStatement = new Map()));
        let updated = byStatement.get(this.stepping);
        if (!updated) byStatement.set(this.stepping, (updated = new Set()));
        updated.add(rowid);
      }
    });
    // roomy_changed_key(watch, rowid, value, …): called by the watch triggers for every deleted or updated row.
    sqlite3.create_function(
      handle,
      KEY_FUNCTION,
      -1,
      SQLite.SQLITE_UTF8,
      0,
      (context, values) => {
        const watch = this.watchById[sqlite3.value(values[0]!) as number];
        if (watch) {
          const rowid = sqlite3.value(values[1]!);
          let row: Set<string> | undefined;
          if (rowid !== null) {
            const id = BigInt(rowid as number | bigint);
            row = watch.pendingRows.get(id);
            if (!row) watch.pendingRows.set(id, (row = new Set()));
          }
          for (let i = 2; i < values.length; i++) {
            const key = keyOfValue(sqlite3.value(values[i]!));
            watch.pending.add(key);
            row?.add(key);
          }
        }
        sqlite3.result_null(context);
      },
      undefined,
      undefined,
    );
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
    const writes = access.rowWrites.size > 0 || access.updates.size > 0;
    let opaqueWrites: string[] = [];
    if (writes) {
      const written = [...new Set([...access.rowWrites, ...access.updates.keys()])];
      const opaque = await this.readOpaqueTables();
      // REPLACE conflict resolution deletes rows silently (no update_hook, no delete trigger).
      opaqueWrites = REPLACE_RE.test(sql) ? written : written.filter((table) => opaque.has(table));
    }
    const prepared: Prepared = {
      stmt,
      columns: this.sqlite3.column_names(stmt),
      paramCount: this.sqlite3.bind_parameter_count(stmt),
      access,
      writes,
      truncates: TRUNCATE_RE.test(sql),
      opaqueWrites,
    };
    this.cache.set(sql, prepared);
    // SQL texts are unbounded (IN lists of any length, derived statements of live queries): forget the oldest.
    if (this.cache.size > MAX_CACHED_STATEMENTS) {
      const [oldest, { stmt: old }] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      await this.sqlite3.finalize(old);
    }
    return prepared;
  }

  /** What a statement would read and write, without running it. */
  async accessOf(sql: string): Promise<AccessSet> {
    return (await this.prepare(sql)).access;
  }

  private readOpaqueTables(): Promise<Set<string>> {
    this.opaqueTables ??= this.values(
      `SELECT name FROM sqlite_schema WHERE type = 'table'
         AND (sql LIKE '%without%rowid%' OR sql LIKE '%replace%' OR sql LIKE 'create virtual%')`,
    ).then((rows) => new Set(rows.map((row) => row[0] as string)));
    return this.opaqueTables;
  }

  private async step(prepared: Prepared, params: Params | undefined, onRow?: (row: SqlValue[]) => void) {
    const { stmt } = prepared;
    this.stepping = prepared.access;
    try {
      if (params !== undefined) this.sqlite3.bind_collection(stmt, params as never);
      while ((await this.sqlite3.step(stmt)) === SQLite.SQLITE_ROW) onRow?.(this.sqlite3.row(stmt) as SqlValue[]);
    } finally {
      this.stepping = null;
      await this.sqlite3.reset(stmt);
    }
    if (prepared.writes) {
      this.pendingWrites.add(prepared.access);
      if (prepared.opaqueWrites.length && this.sqlite3.changes(this.handle) > 0) {
        for (const table of prepared.opaqueWrites) this.pendingOpaque.add(table);
      }
    }
    if (prepared.access.schema) this.pendingSchema = true;
  }

  /** After a statement outside BEGIN…COMMIT, or after COMMIT itself, its changes are durable: announce them. */
  private async afterStatement() {
    if (!this.sqlite3.get_autocommit(this.handle)) return;
    await this.readInsertedKeys();
    this.flushChanges();
  }

  /**
   * The watched key values of the rows inserted by the commit, read back by rowid, once per table per commit: much
   * cheaper than an AFTER INSERT trigger calling into JavaScript for every row. Nothing can run in between (the
   * caller holds `exclusive`), and rows deleted or updated since were reported by their triggers, old values and all.
   */
  private async readInsertedKeys() {
    if (!this.watches.size || !this.pendingInserted.size) return;
    for (const [table, rowids] of this.pendingInserted) {
      const watches = [...this.watches.values()].filter((w) => w.installed && w.table === table);
      if (!watches.length) continue;
      const columns = watches.map((w) => `${quote(w.column)}`).join(', ');
      const ids: (number | string)[] = [];
      for (const rowid of rowids) ids.push(Number.isSafeInteger(Number(rowid)) ? Number(rowid) : String(rowid));
      const prepared = await this.prepare(
        `SELECT ${columns} FROM main.${quote(table)} WHERE rowid IN (SELECT value FROM json_each(?))`,
      );
      await this.step(prepared, [JSON.stringify(ids)], (row) => {
        for (let i = 0; i < watches.length; i++) watches[i]!.pending.add(keyOfValue(row[i] ?? null));
      });
    }
  }

  /** Runs a write statement; returns the number of rows it changed. */
  async run(sql: string, params?: Params): Promise<number> {
    const prepared = await this.prepare(sql);
    await this.step(prepared, params);
    const changes = this.sqlite3.changes(this.handle);
    if (changes > 0 && prepared.truncates) {
      // The truncate optimisation deletes every row without calling update_hook: name the table instead.
      for (const table of prepared.access.rowWrites) {
        this.pendingTruncated.add(table);
        this.pendingOpaque.add(table);
      }
    }
    await this.afterStatement();
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
    await this.afterStatement();
    return rows;
  }

  /** Runs a query and returns its rows as arrays of values (cheaper than objects for hot paths). */
  async values(sql: string, params?: Params): Promise<SqlValue[][]> {
    const prepared = await this.prepare(sql);
    const rows: SqlValue[][] = [];
    await this.step(prepared, params, (values) => rows.push(values));
    await this.afterStatement();
    return rows;
  }

  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  /**
   * Runs a script of statements without parameters (migrations, PRAGMAs); not cached. Its row changes are
   * reported, but its tables count as opaque: a script may truncate them.
   */
  async exec(sql: string): Promise<void> {
    const access = emptyAccessSet();
    this.recording = access;
    try {
      await this.sqlite3.exec(this.handle, sql);
    } finally {
      this.recording = null;
    }
    if (access.rowWrites.size || access.updates.size) this.pendingWrites.add(access);
    for (const table of access.rowWrites) this.pendingOpaque.add(table);
    if (access.schema) {
      this.pendingSchema = true;
      await this.clearCache();
      this.opaqueTables = null;
    }
    await this.afterStatement();
    if (access.schema && this.sqlite3.get_autocommit(this.handle)) await this.reinstallWatches();
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
   * the error is rethrown for the caller to record. (The rows it had reported stay in the commit's changes: a
   * superset is safe for invalidation.)
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
    this.forgetPending();
    if (!this.sqlite3.get_autocommit(this.handle)) await this.run('ROLLBACK');
  }

  private forgetPending() {
    this.pendingRows = new Map();
    this.pendingInserted = new Map();
    this.pendingDeleted = new Map();
    this.pendingUpdated = new Map();
    this.pendingWrites = new Set();
    this.pendingTruncated = new Set();
    this.pendingOpaque = new Set();
    this.pendingSchema = false;
    for (const watch of this.watches.values()) {
      if (watch.pending.size) watch.pending = new Set();
      if (watch.pendingRows.size) watch.pendingRows = new Map();
    }
  }

  private flushChanges() {
    if (!this.pendingRows.size && !this.pendingOpaque.size && !this.pendingSchema) {
      if (this.pendingWrites.size) this.pendingWrites = new Set();
      return;
    }
    const keys = new Map<string, Map<string, Set<string>>>();
    const rowKeys = new Map<string, Map<string, Map<bigint, Set<string>>>>();
    for (const watch of this.watches.values()) {
      if (!watch.installed) continue;
      let columns = keys.get(watch.table);
      if (!columns) keys.set(watch.table, (columns = new Map()));
      columns.set(watch.column, watch.pending);
      watch.pending = new Set();
      let rowColumns = rowKeys.get(watch.table);
      if (!rowColumns) rowKeys.set(watch.table, (rowColumns = new Map()));
      rowColumns.set(watch.column, watch.pendingRows);
      watch.pendingRows = new Map();
    }
    const changes: CommitChanges = {
      seq: nextSeq++,
      rows: this.pendingRows,
      inserted: this.pendingInserted,
      deleted: this.pendingDeleted,
      updated: this.pendingUpdated,
      writes: [...this.pendingWrites],
      truncated: this.pendingTruncated,
      opaque: this.pendingOpaque,
      keys,
      rowKeys,
      schemaChanged: this.pendingSchema,
    };
    this.forgetPending();
    for (const listener of this.commitListeners) listener(changes);
  }

  /**
   * Starts reporting the key values of `column` in changed rows of `table` with every commit (CommitChanges.keys),
   * through TEMP triggers that call a JavaScript function. Reference-counted; call `unwatchKeys` when done. Must
   * be called outside a transaction (with `exclusive` held), so that every commit is reported in full or not at all.
   * Returns false if the triggers could not be created (no such table or column).
   */
  async watchKeys(table: string, column: string): Promise<boolean> {
    const name = `${table}\0${column}`;
    let watch = this.watches.get(name);
    if (!watch) {
      watch = {
        id: this.watchById.length,
        table,
        column,
        refs: 0,
        installed: false,
        pending: new Set(),
        pendingRows: new Map(),
      };
      this.watches.set(name, watch);
      this.watchById.push(watch);
    }
    watch.refs++;
    if (!watch.installed) await this.install(watch);
    return watch.installed;
  }

  /** Releases one watchKeys reference; the triggers go once nobody has needed them for a while. */
  unwatchKeys(table: string, column: string) {
    const watch = this.watches.get(`${table}\0${column}`);
    if (!watch || watch.refs === 0) return;
    watch.refs--;
    if (watch.refs === 0 && !this.lingering) {
      this.lingering = setTimeout(() => {
        this.lingering = null;
        void this.exclusive(() => this.dropIdleWatches()).catch(() => {});
      }, WATCH_LINGER_MS);
      (this.lingering as { unref?: () => void }).unref?.();
    }
  }

  private async install(watch: Watch) {
    if (!this.sqlite3.get_autocommit(this.handle)) throw new Error('watchKeys cannot start inside a transaction');
    const t = quote(watch.table);
    const c = quote(watch.column);
    const trigger = (suffix: string) => quote(`roomy_watch_${watch.id}_${suffix}`);
    const call = (rowid: string, ...values: string[]) => `${KEY_FUNCTION}(${watch.id}, ${rowid}, ${values.join(', ')})`;
    try {
      // Deleted and updated rows report their old (and new) key with their rowid (an update under its old and,
      // should it change, its new rowid). Inserted rows are read back at commit (readInsertedKeys).
      await this.sqlite3.exec(
        this.handle,
        `CREATE TEMP TRIGGER IF NOT EXISTS ${trigger('d')} AFTER DELETE ON main.${t}
           BEGIN SELECT ${call('old.rowid', `old.${c}`)}; END;
         CREATE TEMP TRIGGER IF NOT EXISTS ${trigger('u')} AFTER UPDATE ON main.${t}
           BEGIN
             SELECT ${call('old.rowid', `old.${c}`, `new.${c}`)};
             SELECT ${call('new.rowid', `old.${c}`, `new.${c}`)} WHERE new.rowid IS NOT old.rowid;
           END;`,
      );
      watch.installed = true;
    } catch {
      await this.dropTriggers(watch);
    }
    watch.pending = new Set();
    watch.pendingRows = new Map();
  }

  private async dropTriggers(watch: Watch) {
    watch.installed = false;
    for (const suffix of ['d', 'u']) {
      await this.sqlite3
        .exec(this.handle, `DROP TRIGGER IF EXISTS temp.${quote(`roomy_watch_${watch.id}_${suffix}`)}`)
        .catch(() => {});
    }
  }

  private async dropIdleWatches() {
    if (this.closed || !this.sqlite3.get_autocommit(this.handle)) return;
    for (const [name, watch] of this.watches) {
      if (watch.refs > 0) continue;
      await this.dropTriggers(watch);
      this.watches.delete(name);
      this.watchById[watch.id] = undefined;
    }
  }

  /** A schema change may have dropped watched tables (and their triggers with them): put the triggers back. */
  private async reinstallWatches() {
    for (const watch of this.watches.values()) {
      if (watch.refs > 0) await this.install(watch);
    }
  }

  private async clearCache() {
    for (const { stmt } of this.cache.values()) await this.sqlite3.finalize(stmt);
    this.cache.clear();
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    if (this.lingering) clearTimeout(this.lingering);
    await this.clearCache();
    await this.sqlite3.close(this.handle);
    this.releaseVfs();
  }
}
