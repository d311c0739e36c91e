// memory-per-rule: RSS growth per rule for flow-mod-rate's file at 100k and 1M rules,
// each measured in a FRESH process: nodeswitch in a node child of its own
// (memory-per-rule-child.ts, Bridge.addFlows), the reference in an ovs-vswitchd of
// its own (a private ovsdb-server + ovs-vswitchd in a namespace of its own,
// test/lab/ovs-netdev.ts) fed by ovs-ofctl add-flows. A process that ran other
// scenarios first reuses the heap they freed and shows too small a growth (the shared
// ovs-vswitchd once gave 42 B per rule).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OvsNetdev } from '../test/lab/ovs-netdev.js';
import { run } from '../test/lab/index.js';
import { flowModText } from './flow-mod-rate.js';
import { attachedMode } from './mem-bridges.js';
import { maybeOvs } from './ovs-reference.js';
import type { Scenario } from './scenario.js';
import type { Topology } from './topology.js';

const SIZES = [100_000, 1_000_000] as const;
const CHILD = join(import.meta.dirname, 'memory-per-rule-child.js');
const label = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);

interface ChildResult {
  rules: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  addMs: number;
}

async function nodeswitchMemory(log: (l: string) => void): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of SIZES) {
    const r = await run([process.execPath, '--expose-gc', CHILD, String(n)], { timeoutMs: 600_000 });
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
    const perRule = (m.rssAfter - m.rssBefore) / n;
    log(
      `${label(n)}: rss ${(m.rssBefore / 1e6).toFixed(0)} → ${(m.rssAfter / 1e6).toFixed(0)} MB, JS heap ${(m.heapBefore / 1e6).toFixed(0)} → ` +
        `${(m.heapAfter / 1e6).toFixed(0)} MB, addFlows ${m.addMs.toFixed(0)} ms`,
    );
    out[`per rule ${label(n)}`] = perRule;
    out[`JS heap per rule ${label(n)}`] = (m.heapAfter - m.heapBefore) / n;
  }
  return out;
}

function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

let ovsRounds = 0;

async function ovsMemory(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of SIZES) {
    // A namespace of its own: one netdev-datapath ovs-vswitchd per namespace.
    const host = `om${label(n).toLowerCase()}${++ovsRounds}`;
    const ns = await topo.lab.addHost(host);
    const dir = mkdtempSync(join(tmpdir(), 'nodeswitch-bench-memrule-'));
    const ovs = await OvsNetdev.start(ns);
    try {
      await ovs.addBridge('brmem', []);
      await run(['ovs-ofctl', 'del-flows', ovs.mgmt('brmem')]);
      const file = join(dir, 'flows.txt');
      writeFileSync(file, flowModText(n));
      const pid = ovs.vswitchdPid!;
      const before = vmRss(pid);
      const t0 = performance.now();
      await run(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flows', ovs.mgmt('brmem'), file], { timeoutMs: 900_000 });
      const addMs = performance.now() - t0;
      const after = vmRss(pid);
      log(`${label(n)}: fresh ovs-vswitchd rss ${(before / 1e6).toFixed(0)} → ${(after / 1e6).toFixed(0)} MB, add-flows ${addMs.toFixed(0)} ms`);
      out[`per rule ${label(n)}`] = (after - before) / n;
    } finally {
      await ovs.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}


export const memoryPerRule: Scenario = {
  name: 'memory-per-rule',
  metrics: SIZES.flatMap((n) => [
    { name: `per rule ${label(n)}`, unit: 'B', digits: 0 },
    { name: `JS heap per rule ${label(n)}`, unit: 'B', digits: 0 },
  ]),
  tools: [],
  note:
    `RSS growth per rule when ${SIZES.map(label).join(' / ')} distinct rules (flow-mod-rate's file) are added to an empty ` +
    'bridge, each size in a fresh process. nodeswitch: a node child (memory-per-rule-child.ts) making a Switch and a ' +
    "bridge with mem ports, RSS and JS heap before and after one Bridge.addFlows, each after a full GC. ovs: a fresh " +
    "private ovs-vswitchd (netdev datapath, a namespace of its own) per size, VmRSS before and after 'ovs-ofctl " +
    "add-flows'. No Linux-bridge figures.",
  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'linux-bridge' || mode === 'skip') return {};
    return mode === 'nodeswitch' ? nodeswitchMemory(log) : maybeOvs(() => ovsMemory(topo, log), log);
  },
};
