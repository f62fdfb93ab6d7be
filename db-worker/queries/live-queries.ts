/**
 * Live queries: SQL subscriptions whose results follow the data.
 *
 * When a subscription starts, its statement is prepared under the authorizer, which records every (table, column)
 * it reads; a small parser adds key pins (`WHERE room = ?`: only rows of that room matter) and recognises the
 * shapes that can be maintained without re-running (shapes/). After each commit, the subscription index finds the
 * subscriptions whose read set meets the commit's write set (column- and key-level), without visiting the others.
 * Each one woken is brought up to date once per commit (no timer): incrementally from the changed rows where its
 * shape allows, else by running it again; what reaches its tab is a keyed diff, one message per tab per refresh.
 */
import type { HostEvents, QuerySpec, SubscriptionInfo } from '../../protocol/messages';
import { ProtocolError } from '../../protocol/messages';
import { diffRows, isEmptyPatch, type Key, type ResultRow } from '../../protocol/patch';
import type { AccessSet } from '../sqlite/access';
import type { CommitChanges, Database, Params } from '../sqlite/database';
import { bindPin, findPinTemplates, type Pin, type PinTemplate } from './pins';
import { readSchemaInfo, type SchemaInfo } from './schema-info';
import { GroupMaintainer, recogniseGroupAggregate, type GroupPlan } from './shapes/group-aggregate';
import { NotSupported, type Maintainer } from './shapes/shape';
import { TopNMaintainer, recogniseTopN, type TopNPlan } from './shapes/top-n';
import { parseSelectStatement, type ParsedStatement } from './sql/select';
import { SubscriptionIndex, isRelevant, type Dependencies } from './subscription-index';
import { mergeTableChange, relevantTo, tableChanges, type RelevantChange, type TableChange } from './write-set';

/** Where a subscription's updates go: one tab's connection. */
export interface Subscriber {
  readonly id: number;
  send<N extends keyof HostEvents>(name: N, data: HostEvents[N]): void;
}

/** What is known about one SQL text, whatever its parameters; cached until the schema changes. */
interface Analysis {
  access: AccessSet;
  columns: string[];
  pins: Map<string, { template: PinTemplate; affinity: 'text' | 'integer' }>;
  shape: TopNPlan | GroupPlan | null;
  /** Why no shape (or no pins), for the devtools. */
  note: string | null;
}

interface Subscription {
  subscriber: Subscriber;
  id: string;
  spec: Required<QuerySpec>;
  deps: Dependencies;
  /** (table, column) pairs this subscription asked the database to watch. */
  watches: { table: string; column: string }[];
  maintainer: Maintainer | null;
  shape: string | null;
  note: string | null;
  rows: ResultRow[];
  keyOf: (row: ResultRow) => Key;
  /** Relevant changes since the last refresh, per table. */
  pending: Map<string, TableChange> | null;
  /** The schema changed: analyse and run again. */
  stale: boolean;
  /** Unsubscribed but kept (while nothing changes it) as a donor for a window that grows or shrinks. */
  retired: boolean;
  runs: number;
  incremental: number;
  wakeups: number;
  patches: number;
  lastCostMs: number;
}

/** Analyses kept, by SQL text. */
const MAX_ANALYSES = 256;
/** Retired "latest N" subscriptions kept as donors: a scrolling tab replaces its window query with a larger one. */
const MAX_RETIRED = 8;

