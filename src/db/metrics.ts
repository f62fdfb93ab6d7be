/** Per request type: how many, how many failed, and p50/p99 latency over the latest samples. */
import type { Method } from '../../protocol/messages';

const SAMPLES = 512;

export interface MethodMetrics {
  count: number;
  errors: number;
  p50: number;
  p99: number;
}

export class RequestMetrics {
  private readonly byMethod = new Map<Method, { count: number; errors: number; samples: number[]; next: number }>();

  record(method: Method, ms: number, ok: boolean) {
    let m = this.byMethod.get(method);
    if (!m) this.byMethod.set(method, (m = { count: 0, errors: 0, samples: [], next: 0 }));
    m.count++;
    if (!ok) m.errors++;
    if (m.samples.length < SAMPLES) m.samples.push(ms);
    else m.samples[m.next++ % SAMPLES] = ms;
  }

  snapshot(): Record<string, MethodMetrics> {
    const out: Record<string, MethodMetrics> = {};
    for (const [method, m] of this.byMethod) {
      const sorted = [...m.samples].sort((a, b) => a - b);
      const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
      out[method] = { count: m.count, errors: m.errors, p50: at(0.5), p99: at(0.99) };
    }
    return out;
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
