/**
 * Output: one JSON object per line on stdout as each row is measured, and at the end a markdown file with the
 * machine, the browsers and the table (bench/RESULTS.md, linked from the README).
 */
import { writeFileSync } from 'node:fs';
import type { Machine } from './machine';
import type { MetricRow } from './rows';

export function printRow(row: MetricRow) {
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

const cell = (value: unknown) =>
  value === null || value === undefined ? '–' : String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');

const okCell = (ok: boolean | null) => (ok === null ? '' : ok ? 'yes' : '**NO**');

export function markdownTable(rows: readonly MetricRow[]): string {
  const head = '| metric | browser | size | value | unit | baseline | ratio | target | ok | note |';
  const rule = '|---|---|---|---:|---|---:|---:|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${cell(r.metric)} | ${cell(r.browser)} | ${cell(r.size)} | ${cell(r.value)} | ${cell(r.unit)} | ` +
      `${cell(r.baseline)} | ${cell(r.ratio)} | ${cell(r.target)} | ${okCell(r.ok)} | ${cell(r.note)} |`,
  );
  return [head, rule, ...body].join('\n');
}

const valueCell = (r: MetricRow) =>
  r.value === null
    ? `not measured **NO**`
    : `${r.value} ${r.unit} (${r.ratio ?? '–'}×)${r.ok === null ? '' : r.ok ? ' ✓' : ' **NO**'}`;

/**
 * The rows that have a target, one line per metric with a column per browser: the compact table the top-level
 * README shows (the full table has every row, its size and its note).
 */
export function headlineTable(rows: readonly MetricRow[]): string {
  const targeted = rows.filter((r) => r.target !== null);
  const browsers = [...new Set(targeted.map((r) => r.browser))];
  const metrics = [...new Set(targeted.map((r) => r.metric))];
  const head = `| metric | target | ${browsers.join(' | ')} |`;
  const rule = `|---|---|${browsers.map(() => '---|').join('')}`;
  const body = metrics.map((metric) => {
    const byBrowser = browsers.map((b) => targeted.find((r) => r.metric === metric && r.browser === b));
    const target = byBrowser.find((r) => r)?.target ?? '';
    return `| ${cell(metric)} | ${cell(target)} | ${byBrowser.map((r) => (r ? cell(valueCell(r)) : '–')).join(' | ')} |`;
  });
  return [head, rule, ...body].join('\n');
}

export function writeResults(
  path: string,
  rows: readonly MetricRow[],
  machine: Machine,
  run: { mode: string; seconds: number; command: string },
) {
  const gaps = rows.filter((r) => r.ok === false);
  const browsers = Object.entries(machine.browsers)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const text = `# Benchmark results

Written by \`${run.command}\` (${run.mode}, ${Math.round(run.seconds)} s). How each metric and its baseline are
defined: [bench/README.md](README.md). \`ratio\` is value / baseline; \`ok\` is empty for informational rows.

- date: ${machine.date}
- machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; load average ${machine.load} at the start
- browsers: ${browsers || '–'}
- Node ${machine.node}; commit ${machine.commit}
- rows: ${rows.length}, of which ${gaps.length} miss their target${gaps.length ? `: ${[...new Set(gaps.map((g) => `${g.metric} (${g.browser})`))].join(', ')}` : ''}

## Targets

Value (ratio to its baseline); ✓ meets the target, **NO** misses it.

${headlineTable(rows)}

## Every row

${markdownTable(rows)}
`;
  writeFileSync(path, text);
}
