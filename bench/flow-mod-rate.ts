// flow-mod-rate: 100k distinct rules in one add-flows text; parse, flow table
// (compile, checks) and native install timed apart. Reference (ovs column):
// `ovs-ofctl -O OpenFlow13 add-flows` of the same file into a bridge of its own in
// the ovs round's private ovs-vswitchd (bench/ovs-reference.ts), which times
// ovs-ofctl's parse + encode + ovs-vswitchd's flow-mods to the closing barrier; its
// parse row is `ovs-ofctl parse-flows`.
//
// nodeswitch's side is what Bridge.addFlows does (parseFlowsFile, then FlowTable.add),
// over a datapath of its own whose installFlows is timed: the FlowTable is handed the
// datapath it drives, so nothing reaches into a Bridge.
import { run } from '../test/lab/index.js';
import type { NativeDatapath } from '../src/native.js';
import { parseFlowsEach } from '../src/ofproto/flow-syntax.js';
import { attachedMode } from './mem-bridges.js';
import { maybeOvs, withOvsFlowsFile } from './ovs-reference.js';
import type { Scenario } from './scenario.js';
import type { Topology } from './topology.js';
import { ipStr } from './workload.js';

export const FLOW_MOD_RULES = 100_000;

/** The flow-mod file: `n` (default FLOW_MOD_RULES) distinct 5-field TCP rules. */
export function flowModText(n = FLOW_MOD_RULES): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const src = (10 << 24) | i; // 10.0.0.0 + i: distinct
    lines.push(
      `table=0,priority=${100 + (i % 100)},tcp,nw_src=${ipStr(src)},nw_dst=192.168.${(i >>> 8) & 255}.${i & 255},` +
        `tp_dst=${1024 + (i % 50_000)},actions=output:2`,
    );
  }
  return lines.join('\n') + '\n';
}

let flowModTextCache: string | undefined;
/** The flow-mod file (made once): FLOW_MOD_RULES distinct 5-field TCP rules. */
export function flowModFile(): string {
  return (flowModTextCache ??= flowModText());
}

type TableDatapath = ConstructorParameters<typeof import('../src/ofproto/flow-table.js').FlowTable>[0];

/** `dp` with its installFlows timed: the FlowTable's view of a datapath. */
function timedInstall(dp: NativeDatapath): { table: TableDatapath; ms: () => number } {
  let total = 0;
  const table: TableDatapath = {
    installFlows: async (flows) => {
      const t0 = performance.now();
      try {
        return await dp.installFlows(flows);
      } finally {
        total += performance.now() - t0;
      }
    },
    removeFlows: (ids) => dp.removeFlows(ids),
    setFlowActions: (flows) => dp.setFlowActions(flows),
    flowStats: () => dp.flowStats(),
  };
  return { table, ms: () => total };
}

async function nodeswitchFlowMod(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const text = flowModFile();
  // Parse on its own first, as add-flows parses (each flow handed on, none kept; it
  // also warms the parser up for the timed call).
  let t0 = performance.now();
  let parsed = 0;
  await parseFlowsEach(text, { context: 'add' }, () => void parsed++);
  const parseMs = performance.now() - t0;
  if (parsed !== FLOW_MOD_RULES) throw new Error(`parsed ${parsed} flows, not ${FLOW_MOD_RULES}`);
  const [{ addon }, { FlowTable }, { resolveBridgeOptions }] = await Promise.all([
    import('../src/native.js'),
    import('../src/ofproto/flow-table.js'),
    import('../src/bridge.js'),
  ]);
  const dp = new addon.Datapath(topo.lab.name('ofm'), resolveBridgeOptions({}), () => undefined);
  try {
    const native = timedInstall(dp);
    const flows = new FlowTable(native.table);
    // What Bridge.addFlows does: each flow parsed into one all-or-nothing add.
    t0 = performance.now();
    const batch = flows.beginAdd();
    await parseFlowsEach(text, { context: 'add' }, (spec) => batch.push(spec));
    await batch.commit();
    const totalMs = performance.now() - t0;
    const installed = flows.list().length;
    if (installed !== FLOW_MOD_RULES) throw new Error(`the table holds ${installed} flows, not ${FLOW_MOD_RULES}`);
    const nativeMs = native.ms();
    const tableMs = totalMs - parseMs - nativeMs;
    log(`total ${totalMs.toFixed(0)} ms: parse ~${parseMs.toFixed(0)} ms, flow table ~${tableMs.toFixed(0)} ms, native ${nativeMs.toFixed(0)} ms`);
    return {
      'add-flows': (FLOW_MOD_RULES / totalMs) * 1000,
      'total time': totalMs / 1000,
      parse: parseMs / 1000,
      'parse rate': (FLOW_MOD_RULES / parseMs) * 1000,
      install: (totalMs - parseMs) / 1000,
      'of which native': nativeMs / 1000,
    };
  } finally {
    await dp.close();
  }
}

function ovsFlowMod(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  return withOvsFlowsFile(topo, topo.lab.name('ofr'), flowModFile(), async (ovs, file) => {
    let t0 = performance.now();
    await run(['ovs-ofctl', '-O', 'OpenFlow13', 'parse-flows', file], { timeoutMs: 120_000 });
    const parseMs = performance.now() - t0;
    t0 = performance.now();
    await ovs.ofctl(['add-flows', file], 300_000);
    const totalMs = performance.now() - t0;
    const count = await ovs.flowCount();
    if (count !== FLOW_MOD_RULES) throw new Error(`OVS holds ${count} flows after add-flows, not ${FLOW_MOD_RULES}`);
    log(`ovs-ofctl add-flows ${totalMs.toFixed(0)} ms; parse-flows ${parseMs.toFixed(0)} ms`);
    return {
      'add-flows': (FLOW_MOD_RULES / totalMs) * 1000,
      'total time': totalMs / 1000,
      parse: parseMs / 1000,
      'parse rate': (FLOW_MOD_RULES / parseMs) * 1000,
    };
  });
}

export const flowModRate: Scenario = {
  name: 'flow-mod-rate',
  metrics: [
    { name: 'add-flows', unit: 'rules/s', digits: 0 },
    { name: 'total time', unit: 's', digits: 2 },
    { name: 'parse', unit: 's', digits: 2 },
    { name: 'parse rate', unit: 'rules/s', digits: 0 },
    { name: 'install', unit: 's', digits: 2 },
    { name: 'of which native', unit: 's', digits: 2 },
  ],
  tools: [],
  note:
    `${FLOW_MOD_RULES / 1000}k distinct rules in one add-flows text. nodeswitch: what one Bridge.addFlows call does ` +
    "(parseFlowsEach into a FlowTable.beginAdd batch, then its commit); 'parse' is parseFlowsEach on the same text, " +
    'every flow dropped, timed on its own just before, ' +
    "'install' the rest (compile, flow-table checks, the native install), 'of which native' the datapath's installFlows. ovs: 'ovs-ofctl -O OpenFlow13 add-flows' " +
    "of the same file into a fresh bridge of the ovs round's private ovs-vswitchd (its parse, the flow-mods, the " +
    "closing barrier); its 'parse' is " +
    "'ovs-ofctl parse-flows' (parse and print). No Linux-bridge figures.",
  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'nodeswitch') return nodeswitchFlowMod(topo, log);
    if (mode === 'ovs') return maybeOvs(() => ovsFlowMod(topo, log), log);
    return {};
  },
};
