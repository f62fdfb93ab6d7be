import { describe, expect, it } from 'vitest';
import {
  HEADROOM,
  PAGE,
  floorFor,
  keepRendered,
  limitWithHeadroom,
  olderStep,
  shownCount,
  type RenderedRange,
} from './window';

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `m${String(from + i).padStart(5, '0')}`);

describe('what is shown of the loaded rows', () => {
  const newestFirst = ids(100).reverse(); // m00099 … m00000

  it('shows the rows at or above the floor', () => {
    expect(shownCount(newestFirst, null)).toBe(100);
    expect(shownCount(newestFirst, 'm00050')).toBe(50);
    expect(shownCount(newestFirst, 'm00000')).toBe(100);
    expect(shownCount(newestFirst, 'm00099')).toBe(1);
    expect(shownCount([], 'm00010')).toBe(0);
  });

  it('a new message adds one shown row and the oldest loaded row drops out unseen', () => {
    const floor = floorFor(newestFirst, PAGE)!;
    expect(shownCount(newestFirst, floor)).toBe(PAGE);
    // The query's next result: the new message on top, the oldest row gone (same LIMIT).
    const next = ['m00100', ...newestFirst.slice(0, -1)];
    expect(shownCount(next, floor)).toBe(PAGE + 1);
    expect(next.slice(0, PAGE + 1).at(-1)).toBe(floor);
  });

  it('a deleted floor message still leaves the others shown', () => {
    const floor = floorFor(newestFirst, PAGE)!;
    const without = newestFirst.filter((id) => id !== floor);
    expect(shownCount(without, floor)).toBe(PAGE - 1);
  });

  it('a floor beyond the loaded rows shows them all', () => {
    expect(floorFor(ids(10).reverse(), PAGE)).toBe('m00000');
    expect(floorFor([], PAGE)).toBeNull();
  });
});

describe('the query limit', () => {
  it('keeps the limit while at least half the headroom is left', () => {
    expect(limitWithHeadroom(PAGE, PAGE + HEADROOM)).toBe(PAGE + HEADROOM);
    expect(limitWithHeadroom(PAGE + HEADROOM / 2, PAGE + HEADROOM)).toBe(PAGE + HEADROOM);
    expect(limitWithHeadroom(PAGE + HEADROOM / 2 + 1, PAGE + HEADROOM)).toBe(PAGE + HEADROOM / 2 + 1 + HEADROOM);
  });

  it('loads older messages geometrically: the top of a 31k room in a dozen steps', () => {
    let shown = PAGE;
    let steps = 0;
    while (shown < 31_211) {
      shown += olderStep(shown);
      steps++;
    }
    expect(steps).toBeLessThanOrEqual(12);
  });
});

describe('keepRendered', () => {
  const keys = ids(1000);
  const indexOf = (key: string) => {
    const i = keys.indexOf(key);
    return i < 0 ? undefined : i;
  };
  const keyAt = (i: number) => keys[i]!;
  const options = { extra: 10, margin: 3 };

  it('renders the visible items and some beyond', () => {
    const r = keepRendered(null, { startIndex: 500, endIndex: 510, count: 1000 }, keyAt, indexOf, options);
    expect([r.start, r.end]).toEqual([490, 520]);
    expect(r.range).toEqual({ first: 'm00490', last: 'm00520', followsEnd: false });
  });

  it('keeps the range while the visible items move inside it', () => {
    const first = keepRendered(null, { startIndex: 500, endIndex: 510, count: 1000 }, keyAt, indexOf, options);
    const moved = keepRendered(first.range, { startIndex: 504, endIndex: 514, count: 1000 }, keyAt, indexOf, options);
    expect([moved.start, moved.end]).toEqual([490, 520]);
  });

  it('recomputes when the visible items come near its edge', () => {
    const first = keepRendered(null, { startIndex: 500, endIndex: 510, count: 1000 }, keyAt, indexOf, options);
    const moved = keepRendered(first.range, { startIndex: 509, endIndex: 519, count: 1000 }, keyAt, indexOf, options);
    expect([moved.start, moved.end]).toEqual([499, 529]);
  });

  it('follows the end: an item added at the end is rendered, nothing else changes', () => {
    const atEnd = keepRendered(null, { startIndex: 990, endIndex: 999, count: 1000 }, keyAt, indexOf, options);
    expect([atEnd.start, atEnd.end]).toEqual([980, 999]);
    keys.push('m01000');
    try {
      const next = keepRendered(atEnd.range, { startIndex: 991, endIndex: 1000, count: 1001 }, keyAt, indexOf, options);
      expect([next.start, next.end]).toEqual([980, 1000]);
      expect(next.range?.followsEnd).toBe(true);
    } finally {
      keys.pop();
    }
  });

  it('survives items added before it: the range is remembered by keys', () => {
    const range: RenderedRange = { first: 'm00490', last: 'm00520', followsEnd: false };
    const shifted = [...ids(100, 2000), ...keys];
    const r = keepRendered(
      range,
      { startIndex: 600, endIndex: 610, count: shifted.length },
      (i) => shifted[i]!,
      (k) => shifted.indexOf(k),
      options,
    );
    expect([r.start, r.end]).toEqual([590, 620]);
  });

  it('renders nothing for an empty list', () => {
    expect(keepRendered(null, { startIndex: 0, endIndex: -1, count: 0 }, keyAt, indexOf, options).range).toBeNull();
  });
});
