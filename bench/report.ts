// Collects every measurement of a bench run and prints it: one table, each figure the
// median of the runs with the min–max spread, nodeswitch's beside each reference's
// and the ratio nodeswitch / reference; and, for --json, one row per
// (scenario, metric, reference).
import { writeFileSync } from 'node:fs';
import { median, type Metric, type Scenario } from './scenario.js';
import type { ModeName } from './topology.js';

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export interface JsonRow {
  scenario: string;
  metric: string;
  unit: string;
  /** nodeswitch's median (null when it did not run or never measured). */
  value: number | null;
  reference: ModeName | null;
  reference_value: number | null;
  /** value / reference_value. */
  ratio: number | null;
  value_min: number | null;
  value_max: number | null;
  reference_min: number | null;
  reference_max: number | null;
  runs: number;
  reference_runs: number;
}

const SUBJECT: ModeName = 'nodeswitch';

export class Results {
  private readonly values = new Map<string, number[]>();
  private readonly failures: string[] = [];
  private readonly skippedModes = new Map<ModeName, string>();
  private readonly skippedScenarios = new Map<string, string>();

  constructor(
    private readonly scenarios: readonly Scenario[],
    private readonly modes: readonly ModeName[],
    /** Runs each cell should get; cells with fewer say how many they got. */
    private readonly expectedRuns: number,
  ) {}

  add(scenario: Scenario, mode: ModeName, measured: Record<string, number>): void {
    for (const m of scenario.metrics) {
      const v = measured[m.name];
      if (v === undefined || !Number.isFinite(v)) continue;
      const key = cellKey(scenario.name, m.name, mode);
      const list = this.values.get(key) ?? [];
      list.push(v);
      this.values.set(key, list);
    }
  }

  fail(scenario: string, mode: ModeName, round: number, message: string): void {
    this.failures.push(`${scenario} / ${mode} / run ${round}: ${message}`);
  }

  skipMode(mode: ModeName, reason: string): void {
    this.skippedModes.set(mode, reason);
  }

  skipScenario(scenario: string, reason: string): void {
    this.skippedScenarios.set(scenario, reason);
  }

  summary(scenario: string, metric: string, mode: ModeName): Summary | undefined {
    const list = this.values.get(cellKey(scenario, metric, mode));
    if (!list || list.length === 0) return undefined;
    return { median: median(list), min: Math.min(...list), max: Math.max(...list), runs: list.length };
  }

  private references(): ModeName[] {
    return this.modes.filter((m) => m !== SUBJECT);
  }

  table(): string {
    const refs = this.references();
    const hasSubject = this.modes.includes(SUBJECT);
    const header = ['scenario', 'metric'];
    if (hasSubject) header.push(`${SUBJECT} median [min–max]`);
    for (const r of refs) header.push(`${r} median [min–max]`, ...(hasSubject ? ['ratio'] : []));
    const rows: string[][] = [header];
    for (const s of this.scenarios) {
      for (const m of s.metrics) {
        const row = [s.name, `${m.name} (${m.unit})`];
        const subject = hasSubject ? this.cell(s.name, m, SUBJECT) : undefined;
        if (hasSubject) row.push(subject!.text);
        for (const r of refs) {
          const ref = this.cell(s.name, m, r);
          row.push(ref.text);
          if (hasSubject) row.push(formatRatio(subject?.summary, ref.summary));
        }
        rows.push(row);
      }
    }
    return renderTable(rows);
  }

  /** What the table cannot say: skipped modes and scenarios, failed runs. */
  notes(): string[] {
    const out: string[] = [];
    for (const [mode, why] of this.skippedModes) out.push(`${mode}: skipped — ${why}`);
    for (const [s, why] of this.skippedScenarios) out.push(`${s}: skipped — ${why}`);
    for (const f of this.failures) out.push(`failed: ${f}`);
    return out;
  }

  rows(): JsonRow[] {
    const refs: (ModeName | null)[] = this.references();
    if (refs.length === 0) refs.push(null);
    const out: JsonRow[] = [];
    for (const s of this.scenarios) {
      for (const m of s.metrics) {
        const v = this.summary(s.name, m.name, SUBJECT);
        for (const r of refs) {
          const ref = r === null ? undefined : this.summary(s.name, m.name, r);
          out.push({
            scenario: s.name,
            metric: m.name,
            unit: m.unit,
            value: v?.median ?? null,
            reference: r,
            reference_value: ref?.median ?? null,
            ratio: ratio(v, ref),
            value_min: v?.min ?? null,
            value_max: v?.max ?? null,
            reference_min: ref?.min ?? null,
            reference_max: ref?.max ?? null,
            runs: v?.runs ?? 0,
            reference_runs: ref?.runs ?? 0,
          });
        }
      }
    }
    return out;
  }

  writeJson(file: string): void {
    writeFileSync(file, JSON.stringify(this.rows(), null, 2) + '\n');
  }

  private cell(scenario: string, m: Metric, mode: ModeName): { text: string; summary?: Summary } {
    if (this.skippedModes.has(mode)) return { text: 'skipped' };
    if (this.skippedScenarios.has(scenario)) return { text: 'skipped' };
    const s = this.summary(scenario, m.name, mode);
    // No figure: the scenario does not measure this mode (real failures are listed below the table).
    if (!s) return { text: '–' };
    const f = (x: number): string => x.toFixed(m.digits);
    const spread = s.runs > 1 ? ` [${f(s.min)}–${f(s.max)}]` : '';
    return { text: `${f(s.median)}${spread}${s.runs < this.expectedRuns ? ` (${s.runs} runs)` : ''}`, summary: s };
  }
}

function cellKey(scenario: string, metric: string, mode: ModeName): string {
  return `${scenario}\u0000${metric}\u0000${mode}`;
}

function ratio(v: Summary | undefined, ref: Summary | undefined): number | null {
  if (!v || !ref || ref.median === 0) return null;
  return v.median / ref.median;
}

function formatRatio(v: Summary | undefined, ref: Summary | undefined): string {
  const r = ratio(v, ref);
  return r === null ? '–' : `${r.toFixed(2)}×`;
}

function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  const sep = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join('\n');
}
