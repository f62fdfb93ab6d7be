import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { applyPatch, diffRows, type ResultRow } from './patch';

const keyOf = (row: ResultRow) => row.id as string;

describe('diffRows + applyPatch', () => {
  test('an unchanged row keeps its identity; a changed one is updated in place', () => {
    const a = { id: 'a', v: 1 };
    const b = { id: 'b', v: 2 };
    const rows = [a, b];
    const patch = diffRows(
      rows,
      [
        { id: 'a', v: 1 },
        { id: 'b', v: 3 },
        { id: 'c', v: 4 },
      ],
      keyOf,
    );
    expect(patch).toEqual({
      removed: [],
      upserted: [
        { index: 1, row: { id: 'b', v: 3 } },
        { index: 2, row: { id: 'c', v: 4 } },
      ],
    });
    applyPatch(rows, patch, keyOf);
    expect(rows).toEqual([
      { id: 'a', v: 1 },
      { id: 'b', v: 3 },
      { id: 'c', v: 4 },
    ]);
    expect(rows[0]).toBe(a);
    expect(rows[1]).toBe(b);
  });

  test('a reorder is sent as a key order', () => {
    const patch = diffRows([{ id: 'a' }, { id: 'b' }], [{ id: 'b' }, { id: 'a' }], keyOf);
    expect(patch.order).toEqual(['b', 'a']);
    expect(patch.upserted).toEqual([]);
  });

  test('property: applying the diff of any two results turns the first into the second', () => {
    const row = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'),
      v: fc.integer({ min: 0, max: 3 }),
    });
    const result = fc.uniqueArray(row, { selector: (r) => r.id, maxLength: 7 });
    fc.assert(
      fc.property(result, result, (before, after) => {
        const rows = before.map((r) => ({ ...r }));
        const survivors = new Map(rows.map((r) => [r.id, r]));
        applyPatch(rows, diffRows(before, after, keyOf), keyOf);
        expect(rows).toEqual(after);
        // rows that survive are the same objects
        for (const r of rows) if (survivors.has(r.id)) expect(r).toBe(survivors.get(r.id));
      }),
      { numRuns: 2000 },
    );
  });
});
