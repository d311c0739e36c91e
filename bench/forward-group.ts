// forward-group-64: forward-afpacket-64's measurement (trafgen, 64-byte frames, the
// receiver's rx_packets) through an OpenFlow select group of two ports, beside the
// same switch forwarding with a plain output:N, in the same round on the same hosts:
//
//   [ga: eth0 10.81.0.1] ── veth ── <nodeswitch> ── veth ── [gb: eth0 10.81.0.2]
//                                         └──────── veth ── [gc: eth0 10.81.0.3]
//
// Flows: in_port=ga,actions=output:gb (the reference), then
// in_port=ga,actions=group:1 with group 1 select, buckets output:gb and output:gc.
// trafgen sends one UDP flow, so the select group sends all of it by one bucket (the
// hash of its 5-tuple); a short probe run finds which, and that host is the receiver
// measured. What the figure shows is the cost of the group in the cached program: a
// megaflow whose ops are the bucket's (the choice was made at translation). Only the
// nodeswitch round measures (the other modes print NaN).
import type { Scenario } from './scenario.js';
import { FORWARD_METRICS, forwardMetrics, measureForward, trafgenPacket, TRAFGEN } from './forward.js';
import { attachedMode, type Topology } from './topology.js';
import { waitFor } from '../test/lab/index.js';

const HOSTS = { ga: '10.81.0.1', gb: '10.81.0.2', gc: '10.81.0.3' } as const;
const SINK_IP = '10.81.0.99';

const veths = new WeakMap<Topology, Record<keyof typeof HOSTS, string>>();

async function ensureHosts(topo: Topology): Promise<Record<keyof typeof HOSTS, string>> {
  const have = veths.get(topo);
  if (have) return have;
  const made = {} as Record<keyof typeof HOSTS, string>;
  for (const [h, ip] of Object.entries(HOSTS) as [keyof typeof HOSTS, string][]) {
    await topo.lab.addHost(h);
    made[h] = await topo.lab.addVethHost(h, `${ip}/24`);
  }
  veths.set(topo, made);
  return made;
}

async function measureTo(topo: Topology, log: (line: string) => void, to: 'gb' | 'gc'): Promise<Record<string, number>> {
  const path = { from: { host: 'ga', mac: await topo.lab.mac('ga'), ip: HOSTS.ga }, to: { host: to, mac: await topo.lab.mac(to) }, sinkIp: SINK_IP };
  return forwardMetrics(await measureForward(topo, log, path, 60));
}

async function nodeswitch(topo: Topology, log: (line: string) => void): Promise<Record<string, number>> {
  const v = await ensureHosts(topo);
  const { Switch } = await import('../src/switch.js');
  const sw = new Switch();
  try {
    const br = sw.addBridge(topo.lab.name('grp'), { defaultFlows: false });
    await br.addPort(v.ga, { ofport: 1 });
    await br.addPort(v.gb, { ofport: 2 });
    await br.addPort(v.gc, { ofport: 3 });
    // ARP and the reverse direction by NORMAL; ga's frames by the rule under test.
    await br.addFlows('priority=0,actions=NORMAL\npriority=10,in_port=1,udp,actions=output:2');
    await waitFor(async () => (await topo.exec('ga', ['ping', '-n', '-c', '1', '-W', '1', HOSTS.gb], 5000)).code === 0, {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: `ping ga → ${HOSTS.gb}`,
    });
    const plain = await measureTo(topo, log, 'gb');
    await br.addGroup('group_id=1,type=select,bucket=output:2,bucket=output:3');
    await br.modFlows('priority=10,in_port=1,udp,actions=group:1', { strict: true });
    // Which bucket trafgen's one flow hashes to: a probe of 1000 frames.
    const probe = topo.spawn('ga', [
      'trafgen', '--dev', 'eth0', '--cpus', '1', '--no-sock-mem', '--notouch-irq', '--no-cpu-stats', '--num', '1000',
      trafgenPacket(await topo.lab.mac('gb'), await topo.lab.mac('ga'), HOSTS.ga, SINK_IP, 60),
    ]);
    await probe.exited;
    const [stats] = await br.groupStats(1);
    const bucket = stats!.buckets[0]!.packetCount >= stats!.buckets[1]!.packetCount ? 0 : 1;
    const to = bucket === 0 ? 'gb' : 'gc';
    log(`trafgen's flow takes bucket ${bucket} (${to}); probe counts ${stats!.buckets.map((b) => b.packetCount).join('/')}`);
    const grouped = await measureTo(topo, log, to);
    const [after] = await br.groupStats(1);
    log(`group 1: ${after!.packetCount} packets`);
    return {
      ...grouped,
      'received with output:N': plain.received!,
      'select group / output:N': (100 * grouped.received!) / plain.received!,
    };
  } finally {
    await sw.close();
  }
}

export const forwardGroup: Scenario = {
  name: 'forward-group-64',
  metrics: [
    ...FORWARD_METRICS,
    { name: 'received with output:N', unit: 'Mpps', digits: 3 },
    { name: 'select group / output:N', unit: '%', digits: 1 },
  ],
  tools: TRAFGEN,
  note:
    'three hosts of its own (ga → gb or gc); the flow outputs through a select group of two ports (group:1), beside ' +
    "the same switch and hosts in the same round with output:2 ('received with output:N'). trafgen's one UDP flow " +
    'takes one bucket (found by a probe). nodeswitch only; the other modes: NaN.',

  async run(topo, log) {
    if (attachedMode(topo) === 'nodeswitch') return nodeswitch(topo, log);
    return Object.fromEntries(this.metrics.map((m) => [m.name, NaN]));
  },
};
