// forward-vlan-access-64 and forward-vlan-trunk-pop-64: forward-afpacket-64's
// measurement (trafgen, 64-byte frames, the receiver's rx_packets, bench/forward.ts)
// with VLANs on the topology's two ports, set on the switch of the round:
//
//   access      both ports access ports of VLAN 10 (tag=10): NORMAL learns and looks
//               up in VLAN 10, frames go out as they came (untagged)
//   trunk-pop   a's port a trunk of VLAN 10 (trunks=10), b's an access port of VLAN
//               10; a sends 802.1Q-tagged frames (trafgen writes the tag; no 8021q
//               in this kernel), the switch pops the tag on the way to b
//
// In the same round, on the same veths and switch, the plain forward-afpacket-64
// figure (no VLAN settings) is taken first: 'plain received' and 'VLAN / plain' are
// the cost of the VLAN work in that switch. ovs: the same Port tag/trunks through
// ovs-vsctl. linux-bridge: this kernel's bridge has no vlan_filtering ("Operation not
// supported"), so its column is plain forwarding, and says so. nodeswitch-bare
// ignores VLANs (no lookup at all): its column is the I/O ceiling as in every row.
import { FORWARD_METRICS, forwardMetrics, measureForward, TRAFGEN, vethPath } from './forward.js';
import type { Scenario } from './scenario.js';
import { attachedMode, attachedVlanSetter, type Topology } from './topology.js';

const VLAN = 10;

const METRICS: Scenario['metrics'] = [
  ...FORWARD_METRICS,
  { name: 'plain received', unit: 'Mpps', digits: 3 },
  { name: 'VLAN / plain', unit: 'x', digits: 2 },
];

async function withVlans(topo: Topology, log: (line: string) => void, trunkPop: boolean): Promise<Record<string, number>> {
  const plain = await measureForward(topo, log, vethPath(topo), 60);
  const set = attachedVlanSetter(topo);
  const mode = attachedMode(topo);
  if (!set || mode === 'nodeswitch-bare') {
    if (mode === 'linux-bridge') log('linux-bridge: no vlan_filtering in this kernel: plain forwarding only');
    return { ...forwardMetrics(plain), 'plain received': plain.rxPps / 1e6, 'VLAN / plain': NaN };
  }
  const [pa, pb] = topo.ports;
  try {
    await set(pa, trunkPop ? { trunks: [VLAN] } : { tag: VLAN });
    await set(pb, { tag: VLAN });
    const path = { ...vethPath(topo), ...(trunkPop && { vlan: VLAN }) };
    const m = await measureForward(topo, log, path, 60);
    return { ...forwardMetrics(m), 'plain received': plain.rxPps / 1e6, 'VLAN / plain': plain.rxPps > 0 ? m.rxPps / plain.rxPps : NaN };
  } finally {
    await set(pa, {});
    await set(pb, {});
  }
}

const NOTE =
  "'plain received' is forward-afpacket-64 on the same switch in the same round, 'VLAN / plain' the ratio. " +
  'linux-bridge: no vlan_filtering in this kernel, so plain forwarding only; nodeswitch-bare: no VLAN work at all (the I/O ceiling). ' +
  'ovs: the same tag/trunks on its Ports.';

export const forwardVlanAccess: Scenario = {
  name: 'forward-vlan-access-64',
  metrics: METRICS,
  tools: TRAFGEN,
  note: NOTE,
  run: (topo, log) => withVlans(topo, log, false),
};

export const forwardVlanTrunkPop: Scenario = {
  name: 'forward-vlan-trunk-pop-64',
  metrics: METRICS,
  tools: TRAFGEN,
  note: `a's port trunks=10 and a sends tagged frames; b's port tag=10 (the switch pops the tag). ${NOTE}`,
  run: (topo, log) => withVlans(topo, log, true),
};
