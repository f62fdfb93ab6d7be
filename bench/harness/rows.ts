/**
 * One benchmark result: the line printed on stdout and the row of the results table. Every figure is set against a
 * baseline measured in the same run (or a peer's published claim, said so in the note): `ratio` is always
 * value / baseline, and `ok` says whether the row meets its target. A row without a target is informational
 * (`target` and `ok` null); a row whose value could not be measured has `value` null and, if it had a target,
 * `ok` false: a gap to report, never one to hide.
 */

export interface Bounds {
  min?: number;
  max?: number;
}

/** What a row must meet: bounds on its value (in its unit) and/or on its ratio to the baseline. */
export interface Target {
  value?: Bounds;
  ratio?: Bounds;
}

export interface MetricRow {
  metric: string;
  browser: string;
  size: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  target: string | null;
  ok: boolean | null;
  note?: string;
}

export interface RowInput {
  metric: string;
  browser: string;
  size: string;
  value: number | null | undefined;
  unit: string;
  baseline?: number | null | undefined;
  target?: Target;
  note?: string;
}

/** Three significant digits: enough to compare, without pretending to a precision these machines do not have. */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits, 6)));
}

function within(x: number | null, bounds: Bounds | undefined): boolean {
  if (!bounds) return true;
  if (x === null || !Number.isFinite(x)) return false;
  return (bounds.min === undefined || x >= bounds.min) && (bounds.max === undefined || x <= bounds.max);
}

function describeBounds(name: string, bounds: Bounds | undefined, unit = ''): string[] {
  if (!bounds) return [];
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`${name} >= ${bounds.min}${unit}`);
  if (bounds.max !== undefined) parts.push(`${name} <= ${bounds.max}${unit}`);
  return parts;
}

export function describeTarget(target: Target, unit: string): string {
  return [...describeBounds('value', target.value, ` ${unit}`), ...describeBounds('ratio', target.ratio)].join(' and ');
}

export function makeRow(input: RowInput): MetricRow {
  const value = input.value ?? null;
  const baseline = input.baseline ?? null;
  const ratio = value !== null && baseline !== null && baseline !== 0 ? value / baseline : null;
  const target = input.target ?? null;
  const ok = target ? within(value, target.value) && within(ratio, target.ratio) : null;
  const row: MetricRow = {
    metric: input.metric,
    browser: input.browser,
    size: input.size,
    value: value === null ? null : round(value),
    unit: input.unit,
    baseline: baseline === null ? null : round(baseline),
    ratio: ratio === null ? null : round(ratio),
    target: target ? describeTarget(target, input.unit) : null,
    ok,
  };
  if (input.note) row.note = input.note;
  return row;
}

/** The rows of a measurement that failed: each expected metric, unmeasured, with the reason. */
export function failedRows(
  expected: readonly { metric: string; unit: string; size: string; target?: Target }[],
  browser: string,
  error: unknown,
): MetricRow[] {
  const reason = error instanceof Error ? error.message : String(error);
  return expected.map((e) =>
    makeRow({ ...e, browser, value: null, note: `not measured: ${reason.split('\n')[0]!.slice(0, 300)}` }),
  );
}
