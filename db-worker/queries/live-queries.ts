/**
 * Live queries: SQL subscriptions whose results follow the data. When a subscription starts, its statement is
 * prepared under the authorizer, which records every table and column it reads. After each commit only the
 * subscriptions that read a changed table are run again (once per commit, however many rows changed, and with no
 * timer), and what they send to their tab is a keyed diff, not the whole result.
 */
import type { HostEvents, QuerySpec, SubscriptionInfo } from '../../protocol/messages';
import { ProtocolError } from '../../protocol/messages';
import { diffRows, isEmptyPatch, type Key, type ResultRow } from '../../protocol/patch';
import type { AccessSet } from '../sqlite/access';
import type { CommitChanges, Database, Params } from '../sqlite/database';

/** Where a subscription's updates go: one tab's connection. */
export interface Subscriber {
  readonly id: number;
  send<N extends keyof HostEvents>(name: N, data: HostEvents[N]): void;
}

interface Subscription {
  subscriber: Subscriber;
  id: string;
  spec: Required<QuerySpec>;
  reads: AccessSet['reads'];
  rows: ResultRow[];
  keyOf: (row: ResultRow) => Key;
  runs: number;
  patches: number;
  lastCostMs: number;
}

export class LiveQueries {
  private readonly subs = new Map<string, Subscription>();
  private readonly dirty = new Set<Subscription>();
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
      await this.assertReadOnly(spec.sql);
      return this.db.all<ResultRow>(spec.sql, (spec.params ?? []) as Params);
    });
  }

  async subscribe(subscriber: Subscriber, id: string, spec: QuerySpec): Promise<ResultRow[]> {
    const full: Required<QuerySpec> = { sql: spec.sql, params: spec.params ?? [], key: spec.key ?? 'id' };
    const keyColumn = full.key;
    return this.db.exclusive(async () => {
      const access = await this.assertReadOnly(full.sql);
      const started = performance.now();
      const rows = await this.db.all<ResultRow>(full.sql, full.params as Params);
      const sub: Subscription = {
        subscriber,
        id,
        spec: full,
        reads: access.reads,
        rows,
        keyOf: (row) => {
          const key = row[keyColumn];
          if (typeof key !== 'string' && typeof key !== 'number') {
            throw new ProtocolError('SQL_ERROR', `live query rows need a string or number "${keyColumn}" column`);
          }
          return key;
        },
        runs: 1,
        patches: 0,
        lastCostMs: performance.now() - started,
      };
      rows.forEach(sub.keyOf); // fail now, not at the first change, if the key column is missing
      this.subs.set(this.keyFor(subscriber, id), sub);
      return rows;
    });
  }

  unsubscribe(subscriber: Subscriber, id: string) {
    const sub = this.subs.get(this.keyFor(subscriber, id));
    if (!sub) return;
    this.subs.delete(this.keyFor(subscriber, id));
    this.dirty.delete(sub);
  }

  /** Drops every subscription of a tab that went away. */
  dropSubscriber(subscriber: Subscriber) {
    for (const [key, sub] of this.subs) {
      if (sub.subscriber === subscriber) {
        this.subs.delete(key);
        this.dirty.delete(sub);
      }
    }
  }

  describe(): SubscriptionInfo[] {
    return [...this.subs.values()].map((sub) => ({
      id: `${sub.subscriber.id}:${sub.id}`,
      sql: sub.spec.sql,
      params: sub.spec.params,
      reads: Object.fromEntries([...sub.reads].map(([table, columns]) => [table, [...columns]])),
      runs: sub.runs,
      patches: sub.patches,
      lastCostMs: sub.lastCostMs,
      rows: sub.rows.length,
    }));
  }

  private keyFor(subscriber: Subscriber, id: string) {
    return `${subscriber.id}:${id}`;
  }

  private async assertReadOnly(sql: string): Promise<AccessSet> {
    const access = await this.db.accessOf(sql);
    if (access.rowWrites.size || access.updates.size || access.schema) {
      throw new ProtocolError('SQL_ERROR', 'queries must be read-only');
    }
    return access;
  }

  /** Marks the subscriptions a commit may have changed, and schedules one refresh for all of them. */
  private invalidate(changes: CommitChanges) {
    const tables = new Set([...changes.rows.keys(), ...changes.truncated]);
    for (const sub of this.subs.values()) {
      if (changes.schemaChanged || [...sub.reads.keys()].some((table) => tables.has(table))) this.dirty.add(sub);
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

  /** Resolves once every change committed so far has reached the subscribers. */
  async settled(): Promise<void> {
    while (this.refreshing) await this.refreshing;
  }

  private async refresh() {
    const batch = [...this.dirty];
    this.dirty.clear();
    const outgoing = new Map<Subscriber, HostEvents['patches']['items']>();
    for (const sub of batch) {
      if (!this.subs.has(this.keyFor(sub.subscriber, sub.id))) continue;
      const started = performance.now();
      let rows: ResultRow[];
      try {
        rows = await this.db.all<ResultRow>(sub.spec.sql, sub.spec.params as Params);
      } catch (error) {
        sub.subscriber.send('query-error', {
          id: sub.id,
          error: { code: 'SQL_ERROR', message: error instanceof Error ? error.message : String(error) },
        });
        continue;
      }
      sub.runs++;
      const patch = diffRows(sub.rows, rows, sub.keyOf);
      sub.rows = rows;
      sub.lastCostMs = performance.now() - started;
      if (isEmptyPatch(patch)) continue;
      sub.patches++;
      const items = outgoing.get(sub.subscriber) ?? [];
      items.push({ id: sub.id, patch });
      outgoing.set(sub.subscriber, items);
    }
    for (const [subscriber, items] of outgoing) subscriber.send('patches', { items });
  }
}
