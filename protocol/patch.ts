/**
 * Row patches: how a query result travels from the host to a tab after a change. The host diffs the old and new
 * result by key; the tab applies the patch to the rows it holds, in place, so unchanged rows keep their identity
 * (and their DOM nodes). `applyPatch` mutates an array, which is exactly what Solid's `produce` hands it.
 */
export type Key = string | number;
export type ResultRow = Record<string, unknown>;

export interface RowPatch {
  /** Keys of rows that are gone. */
  removed: Key[];
  /** New or changed rows, each with its index in the new result, in increasing index order. */
  upserted: { index: number; row: ResultRow }[];
  /**
   * Present only when rows that stayed changed their relative order: the full order of keys of the new result.
   * Inserts and removals alone never need it.
   */
  order?: Key[];
}

export const isEmptyPatch = (patch: RowPatch) =>
  patch.removed.length === 0 && patch.upserted.length === 0 && patch.order === undefined;

function shallowEqual(a: ResultRow, b: ResultRow): boolean {
  if (a === b) return true; // incremental maintenance hands back the very rows that did not change
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (x instanceof Uint8Array && y instanceof Uint8Array && x.length === y.length && x.every((v, i) => v === y[i]))
      continue;
    return false;
  }
  return true;
}

/** The patch that turns `before` into `after`. Rows are told apart by `keyOf`. */
export function diffRows(before: readonly ResultRow[], after: readonly ResultRow[], keyOf: (row: ResultRow) => Key) {
  // Fast path: the same keys in the same places (counts that changed in place, edits): compare side by side.
  // Incremental maintenance hands back the very objects of unchanged rows, so most comparisons are `===`.
  if (before.length === after.length) {
    const upserted: RowPatch['upserted'] = [];
    let same = true;
    for (let index = 0; index < after.length; index++) {
      const a = before[index]!;
      const b = after[index]!;
      if (a === b) continue;
      if (keyOf(a) !== keyOf(b)) {
        same = false;
        break;
      }
      if (!shallowEqual(a, b)) upserted.push({ index, row: b });
    }
    if (same) return { removed: [], upserted } satisfies RowPatch;
  }
  // Runs after every commit for every woken subscription: indexes and a marker array, no object per row.
  const oldIndex = new Map<Key, number>();
  const oldKeys: Key[] = new Array(before.length);
  for (let i = 0; i < before.length; i++) {
    const key = keyOf(before[i]!);
    oldKeys[i] = key;
    oldIndex.set(key, i);
  }
  const kept = new Uint8Array(before.length);
  const patch: RowPatch = { removed: [], upserted: [] };
  // Indexes (in `before`) of the rows that stay, in their new order: if they are not increasing, order changed.
  let lastKeptIndex = -1;
  let reordered = false;
  for (let index = 0; index < after.length; index++) {
    const row = after[index]!;
    const old = oldIndex.get(keyOf(row));
    if (old === undefined) {
      patch.upserted.push({ index, row });
      continue;
    }
    kept[old] = 1;
    if (old < lastKeptIndex) reordered = true;
    lastKeptIndex = old;
    if (!shallowEqual(before[old]!, row)) patch.upserted.push({ index, row });
  }
  for (let i = 0; i < before.length; i++) {
    if (!kept[i] && oldIndex.get(oldKeys[i]!) === i) patch.removed.push(oldKeys[i]!);
  }
  if (reordered) patch.order = after.map(keyOf);
  return patch;
}

/**
 * Applies a patch to `rows` in place. A changed row is updated field by field, so the object stays the same one;
 * fields that disappeared are deleted.
 */
export function applyPatch(rows: ResultRow[], patch: RowPatch, keyOf: (row: ResultRow) => Key): void {
  if (patch.removed.length) {
    const removed = new Set(patch.removed);
    for (let i = rows.length - 1; i >= 0; i--) if (removed.has(keyOf(rows[i]!))) rows.splice(i, 1);
  }
  if (patch.order) {
    const byKey = new Map(rows.map((row) => [keyOf(row), row]));
    const upserts = new Map(patch.upserted.map(({ row }) => [keyOf(row), row]));
    const next = patch.order.map((key) => {
      const existing = byKey.get(key);
      const fresh = upserts.get(key);
      if (existing && fresh) return assignRow(existing, fresh);
      return existing ?? fresh!;
    });
    rows.splice(0, rows.length, ...next);
    return;
  }
  for (const { index, row } of patch.upserted) {
    const key = keyOf(row);
    const existing = rows[index];
    if (existing && keyOf(existing) === key) {
      assignRow(existing, row);
      continue;
    }
    // Inserted here, or a changed row whose neighbours moved around it: find it, else insert.
    const at = rows.findIndex((r) => keyOf(r) === key);
    if (at >= 0) {
      const [moved] = rows.splice(at, 1);
      rows.splice(index, 0, assignRow(moved!, row));
    } else {
      rows.splice(index, 0, row);
    }
  }
}

function assignRow(target: ResultRow, source: ResultRow): ResultRow {
  for (const k of Object.keys(target)) if (!(k in source)) delete target[k];
  for (const k of Object.keys(source)) if (target[k] !== source[k]) target[k] = source[k];
  return target;
}
