/**
 * Finds the subscriptions a commit can affect without looking at the others: subscriptions are indexed by the
 * table and column they read, and pinned ones by their pinned key values too. The cost of a commit is then the
 * number of (table, changed column) and (table, changed key) pairs plus the subscriptions actually woken, whatever
 * the number of subscriptions that stay asleep.
 */
import type { Pin } from './pins';
import { touchesColumns, type TableChange } from './write-set';

/** What a subscription depends on: columns read per table, and key pins. Table names as SQLite declares them. */
export interface Dependencies {
  reads: ReadonlyMap<string, ReadonlySet<string>>;
  pins: ReadonlyMap<string, Pin>;
}

/** Whether a change to one table can change the result of a query with these dependencies. */
export function isRelevant(deps: Dependencies, change: TableChange): boolean {
  const columns = deps.reads.get(change.table);
  if (!columns || !touchesColumns(change, columns)) return false;
  const pin = deps.pins.get(change.table);
  if (!pin) return true;
  const keys = change.keys.get(pin.column);
  if (!keys) return true;
  for (const key of pin.keys) if (keys.has(key)) return true;
  return false;
}

interface TableEntry<S> {
  /** Subscriptions without a pin on this table, by column read. */
  byColumn: Map<string, Set<S>>;
  /** Subscriptions without a pin on this table. */
  unpinned: Set<S>;
  /** Pinned subscriptions: pinned column → key → subscriptions. */
  byKey: Map<string, Map<string, Set<S>>>;
  /** Pinned subscriptions, for changes whose keys are unknown. */
  pinned: Set<S>;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}
function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (!set.size) map.delete(key);
}

export class SubscriptionIndex<S extends { deps: Dependencies }> {
  private readonly tables = new Map<string, TableEntry<S>>();
  private readonly all = new Set<S>();

  get size() {
    return this.all.size;
  }

  add(sub: S) {
    this.all.add(sub);
    for (const [table, columns] of sub.deps.reads) {
      let entry = this.tables.get(table);
      if (!entry) {
        entry = { byColumn: new Map(), unpinned: new Set(), byKey: new Map(), pinned: new Set() };
        this.tables.set(table, entry);
      }
      const pin = sub.deps.pins.get(table);
      if (pin) {
        entry.pinned.add(sub);
        let keys = entry.byKey.get(pin.column);
        if (!keys) entry.byKey.set(pin.column, (keys = new Map()));
        for (const key of pin.keys) addTo(keys, key, sub);
      } else {
        entry.unpinned.add(sub);
        for (const column of columns) addTo(entry.byColumn, column, sub);
      }
    }
  }

  remove(sub: S) {
    if (!this.all.delete(sub)) return;
    for (const [table, columns] of sub.deps.reads) {
      const entry = this.tables.get(table);
      if (!entry) continue;
      const pin = sub.deps.pins.get(table);
      if (pin) {
        entry.pinned.delete(sub);
        const keys = entry.byKey.get(pin.column);
        if (keys) {
          for (const key of pin.keys) removeFrom(keys, key, sub);
          if (!keys.size) entry.byKey.delete(pin.column);
        }
      } else {
        entry.unpinned.delete(sub);
        for (const column of columns) removeFrom(entry.byColumn, column, sub);
      }
      if (!entry.unpinned.size && !entry.pinned.size) this.tables.delete(table);
    }
  }

  /** Every subscription (for schema changes, which invalidate them all). */
  subscriptions(): ReadonlySet<S> {
    return this.all;
  }

  /** Adds to `out` every subscription the change can affect. */
  collect(change: TableChange, out: Set<S>) {
    const entry = this.tables.get(change.table);
    if (!entry) return;
    if (change.columns === 'all') {
      for (const sub of entry.unpinned) out.add(sub);
    } else {
      for (const column of change.columns) {
        const subs = entry.byColumn.get(column);
        if (subs) for (const sub of subs) out.add(sub);
      }
    }
    for (const [column, byKey] of entry.byKey) {
      const keys = change.keys.get(column);
      if (!keys) {
        // Keys unknown (the column is not watched, or the change is opaque): every pinned reader may be affected.
        for (const [, subs] of byKey) for (const sub of subs) if (isRelevant(sub.deps, change)) out.add(sub);
        continue;
      }
      // Walk the smaller side: the changed keys or the pinned keys.
      if (keys.size <= byKey.size) {
        for (const key of keys) {
          const subs = byKey.get(key);
          if (subs) for (const sub of subs) if (isRelevant(sub.deps, change)) out.add(sub);
        }
      } else {
        for (const [key, subs] of byKey) {
          if (keys.has(key)) for (const sub of subs) if (isRelevant(sub.deps, change)) out.add(sub);
        }
      }
    }
  }
}
