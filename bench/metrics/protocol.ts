/**
 * protocol.overhead: the superjson encoding of the tab↔host protocol on the path of one write (the write request
 * and its answer, the commit notice and the patches event, each encoded once and decoded once), against the
 * same-tab latency p50 measured in this run; target ≤ 10 %. The `protocol.<message>` rows set each hot message's
 * superjson encode+decode against a structured clone of the same object (what posting the object itself costs).
 */
import { WRITE_PATH, type ProtocolFigure } from '../browser/protocol-bench';
import type { BenchPages } from '../harness/bench-pages';
import type { Sizes } from '../harness/options';
import { makeRow, type MetricRow } from '../harness/rows';

export type ProtocolResult = Record<string, ProtocolFigure>;

export function measureProtocol(pages: BenchPages, sizes: Sizes): Promise<ProtocolResult> {
  return pages.protocol(sizes.protocol);
}

export function protocolRows(browser: string, r: ProtocolResult, sameTabP50: number | null | undefined): MetricRow[] {
  const pathMs = WRITE_PATH.reduce((sum, name) => sum + (r[name]?.superjsonUs ?? NaN), 0) / 1000;
  const cloneMs = WRITE_PATH.reduce((sum, name) => sum + (r[name]?.structuredCloneUs ?? NaN), 0) / 1000;
  const rows = [
    makeRow({
      metric: 'protocol.overhead',
      browser,
      size: `one write: ${WRITE_PATH.join(', ')}`,
      value: Number.isFinite(pathMs) ? pathMs : null,
      unit: 'ms',
      baseline: sameTabP50,
      target: { ratio: { max: 0.1 } },
      note:
        `baseline: latency.same-tab p50 of this run` +
        (sameTabP50 ? '' : ' (not measured: run the latency group too)') +
        `; structured clone of the same messages ${cloneMs.toFixed(3)} ms`,
    }),
  ];
  for (const [name, figure] of Object.entries(r)) {
    rows.push(
      makeRow({
        metric: `protocol.${name}`,
        browser,
        size: `${figure.bytes} bytes encoded`,
        value: figure.superjsonUs,
        unit: 'µs',
        baseline: figure.structuredCloneUs,
        note: 'superjson encode + decode (with the envelope check) vs structuredClone of the object',
      }),
    );
  }
  return rows;
}
