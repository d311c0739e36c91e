// forward-bond-64: forward-afpacket-64's measurement (trafgen, 64-byte frames, the
// receiver's rx_packets) where the receiver sits behind an active-backup bond:
//
//   [ka: eth0] ── veth ── nodeswitch ══ bond (m1 active, m2 backup) ══ two veths ══ [kb: eth0, eth1]
//
// NORMAL learns kb's MAC on the bond (from a ping's replies) and every frame leaves by
// the active member, whose far end is kb's eth0. kb has no bond of its own: this
// kernel has no bonding module, and an active-backup bond needs no partner.
// nodeswitch and ovs runs also take the plain afpacket figure (forward-afpacket-64's
// path over the topology's veths) in the same round, so the row shows what the bond
// costs beside it: "bond / plain". The ovs column is Open vSwitch's userspace datapath
// with an active-backup bond of its own on the same veths (bond-primary: the first
// member), a bridge added to the ovs mode's running ovs-vswitchd. linux-bridge has no
// bond here (no bonding module): its column is the plain veth path, as in forward-tap-64.
import { waitFor } from '../test/lab/index.js';
import { FORWARD_METRICS, forwardMetrics, measureForward, type ForwardPath, TRAFGEN, vethPath } from './forward.js';
import type { Scenario } from './scenario.js';
import { attachedMode, attachedOvs, type Topology } from './topology.js';

const A = { host: 'ka', ip: '10.76.0.1' };
const B = { host: 'kb', ip: '10.76.0.2' };
const SINK_IP = '10.76.0.99';

async function ensureHosts(topo: Topology): Promise<void> {
  const { lab } = topo;
  if (lab.hostNames().includes(A.host)) return;
  await lab.addHost(A.host);
  await lab.addHost(B.host);
  await lab.addVethHost(A.host, `${A.ip}/24`, { rootName: lab.name('ka0') });
  await lab.addVethHost(B.host, `${B.ip}/24`, { rootName: lab.name('kb1'), ifname: 'eth0' });
  await lab.addVethHost(B.host, null, { rootName: lab.name('kb2'), ifname: 'eth1' });
}

async function waitAcross(topo: Topology): Promise<ForwardPath> {
  await waitFor(async () => (await topo.exec(A.host, ['ping', '-n', '-c', '1', '-W', '1', B.ip], 5000)).code === 0, {
    timeoutMs: 10_000,
    intervalMs: 200,
    what: `ping ${A.host} → ${B.ip} across the bond`,
  });
  return {
    from: { host: A.host, mac: await topo.lab.mac(A.host), ip: A.ip },
    to: { host: B.host, mac: await topo.lab.mac(B.host) },
    sinkIp: SINK_IP,
  };
}

/** The same path through Open vSwitch: a bridge of its own with an active-backup bond. */
async function overOvsBond(topo: Topology, log: (line: string) => void): Promise<Record<string, number>> {
  const ovs = attachedOvs(topo)!;
  const { lab } = topo;
  await ensureHosts(topo);
  const name = lab.name('obond');
  try {
    await ovs.addBridge(name, [lab.name('ka0')]);
    await ovs.addActiveBackupBond(name, 'bond0', [lab.name('kb1'), lab.name('kb2')]);
    return forwardMetrics(await measureForward(topo, log, await waitAcross(topo), 60));
  } finally {
    await ovs.deleteBridge(name);
  }
}

async function overBond(topo: Topology, log: (line: string) => void, bare: boolean): Promise<Record<string, number>> {
  const { lab } = topo;
  await ensureHosts(topo);
  const { Switch } = await import('../src/switch.js');
  const sw = new Switch();
  try {
    const br = sw.addBridge(lab.name('bond'));
    await br.addPort(lab.name('ka0'));
    await br.addBond(lab.name('kbb'), [lab.name('kb1'), lab.name('kb2')], { mode: 'active-backup' });
    if (bare) await br.setBareForward(true);
    const m = await measureForward(topo, log, await waitAcross(topo), 60);
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
    'nodeswitch(-bare) and ovs: a bridge of its own, the receiver behind an active-backup bond of two veths; in the same ' +
    "round the plain afpacket path (forward-afpacket-64's veths) is measured again, and 'bond / plain' is their ratio. " +
    'linux-bridge: no bond (this kernel has no bonding module) — its column is the plain veth path.',

  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'linux-bridge' || mode === undefined) {
      return { ...forwardMetrics(await measureForward(topo, log, vethPath(topo), 60)), 'plain afpacket received': NaN, 'bond / plain': NaN };
    }
    const bond = mode === 'ovs' ? await overOvsBond(topo, log) : await overBond(topo, log, mode === 'nodeswitch-bare');
    const plain = forwardMetrics(await measureForward(topo, log, vethPath(topo), 60));
    return { ...bond, 'plain afpacket received': plain.received!, 'bond / plain': bond.received! / plain.received! };
  },
};
