// add-flows-cli: the flow-mod-rate scenario's 100k rules through the command line,
// end to end — `nodeswitch add-flows BR FILE` against a daemon of its own (a private
// socket and DB in a temp directory): the CLI process starting, the file sent as the
// request's body, the daemon's parse, checks and install, the config DB written,
// the answer. Reference (ovs column): `ovs-ofctl -O OpenFlow13 add-flows` of the
// same file into a bridge of the ovs round's ovs-vswitchd (bench/ovs-reference.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { run, sleep } from '../test/lab/index.js';
import { FLOW_MOD_RULES, flowModFile } from './flow-mod-rate.js';
import { attachedMode } from './mem-bridges.js';
import { maybeOvs, withOvsFlowsFile } from './ovs-reference.js';
import { startBackground } from './proc.js';
import type { Scenario } from './scenario.js';
import type { Topology } from './topology.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'nodeswitch.js');

function listening(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(sock);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function nodeswitchCli(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'nodeswitch-bench-cli-'));
  const sock = join(dir, 'ns.sock');
  const db = join(dir, 'db.json');
  const file = join(dir, 'flows.txt');
  writeFileSync(file, flowModFile());
  const cli = (args: string[]) => run([process.execPath, BIN, ...args, '--sock', sock, '--db', db, '--timeout', '300'], { timeoutMs: 300_000 });
  const daemon = startBackground([process.execPath, BIN, 'daemon', '--sock', sock, '--db', db], { daemon: true });
  try {
    for (let i = 0; !(await listening(sock)); i++) {
      if (!daemon.running() || i > 150) throw new Error(`the daemon did not start: ${daemon.stderr().trim()}`);
      await sleep(100);
    }
    const br = topo.lab.name('afc');
    await cli(['add-br', br]);
    // The CLI's own start (node, the modules, one round trip) is part of what a user waits for: timed too, apart.
    let t0 = performance.now();
    await cli(['list-br']);
    const startMs = performance.now() - t0;
    t0 = performance.now();
    await cli(['add-flows', br, file]);
    const totalMs = performance.now() - t0;
    const dumped = (await cli(['dump-flows', br])).stdout.split('\n').filter(Boolean).length;
    if (dumped !== FLOW_MOD_RULES + 1) throw new Error(`dump-flows shows ${dumped} flows, not ${FLOW_MOD_RULES + 1}`);
    t0 = performance.now();
    await cli(['add-flow', br, 'table=1,priority=7,udp,tp_dst=4789,actions=drop']);
    const oneMs = performance.now() - t0;
    log(`add-flows ${totalMs.toFixed(0)} ms (a CLI start and list-br alone: ${startMs.toFixed(0)} ms); one add-flow at 100k flows ${oneMs.toFixed(0)} ms`);
    return {
      'add-flows': (FLOW_MOD_RULES / totalMs) * 1000,
      'total time': totalMs / 1000,
      'one more flow': oneMs,
    };
  } finally {
    await daemon.stop('SIGTERM', 10_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function ovsCli(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  return withOvsFlowsFile(topo, topo.lab.name('afo'), flowModFile(), async (ovs, file) => {
    let t0 = performance.now();
    await ovs.ofctl(['add-flows', file], 300_000);
    const totalMs = performance.now() - t0;
    const count = await ovs.flowCount();
    if (count !== FLOW_MOD_RULES) throw new Error(`OVS holds ${count} flows after add-flows, not ${FLOW_MOD_RULES}`);
    t0 = performance.now();
    await ovs.ofctl(['add-flow', 'table=1,priority=7,udp,tp_dst=4789,actions=drop']);
    const oneMs = performance.now() - t0;
    log(`ovs-ofctl add-flows ${totalMs.toFixed(0)} ms; one add-flow at 100k flows ${oneMs.toFixed(0)} ms`);
    return { 'add-flows': (FLOW_MOD_RULES / totalMs) * 1000, 'total time': totalMs / 1000, 'one more flow': oneMs };
  });
}

export const addFlowsCli: Scenario = {
  name: 'add-flows-cli',
  metrics: [
    { name: 'add-flows', unit: 'rules/s', digits: 0 },
    { name: 'total time', unit: 's', digits: 2 },
    { name: 'one more flow', unit: 'ms', digits: 0 },
  ],
  tools: [],
  note:
    `${FLOW_MOD_RULES / 1000}k distinct rules in one file. nodeswitch: 'nodeswitch add-flows BR FILE' against a daemon ` +
    'of its own, timed from the CLI process start to its exit (the daemon parses, checks, installs and writes its ' +
    "config DB before it answers); 'one more flow' is one add-flow after them (a journal record, not a DB rewrite). " +
    "ovs: 'ovs-ofctl -O OpenFlow13 add-flows' of the same file into a fresh bridge of the ovs round's ovs-vswitchd, " +
    'then one add-flow. No Linux-bridge figures.',
  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'nodeswitch') return nodeswitchCli(topo, log);
    if (mode === 'ovs') return maybeOvs(() => ovsCli(topo, log), log);
    return {};
  },
};
