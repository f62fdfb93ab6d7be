/**
 * A small seeded random source. The generator must give the same space for the same seed on every machine and
 * Node version, which Math.random cannot; mulberry32 is tiny, fast and good enough for test data.
 */
import type { PRNG } from 'ulidx';

/** mulberry32: 32-bit state, uniform floats in [0, 1). */
export function mulberry32(seed: number): PRNG {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a: turns a description of the options into a 32-bit seed, so different options give unrelated spaces. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class Random {
  readonly next: PRNG;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** An index in [0, n) leaning towards the end: "something recent". */
  recentIndex(n: number): number {
    const r = this.next();
    return n - 1 - Math.floor(n * r * r * r);
  }

  /** Exponentially distributed, for the gaps between events of a Poisson process. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

/** Draws indices in proportion to fixed weights (binary search over the running sums). */
export class WeightedPicker {
  private readonly sums: number[];

  constructor(weights: readonly number[]) {
    let total = 0;
    this.sums = weights.map((w) => (total += w));
  }

  pick(random: Random): number {
    const total = this.sums[this.sums.length - 1] ?? 0;
    const x = random.next() * total;
    let lo = 0;
    let hi = this.sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.sums[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
