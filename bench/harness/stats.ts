/** Order statistics for timings: medians and percentiles by nearest rank, which never invent a value. */

export function percentile(values: readonly number[], q: number): number | null {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export const median = (values: readonly number[]) => percentile(values, 0.5);

export interface Summary {
  p50: number | null;
  p99: number | null;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  return { p50: percentile(values, 0.5), p99: percentile(values, 0.99), n: values.length };
}
