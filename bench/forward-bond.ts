// forward-bond-64: forward-afpacket-64's measurement (trafgen, 64-byte frames, the
// receiver's rx_packets) where the receiver sits behind an active-backup bond:
//
//   [ka: eth0] ── veth ── nodeswitch ══ bond (m1 active, m2 backup) ══ two veths ══ [kb: eth0, eth1]
//
// NORMAL learns kb's MAC on the bond (from a ping's replies) and every frame leaves by
// the active member, whose far end is kb's eth0. kb has no bond of its own: this
// kernel has no bonding module, and an active-backup bond needs no partner.
// nodeswitch runs also take the plain afpacket figure (forward-afpacket-64's path over
// the topology's veths) in the same round, so the row shows what the bond costs
// beside it: "bond / plain". The references (linux-bridge, ovs) have no bond here;
// their column is the plain veth path, as in forward-tap-64.
import { waitFor } from '../test/lab/index.js';
import { FORWARD_METRICS, forwardMetrics, measureForward, type ForwardPath, TRAFGEN, vethPath } from './forward.js';
import type { Scenario } from './scenario.js';
import { attachedMode, type Topology } from './topology.js';

const A = { host: 'ka', ip: '10.76.0.1' };
const B = { host: 'kb', ip: '10.76.0.2' };
const SINK_IP = '10.76.0.99';

async function overBond(topo: Topology, log: (line: string) => void, bare: boolean): Promise<Record<string, number>> {
  const { lab } = topo;
  const have = lab.hostNames();
  if (!have.includes(A.host)) {
    await lab.addHost(A.host);
    await lab.addHost(B.host);
    await lab.addVethHost(A.host, `${A.ip}/24`, { rootName: lab.name('ka0') });
    await lab.addVethHost(B.host, `${B.ip}/24`, { rootName: lab.name('kb1'), ifname: 'eth0' });
    await lab.addVethHost(B.host, null, { rootName: lab.name('kb2'), ifname: 'eth1' });
  }
  const { Switch } = await import('../src/switch.js');
  const sw = new Switch();
  try {
    const br = sw.addBridge(lab.name('bond'));
    await br.addPort(lab.name('ka0'));
    await br.addBond(lab.name('kbb'), [lab.name('kb1'), lab.name('kb2')], { mode: 'active-backup' });
    if (bare) await br.setBareForward(true);
    await waitFor(async () => (await topo.exec(A.host, ['ping', '-n', '-c', '1', '-W', '1', B.ip], 5000)).code === 0, {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: `ping ${A.host} → ${B.ip} across the bond`,
    });
    const path: ForwardPath = {
      from: { host: A.host, mac: await lab.mac(A.host), ip: A.ip },
      to: { host: B.host, mac: await lab.mac(B.host) },
      sinkIp: SINK_IP,
    };
    const m = await measureForward(topo, log, path, 60);
    const [bond] = await br.bonds();
    log(bond!.members.map((x) => `${x.name}${x.active ? ' (active)' : ''}: out ${x.txPackets}`).join('; '));
    return forwardMetrics(m);
  } finally {
    await sw.close();
  }
}

export const forwardBond: Scenario = {
  name: 'forward-bond-64',
  metrics: [...FORWARD_METRICS, { name: 'plain afpacket received', unit: 'Mpps', digits: 3 }, { name: 'bond / plain', unit: '×', digits: 2 }],
  tools: TRAFGEN,
  note:
    'nodeswitch(-bare): a switch of its own, the receiver behind an active-backup bond of two veths; in the same round ' +
    "the plain afpacket path (forward-afpacket-64's veths) is measured again, and 'bond / plain' is their ratio. " +
    'linux-bridge and ovs: no bond — their column is the plain veth path.',

  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode !== 'nodeswitch' && mode !== 'nodeswitch-bare') {
      return { ...forwardMetrics(await measureForward(topo, log, vethPath(topo), 60)), 'plain afpacket received': NaN, 'bond / plain': NaN };
    }
    const bond = await overBond(topo, log, mode === 'nodeswitch-bare');
    const plain = forwardMetrics(await measureForward(topo, log, vethPath(topo), 60));
    return { ...bond, 'plain afpacket received': plain.received!, 'bond / plain': bond.received! / plain.received! };
  },
};
