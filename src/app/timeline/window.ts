/**
 * The arithmetic of a room's timeline, kept apart from the DOM so that it can be tested on its own.
 *
 * Two windows are involved:
 *
 * 1. What is loaded. The live query is "the latest `limit` messages of the room". When a message arrives, the
 *    query's result gains it and loses its oldest row. If the UI showed every row, that oldest message would
 *    vanish from the top of the list, shifting every other one: not a fine-grained update. So the UI shows only
 *    the rows from a `floor` (a message id, fixed when the rows were loaded) up, and keeps a headroom of hidden
 *    older rows below it: a new message then adds one row at the bottom and changes nothing else. When the
 *    headroom runs low, the limit grows (a new subscription whose result is reconciled by key: no DOM change).
 *    Loading older messages moves the floor down, growing the limit geometrically so that reaching the top of a
 *    31k-message room takes a dozen queries, not hundreds.
 *
 * 2. What is rendered (virtualisation). The virtualizer says which items are visible; `keepRendered` decides
 *    which are rendered, with hysteresis: the rendered range stays put while it still covers the visible items
 *    with a margin, and follows the end of the list when it reached it. So a new message at the bottom, an edit
 *    or a reaction that changes a message's height renders or removes no other message.
 */

/** Messages shown at first, and added per "load older" step at least. */
export const PAGE = 50;
/** Hidden older rows kept below the floor, so that arrivals do not push shown rows out of the query. */
export const HEADROOM = 40;

/** How many of the newest-first `ids` are at or above `floor` (all of them without a floor). */
export function shownCount(idsNewestFirst: readonly string[], floor: string | null): number {
  if (floor === null) return idsNewestFirst.length;
  // ids are sorted descending: binary search for the first id below the floor.
  let lo = 0;
  let hi = idsNewestFirst.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (idsNewestFirst[mid]! >= floor) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The floor that shows the newest `want` of the loaded rows (all of them if fewer are loaded). */
export function floorFor(idsNewestFirst: readonly string[], want: number): string | null {
  if (!idsNewestFirst.length) return null;
  return idsNewestFirst[Math.min(want, idsNewestFirst.length) - 1]!;
}

/**
 * The query limit that keeps enough headroom below `shown` rows; unchanged while the headroom is at least half
 * full, so that the subscription is replaced once per HEADROOM / 2 arrivals, not on every one.
 */
export function limitWithHeadroom(shown: number, limit: number): number {
  return shown + HEADROOM / 2 > limit ? shown + HEADROOM : limit;
}

/** How many more to show when the reader reaches the top: at least a page, else as many as are shown (doubling). */
export function olderStep(shown: number): number {
  return Math.max(PAGE, shown);
}

export interface VisibleRange {
  startIndex: number;
  endIndex: number;
  count: number;
}

/** The rendered range, remembered by keys so that it survives items being added before it. */
export interface RenderedRange {
  first: string;
  last: string;
  /** The range reached the end of the list: items added at the end join it. */
  followsEnd: boolean;
}

export interface KeepOptions {
  /** Items rendered beyond the visible ones on each side when the range is (re)computed. */
  extra: number;
  /** The range is recomputed when fewer than this many items are rendered beyond the visible ones. */
  margin: number;
}

/**
 * Which items to render, given the visible ones and what was rendered before. Returns the indexes (inclusive) and
 * the range to remember.
 */
export function keepRendered(
  previous: RenderedRange | null,
  visible: VisibleRange,
  keyAt: (index: number) => string,
  indexOf: (key: string) => number | undefined,
  options: KeepOptions,
): { start: number; end: number; range: RenderedRange | null } {
  const { startIndex, endIndex, count } = visible;
  if (count === 0) return { start: 0, end: -1, range: null };
  const last = count - 1;
  let start = previous ? (indexOf(previous.first) ?? -1) : -1;
  let end = previous ? (indexOf(previous.last) ?? -1) : -1;
  if (previous?.followsEnd && end >= 0) end = last;
  const covers =
    start >= 0 &&
    end >= start &&
    start <= Math.max(0, startIndex - options.margin) &&
    end >= Math.min(last, endIndex + options.margin) &&
    // not grown too far beyond the visible items (after many arrivals at the end, or a jump)
    end - start <= endIndex - startIndex + 4 * options.extra;
  if (!covers) {
    start = Math.max(0, startIndex - options.extra);
    end = Math.min(last, endIndex + options.extra);
  }
  return { start, end, range: { first: keyAt(start), last: keyAt(end), followsEnd: end === last } };
}