export class LiveQueries {
  private readonly subs = new Map<string, Subscription>();
  private readonly index = new SubscriptionIndex<Subscription>();
  private readonly dirty = new Set<Subscription>();
  private readonly retired: Subscription[] = [];
  private readonly analyses = new Map<string, Promise<Analysis>>();
  private schema: Promise<SchemaInfo> | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly db: Database) {
    db.onCommit((changes) => this.invalidate(changes));
  }

  get size() {
    return this.subs.size;
  }

  /** Runs a one-off read-only query. */
  async query(spec: QuerySpec): Promise<ResultRow[]> {
    return this.db.exclusive(async () => {
      assertReadOnly((await this.db.prepare(spec.sql)).access);
      return this.db.all<ResultRow>(spec.sql, (spec.params ?? []) as Params);
    });
  }

  async subscribe(subscriber: Subscriber, id: string, spec: QuerySpec): Promise<ResultRow[]> {
    const full: Required<QuerySpec> = { sql: spec.sql, params: spec.params ?? [], key: spec.key ?? 'id' };
    const keyColumn = full.key;
    const sub: Subscription = {
      subscriber,
      id,
      spec: full,
      deps: { reads: new Map(), pins: new Map() },
      watches: [],
      maintainer: null,
      shape: null,
      note: null,
      rows: [],
      keyOf: (row) => {
        const key = row[keyColumn];
        if (typeof key !== 'string' && typeof key !== 'number') {
          throw new ProtocolError('SQL_ERROR', `live query rows need a string or number "${keyColumn}" column`);
        }
        return key;
      },
      pending: null,
      stale: false,
      retired: false,
      runs: 0,
      incremental: 0,
      wakeups: 0,
      patches: 0,
      lastCostMs: 0,
    };
    return this.db.exclusive(async () => {
      this.unsubscribe(subscriber, id);
      const started = performance.now();
      try {
        sub.rows = await this.activate(sub);
        sub.rows.forEach(sub.keyOf); // fail now, not at the first change, if the key column is missing
      } catch (error) {
        this.deactivate(sub);
        throw error;
      }
      sub.lastCostMs = performance.now() - started;
      this.subs.set(keyFor(subscriber, id), sub);
      this.index.add(sub);
      return sub.rows;
    });
  }

  unsubscribe(subscriber: Subscriber, id: string) {
    const key = keyFor(subscriber, id);
    const sub = this.subs.get(key);
    if (!sub) return;
    this.subs.delete(key);
    if (sub.maintainer instanceof TopNMaintainer && !this.dirty.has(sub) && !sub.pending && !sub.stale) {
      this.retire(sub);
      return;
    }
    this.drop(sub);
  }

  /** Drops every subscription of a tab that went away. */
  dropSubscriber(subscriber: Subscriber) {
    for (const [key, sub] of this.subs) {
      if (sub.subscriber !== subscriber) continue;
      this.subs.delete(key);
      this.drop(sub);
    }
    for (const sub of this.retired.filter((s) => s.subscriber === subscriber)) this.drop(sub);
  }

  describe(): SubscriptionInfo[] {
    return [...this.subs.values()].map((sub) => ({
      id: keyFor(sub.subscriber, sub.id),
      sql: sub.spec.sql,
      params: sub.spec.params,
      reads: Object.fromEntries([...sub.deps.reads].map(([table, columns]) => [table, [...columns]])),
      pins: Object.fromEntries(
        [...sub.deps.pins].map(([table, pin]) => [table, { column: pin.column, values: pin.values }]),
      ),
      mode: sub.maintainer ? 'incremental' : 'rerun',
      shape: sub.shape,
      note: sub.note,
      runs: sub.runs,
      incremental: sub.incremental,
      wakeups: sub.wakeups,
      patches: sub.patches,
      lastCostMs: sub.lastCostMs,
      rows: sub.rows.length,
    }));
  }

  /** Resolves once every change committed so far has reached the subscribers. */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  // ---- analysis -------------------------------------------------------------------------------------------------

  private schemaInfo(): Promise<SchemaInfo> {
    this.schema ??= readSchemaInfo(this.db);
    return this.schema;
  }

  private analyse(sql: string): Promise<Analysis> {
    let analysis = this.analyses.get(sql);
    if (!analysis) {
      analysis = this.analyseNow(sql);
      this.analyses.set(sql, analysis);
      analysis.catch(() => this.analyses.delete(sql));
      // SQL texts are unbounded (IN lists of any length): forget the oldest analyses, they are cheap to redo.
      if (this.analyses.size > MAX_ANALYSES) this.analyses.delete(this.analyses.keys().next().value!);
    }
    return analysis;
  }

  private async analyseNow(sql: string): Promise<Analysis> {
    const prepared = await this.db.prepare(sql);
    assertReadOnly(prepared.access);
    const analysis: Analysis = {
      access: prepared.access,
      columns: prepared.columns,
      pins: new Map(),
      shape: null,
      note: null,
    };
    const schema = await this.schemaInfo();
    let parsed: ParsedStatement;
    try {
      parsed = parseSelectStatement(sql);
    } catch (error) {
      analysis.note = `not understood by the query parser (${error instanceof Error ? error.message : error})`;
      return analysis;
    }
    if (parsed.paramCount !== prepared.paramCount) {
      analysis.note = 'parameters are numbered differently than SQLite does';
      return analysis;
    }
    const tablesRead = new Set(
      [...prepared.access.reads.keys()].map((t) => t.toLowerCase()).filter((t) => schema.tables.has(t)),
    );
    const pins = findPinTemplates(parsed, schema, tablesRead);
    for (const [lower, template] of pins.pins) {
      const table = schema.tables.get(lower)!;
      const affinity = table.columns.get(template.column.toLowerCase())!.affinity as 'text' | 'integer';
      analysis.pins.set(table.name, { template, affinity });
    }
    const input = { parsed, schema, access: prepared.access, columns: prepared.columns };
    const topN = recogniseTopN(input);
    if (!('reason' in topN)) {
      analysis.shape = topN;
      return analysis;
    }
    const group = recogniseGroupAggregate(input);
    if (!('reason' in group)) {
      analysis.shape = group;
      return analysis;
    }
    analysis.note = `re-run: not "latest N" (${topN.reason}), not "grouped by a key" (${group.reason})`;
    return analysis;
  }

  /**
   * Works out a subscription's dependencies and shape, asks for the key watches it needs, and computes its first
   * result (from a donor's window when one has the same rows). The caller holds `exclusive`.
   */
  private async activate(sub: Subscription): Promise<ResultRow[]> {
    const analysis = await this.analyse(sub.spec.sql);
    const params = sub.spec.params;
    const pins = new Map<string, Pin>();
    for (const [table, { template, affinity }] of analysis.pins) {
      const pin = bindPin(template, affinity, params);
      if (pin) pins.set(table, pin);
    }
    sub.note = analysis.note;
    sub.shape = null;
    sub.maintainer = null;
    if (analysis.shape) {
      try {
        sub.maintainer =
          analysis.shape.kind === 'top-n'
            ? new TopNMaintainer(this.db, analysis.shape, params)
            : new GroupMaintainer(this.db, analysis.shape, params);
        sub.shape = analysis.shape.kind;
      } catch (error) {
        if (!(error instanceof NotSupported)) throw error;
        sub.note = `re-run: ${error.message}`;
      }
    }
    // Watches: pinned columns (so that changes elsewhere stay silent) and the columns a maintainer needs.
    const wanted = [
      ...[...pins].map(([table, pin]) => ({ table, column: pin.column })),
      ...(sub.maintainer?.keyColumns ?? []),
    ];
    for (const { table, column } of wanted) {
      if (sub.watches.some((w) => w.table === table && w.column === column)) continue;
      if (await this.db.watchKeys(table, column)) sub.watches.push({ table, column });
      else this.db.unwatchKeys(table, column);
    }
    sub.deps = { reads: analysis.access.reads, pins };
    const started = performance.now();
    const rows = await this.firstRows(sub);
    sub.lastCostMs = performance.now() - started;
    return rows;
  }

  private async firstRows(sub: Subscription): Promise<ResultRow[]> {
    const { maintainer } = sub;
    if (maintainer) {
      try {
        if (maintainer instanceof TopNMaintainer) {
          const donor = this.donorFor(maintainer);
          if (donor) {
            const rows = await maintainer.adopt(donor.maintainer as TopNMaintainer);
            if (donor.retired) this.drop(donor);
            sub.incremental++;
            return rows;
          }
        }
        sub.runs++;
        return await maintainer.init();
      } catch (error) {
        if (!(error instanceof NotSupported)) throw error;
        sub.maintainer = null;
        sub.note = `re-run: ${error.message}`;
      }
    }
    sub.runs++;
    return this.db.all<ResultRow>(sub.spec.sql, sub.spec.params as Params);
  }

  /** An up-to-date "latest N" subscription over the same rows (another N), to start a new window from. */
  private donorFor(maintainer: TopNMaintainer): Subscription | undefined {
    const candidates = [...this.retired, ...this.subs.values()];
    return candidates.find(
      (sub) =>
        sub.maintainer !== maintainer && // a window being re-run is no donor to itself
        sub.maintainer instanceof TopNMaintainer &&
        !this.dirty.has(sub) &&
        sub.pending === null && // not refreshed yet in the refresh under way
        !sub.stale &&
        maintainer.sameRowsAs(sub.maintainer),
    );
  }

  private retire(sub: Subscription) {
    sub.retired = true;
    this.retired.push(sub);
    while (this.retired.length > MAX_RETIRED) this.drop(this.retired[0]!);
  }

  /** Forgets a subscription for good: index, pending refresh, watches. */
  private drop(sub: Subscription) {
    const at = this.retired.indexOf(sub);
    if (at >= 0) this.retired.splice(at, 1);
    this.index.remove(sub);
    this.dirty.delete(sub);
    this.deactivate(sub);
  }

  private deactivate(sub: Subscription) {
    for (const { table, column } of sub.watches) this.db.unwatchKeys(table, column);
    sub.watches = [];
  }

  // ---- invalidation and refresh ----------------------------------------------------------------------------------

  /** Marks the subscriptions a commit may have changed, with the changes that concern them; schedules a refresh. */
  private invalidate(changes: CommitChanges) {
    if (changes.schemaChanged) {
      this.analyses.clear();
      this.schema = null;
      for (const sub of [...this.retired]) this.drop(sub);
      for (const sub of this.index.subscriptions()) {
        sub.stale = true;
        sub.wakeups++;
        this.dirty.add(sub);
      }
    } else {
      const woken = new Set<Subscription>();
      const byTable = tableChanges(changes);
      for (const change of byTable.values()) this.index.collect(change, woken);
      for (const sub of woken) {
        if (sub.retired) {
          this.drop(sub); // a donor is only useful while nothing has changed under it
          continue;
        }
        sub.wakeups++;
        const pending = sub.pending ?? new Map<string, TableChange>();
        for (const change of byTable.values()) {
          if (!isRelevant(sub.deps, change)) continue;
          const before = pending.get(change.table);
          pending.set(change.table, before ? mergeTableChange(before, change) : change);
        }
        sub.pending = pending;
        this.dirty.add(sub);
      }
    }
    if (this.dirty.size) this.scheduleRefresh();
  }

  private scheduleRefresh() {
    if (this.refreshing) return;
    this.refreshing = this.db
      .exclusive(() => this.refresh())
      .finally(() => {
        this.refreshing = null;
        if (this.dirty.size) this.scheduleRefresh();
      });
  }

  private async refresh() {
    const batch = [...this.dirty];
    this.dirty.clear();
    // One read transaction for the whole refresh. Outside one, every statement is a transaction of its own, and on
    // the IndexedDB VFSs each of those takes a Web Lock and a read-write IndexedDB transaction to check the file's
    // version: that, not the queries, was most of a refresh (bench/metrics/latency.ts). A subscription analysed
    // again after a schema change installs watch triggers, which must happen outside a transaction.
    const outgoing = new Map<Subscriber, HostEvents['patches']['items']>();
    if (batch.some((sub) => sub.stale)) await this.bringAllUpToDate(batch, outgoing);
    else {
      // Each subscription's errors are its own (query-error); a read-only transaction that fails to end still read
      // consistent rows, which are sent.
      await this.db
        .transaction(async () => {
          // BEGIN defers the read lock to the first read: take it here, so that its cost belongs to the refresh
          // (it is paid once, whatever is woken) and not to the first subscription, whose lastCostMs would say
          // its upkeep is dearer than it is.
          await this.db.values('PRAGMA schema_version');
          await this.bringAllUpToDate(batch, outgoing);
        })
        .catch((error: unknown) => console.warn('live queries: the refresh transaction failed to end', error));
    }
    for (const [subscriber, items] of outgoing) subscriber.send('patches', { items });
  }

  private async bringAllUpToDate(batch: Subscription[], outgoing: Map<Subscriber, HostEvents['patches']['items']>) {
    for (const sub of batch) {
      if (this.subs.get(keyFor(sub.subscriber, sub.id)) !== sub) continue;
      const pending = sub.pending;
      sub.pending = null;
      const started = performance.now();
      let rows: ResultRow[];
      try {
        rows = await this.bringUpToDate(sub, pending);
        const patch = diffRows(sub.rows, rows, sub.keyOf);
        sub.rows = rows;
        sub.lastCostMs = performance.now() - started;
        if (isEmptyPatch(patch)) continue;
        sub.patches++;
        const items = outgoing.get(sub.subscriber) ?? [];
        items.push({ id: sub.id, patch });
        outgoing.set(sub.subscriber, items);
      } catch (error) {
        sub.subscriber.send('query-error', {
          id: sub.id,
          error: { code: 'SQL_ERROR', message: error instanceof Error ? error.message : String(error) },
        });
      }
    }
  }

  /** The subscription's new rows: maintained from the changes when it can, else computed again. */
  private async bringUpToDate(sub: Subscription, pending: Map<string, TableChange> | null): Promise<ResultRow[]> {
    if (sub.stale) {
      this.index.remove(sub);
      this.deactivate(sub);
      try {
        const rows = await this.activate(sub);
        sub.stale = false;
        return rows;
      } finally {
        // Indexed again either way: after a failure (its table gone), it tries again at the next change.
        this.index.add(sub);
      }
    }
    if (sub.maintainer && pending) {
      const seen = new Map<string, RelevantChange>();
      for (const [table, change] of pending) seen.set(table, relevantTo(change, sub.deps.reads.get(table)!));
      const rows = await sub.maintainer.update(seen);
      if (rows) {
        sub.incremental++;
        return rows;
      }
      sub.note = `re-run once: ${sub.maintainer.fallback ?? 'a change outside the shape'}`;
    }
    return this.firstRows(sub);
  }
}

const keyFor = (subscriber: Subscriber, id: string) => `${subscriber.id}:${id}`;

function assertReadOnly(access: AccessSet) {
  if (access.rowWrites.size || access.updates.size || access.schema) {
    throw new ProtocolError('SQL_ERROR', 'queries must be read-only');
  }
}
