// forward-tap-64: forward-afpacket-64's measurement (trafgen, 64-byte frames, the
// receiver's rx_packets) where the two hosts reach nodeswitch through TAP ports the
// switch owns instead of veths:
//
//   [ta: eth0 = TAP 10.79.0.1] ══ fd ══ nodeswitch ══ fd ══ [tb: eth0 = TAP 10.79.0.2]
//
// Each nodeswitch(-bare) run makes a switch of its own with two TAP ports, moves the
// TAPs into two hosts of their own (renamed eth0), runs, and closes the switch, which
// takes the TAPs with it. The bridge attached to the topology's veths meanwhile sits
// idle. The references cannot use TAPs: a TAP with no reader has no carrier, so a
// Linux bridge (or OVS) over two `ip tuntap` devices forwards nothing. Their column is
// the forward-afpacket-64 path instead — the same hosts-and-veths measurement — so the
// ratio reads "nodeswitch over TAPs against the reference over veths".
import { waitFor } from '../test/lab/index.js';
import { FORWARD_METRICS, forwardMetrics, measureForward, type ForwardPath, TRAFGEN, vethPath } from './forward.js';
import type { Scenario } from './scenario.js';
import { attachedMode, type Topology } from './topology.js';

const HOSTS = [
  { host: 'ta', ip: '10.79.0.1', tap: 'ta0' },
  { host: 'tb', ip: '10.79.0.2', tap: 'tb0' },
] as const;
const SINK_IP = '10.79.0.99';

async function ensureHosts(topo: Topology): Promise<void> {
  const have = topo.lab.hostNames();
  for (const h of HOSTS) if (!have.includes(h.host)) await topo.lab.addHost(h.host);
}

async function overTaps(topo: Topology, log: (line: string) => void, bare: boolean): Promise<Record<string, number>> {
  await ensureHosts(topo);
  const { Switch } = await import('../src/switch.js');
  const sw = new Switch();
  try {
    const br = sw.addBridge(topo.lab.name('tap'));
    for (const h of HOSTS) {
      const tap = topo.lab.name(h.tap);
      await br.addPort(tap, { type: 'tap' });
      await topo.lab.moveIntoHost(tap, h.host, `${h.ip}/24`, { ifname: 'eth0' });
    }
    if (bare) await br.setBareForward(true);
    const [a, b] = HOSTS;
    await waitFor(async () => (await topo.exec(a.host, ['ping', '-n', '-c', '1', '-W', '1', b.ip], 5000)).code === 0, {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: `ping ${a.host} → ${b.ip} over the TAPs`,
    });
    const path: ForwardPath = {
      from: { host: a.host, mac: await topo.lab.mac(a.host), ip: a.ip },
      to: { host: b.host, mac: await topo.lab.mac(b.host) },
      sinkIp: SINK_IP,
    };
    const m = await measureForward(topo, log, path, 60);
    const s = await br.portStats();
    log(s.map((p) => `${p.name}: in ${p.rxPackets} (dropped ${p.rxDropped}), out ${p.txPackets} (dropped ${p.txDropped})`).join('; '));
    return forwardMetrics(m);
  } finally {
    await sw.close(); // the TAPs go with their file descriptors
  }
}

export const forwardTap: Scenario = {
  name: 'forward-tap-64',
  metrics: FORWARD_METRICS,
  tools: TRAFGEN,
  note:
    'nodeswitch and nodeswitch-bare: two TAP ports the switch creates, moved into two hosts of their own, trafgen on ' +
    "one TAP; the switch reads and writes the TAPs' file descriptors, so the receiving host's stack runs on the " +
    "switch's core. linux-bridge and ovs: NOT over TAPs (a TAP with no reader has no carrier) — their column is the " +
    'forward-afpacket-64 measurement over veths, taken again in this row.',

  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'nodeswitch' || mode === 'nodeswitch-bare') return overTaps(topo, log, mode === 'nodeswitch-bare');
    return forwardMetrics(await measureForward(topo, log, vethPath(topo), 60));
  },
};
