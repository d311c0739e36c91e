// forward-during-flow-mods: does forwarding lose frames while flow-mods land? Host a
// sends RATE_PPS 64-byte frames to b for WINDOW_S seconds, twice in the same round:
// once quiet, once while 10k flow-mods a second (batches of BATCH every 100 ms, rules
// that match none of the traffic but sit above NORMAL in its table, so every batch
// revalidates the cached path) go into the switch. Counted: frames a sent (eth0
// tx_packets) and b received (eth0 rx_packets). nodeswitch: Bridge.addFlows on the
// bench's own bridge; ovs: `ovs-ofctl add-flows` of a BATCH-rule file into the ovs
// fabric's bridge (one ovs-ofctl process per batch: its start is part of its cost).
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sleep } from '../test/lab/index.js';
import { trafgenPacket, TRAFGEN, vethPath } from './forward.js';
import type { Scenario } from './scenario.js';
import { attachedMode, nodeswitchBridge, type Topology } from './topology.js';

const RATE_PPS = 100_000;
const WINDOW_S = 4;
const BATCH = 1000;
const BATCH_EVERY_MS = 100;

function batchText(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const k = n * BATCH + i;
    lines.push(`priority=100,tcp,nw_src=10.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255},tp_dst=80,actions=drop`);
  }
  return lines.join('\n') + '\n';
}

/** What lands the batches: nodeswitch's bridge, or ovs-ofctl on the ovs fabric's bridge. */
type Lander = { add(text: string): Promise<void>; clear(): Promise<void> };

function ovsLander(topo: Topology): Lander {
  const name = topo.lab.name('ovs');
  const dir = readdirSync(tmpdir())
    .filter((d) => d.startsWith('nodeswitch-bench-ovs-'))
    .map((d) => join(tmpdir(), d))
    .find((d) => existsSync(join(d, `${name}.mgmt`)));
  if (dir === undefined) throw new Error(`cannot find the ovs fabric's run directory (bridge ${name})`);
  const mgmt = `unix:${join(dir, `${name}.mgmt`)}`;
  const file = join(dir, 'nodeswitch-flow-mods.txt');
  return {
    async add(text) {
      writeFileSync(file, text);
      await run(['ovs-ofctl', '-O', 'OpenFlow13', 'add-flows', mgmt, file], { timeoutMs: 60_000 });
    },
    async clear() {
      await run(['ovs-ofctl', '-O', 'OpenFlow13', 'del-flows', mgmt, 'tcp,tp_dst=80'], { timeoutMs: 60_000 });
      rmSync(file, { force: true });
    },
  };
}

function lander(topo: Topology): Lander | undefined {
  const mode = attachedMode(topo);
  if (mode === 'ovs') return ovsLander(topo);
  if (mode !== 'nodeswitch') return undefined;
  const br = nodeswitchBridge(topo);
  if (!br) throw new Error('the nodeswitch fabric has no bridge attached');
  return {
    add: async (text) => void (await br.addFlows(text)),
    clear: async () => void (await br.delFlows('tcp,tp_dst=80')),
  };
}

/** Frames a sent and b received over one trafgen run; with `during`, run beside it. */
async function sendCounted(topo: Topology, during?: () => Promise<void>): Promise<{ sent: number; got: number }> {
  const { lab } = topo;
  const path = vethPath(topo);
  const before = await Promise.all([lab.counters(path.from.host, 'eth0'), lab.counters(path.to.host, 'eth0')]);
  const packet = trafgenPacket(path.to.mac, path.from.mac, path.from.ip, path.sinkIp, 60);
  const gen = topo.spawn(path.from.host, [
    'trafgen', '--dev', 'eth0', '--cpus', '1', '--no-sock-mem', '--notouch-irq', '--no-cpu-stats',
    '--rate', `${RATE_PPS}pps`, '--num', String(RATE_PPS * WINDOW_S), packet,
  ]);
  const side = during?.();
  await gen.exited;
  await side;
  await sleep(300); // frames still in rings and backlogs
  const after = await Promise.all([lab.counters(path.from.host, 'eth0'), lab.counters(path.to.host, 'eth0')]);
  return { sent: after[0].txPackets - before[0].txPackets, got: after[1].rxPackets - before[1].rxPackets };
}

export const forwardFlowMods: Scenario = {
  name: 'forward-during-flow-mods',
  metrics: [
    { name: 'lost, quiet', unit: 'frames', digits: 0 },
    { name: 'lost, flow-mods', unit: 'frames', digits: 0 },
    { name: 'delivered, flow-mods', unit: '%', digits: 2 },
    { name: 'flow-mods landed', unit: 'rules/s', digits: 0 },
  ],
  tools: TRAFGEN,
  note:
    `${RATE_PPS / 1000}k pps of 64-byte frames a → b for ${WINDOW_S} s, quiet, then while batches of ${BATCH} rules ` +
    `go in every ${BATCH_EVERY_MS} ms (10k/s asked; 'flow-mods landed' is what the switch took, wall clock), rules ` +
    'above NORMAL that match none of the traffic. Lost = sent (a eth0 tx) − received (b eth0 rx). nodeswitch: ' +
    "Bridge.addFlows; ovs: one 'ovs-ofctl add-flows' per batch. No Linux-bridge figures.",
  async run(topo, log): Promise<Record<string, number>> {
    const land = lander(topo);
    if (!land) return {};
    await topo.waitConnected();
    const quiet = await sendCounted(topo);
    let batches = 0;
    let landMs = 0;
    const loaded = await sendCounted(topo, async () => {
      const t0 = performance.now();
      while (performance.now() - t0 < WINDOW_S * 1000) {
        const next = t0 + (batches + 1) * BATCH_EVERY_MS;
        await land.add(batchText(batches++));
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
      }
      landMs = performance.now() - t0;
    });
    await land.clear();
    log(`quiet: sent ${quiet.sent}, received ${quiet.got}; flow-mods: sent ${loaded.sent}, received ${loaded.got}, ${batches} batches in ${landMs.toFixed(0)} ms`);
    return {
      'lost, quiet': quiet.sent - quiet.got,
      'lost, flow-mods': loaded.sent - loaded.got,
      'delivered, flow-mods': loaded.sent > 0 ? (100 * loaded.got) / loaded.sent : NaN,
      'flow-mods landed': (batches * BATCH * 1000) / landMs,
    };
  },
};
