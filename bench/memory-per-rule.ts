// memory-per-rule: RSS growth for the flow-mod-rate scenario's 100k rules (after a
// GC, the text and the parsed specs dropped); reference: ovs-vswitchd's VmRSS growth
// for the same file.
import { FLOW_MOD_RULES, flowModFile } from './flow-mod-rate.js';
import { attachedMode, memBridge, newSwitch } from './mem-bridges.js';
import { maybeOvs, withOvsFlowsFile } from './ovs-reference.js';
import type { Scenario } from './scenario.js';
import type { ModeName, Topology } from './topology.js';
import { collect } from './workload.js';

async function nodeswitchMemory(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  let text: string | undefined = flowModFile();
  const sw = await newSwitch();
  try {
    const br = await memBridge(sw, topo.lab.name('omr'));
    const gc = collect();
    const before = process.memoryUsage();
    await br.addFlows(text);
    text = undefined;
    collect();
    const after = process.memoryUsage();
    if (br.flows.list().length !== FLOW_MOD_RULES) throw new Error('not every flow was installed');
    const perRule = (after.rss - before.rss) / FLOW_MOD_RULES;
    log(
      `rss ${(before.rss / 1e6).toFixed(0)} → ${(after.rss / 1e6).toFixed(0)} MB, JS heap ${(before.heapUsed / 1e6).toFixed(0)} → ` +
        `${(after.heapUsed / 1e6).toFixed(0)} MB${gc ? '' : ' (no GC available)'}`,
    );
    return {
      'rss growth': (after.rss - before.rss) / 1e6,
      'per rule': perRule,
      'JS heap growth': (after.heapUsed - before.heapUsed) / 1e6,
    };
  } finally {
    await sw.close();
  }
}

function ovsMemory(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  return withOvsFlowsFile(topo, topo.lab.name('omo'), flowModFile(), async (ovs, file) => {
    const before = ovs.rss();
    await ovs.ofctl(['add-flows', file], 300_000);
    const after = ovs.rss();
    log(`ovs-vswitchd rss ${(before / 1e6).toFixed(0)} → ${(after / 1e6).toFixed(0)} MB`);
    return { 'rss growth': (after - before) / 1e6, 'per rule': (after - before) / FLOW_MOD_RULES };
  });
}

const memoryMeasured = new Set<ModeName>();

export const memoryPerRule: Scenario = {
  name: 'memory-per-rule',
  metrics: [
    { name: 'rss growth', unit: 'MB/100k rules', digits: 1 },
    { name: 'per rule', unit: 'B', digits: 0 },
    { name: 'JS heap growth', unit: 'MB', digits: 1 },
  ],
  tools: [],
  note:
    'nodeswitch: process RSS before and after one addFlows of the flow-mod-rate file, each after a full GC (the text ' +
    'dropped). ovs: ovs-vswitchd VmRSS before and after ovs-ofctl add-flows of the same file into a fresh bridge. ' +
    'Both processes live through the whole bench and reuse what earlier runs freed, so this is measured once, in the ' +
    'first run, before the other OpenFlow scenarios. No Linux-bridge figures.',
  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'linux-bridge' || mode === 'skip') return {};
    if (memoryMeasured.has(mode)) {
      log('measured in the first run only: later runs would reuse memory the earlier ones freed');
      return {};
    }
    memoryMeasured.add(mode);
    return mode === 'nodeswitch' ? nodeswitchMemory(topo, log) : maybeOvs(() => ovsMemory(topo, log), log);
  },
};
