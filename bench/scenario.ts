// What a benchmark workload is: a name, the figures it measures, the tools it needs,
// and one measurement against a connected topology. Workloads never assert; they
// measure, and throw only when they could not measure at all.
import type { Topology } from './topology.js';

export interface Metric {
  /** Key in the measurement and name in the table, e.g. 'received'. */
  name: string;
  unit: string;
  /** Decimals shown in the table. */
  digits: number;
}

export interface Tool {
  command: string;
  /** The Debian package that provides it. */
  pkg: string;
}

export interface Scenario {
  name: string;
  metrics: readonly Metric[];
  tools: readonly Tool[];
  /** How to read the figures, printed under the table. */
  note?: string;
  /** One measurement; returns a value for each metric (NaN for one it could not take). */
  run(topo: Topology, log: (line: string) => void): Promise<Record<string, number>>;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The q-quantile (0..1) by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
