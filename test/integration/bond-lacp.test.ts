// Bonds with LACP against a real partner. The issue asks for the Linux kernel's
// bonding driver (mode 802.3ad) as the partner, but this kernel has no bonding
// module ("Unknown device type"), so the partner is Open vSwitch's userspace
// datapath with a bond port, in a namespace of its own (test/lab/ovs-netdev.ts):
//
//   ha ── our bridge ══ bond (b1, b2) ══ veth pairs ══ OVS bond0 (o1, o2) ── OVS br0 ── hb
//
// LACP comes up on both sides (OVS's lacp/show and our bondShow say negotiated,
// both members attached and enabled), ping and iperf3 cross it, and deleting one
// veth pair under a running iperf3 keeps the TCP session alive.
import { afterEach, expect } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import type { Switch } from '../../src/switch.js';
import { Lab, sleep, waitFor } from '../lab/index.js';
import { OvsNetdev } from '../lab/ovs-netdev.js';
import { ADDON, needs, OVS, ROOT, tool } from '../needs.js';

const bondTests = needs(ROOT, ADDON, OVS, tool('iperf3', 'iperf3'));

interface Topo {
  lab: Lab;
  sw: Switch;
  br: Bridge;
  ovs: OvsNetdev;
  members: [string, string];
}

bondTests.describe('bond with LACP, Open vSwitch (netdev datapath) as the partner', () => {
  let held: Partial<Topo> = {};
  afterEach(async () => {
    try {
      await held.sw?.close();
      await held.ovs?.stop();
    } finally {
      await held.lab?.cleanup();
      held = {};
    }
  });

  async function build(mode: 'balance-tcp' | 'active-backup'): Promise<Topo> {
    const { Switch } = await import('../../src/switch.js');
    const lab = new Lab();
    held.lab = lab;
    const ovsNs = await lab.addHost('ovs');
    const members: [string, string] = [lab.name('b1'), lab.name('b2')];
    // Each member: a veth pair, our end in the root namespace, OVS's (o1, o2) in its namespace.
    for (const [i, m] of members.entries()) await lab.addVethHost('ovs', null, { ifname: `o${i + 1}`, rootName: m });
    await lab.addHost('hb');
    await lab.moveIntoHost(await lab.addVethHost('hb', '10.81.0.2/24'), 'ovs', null, { ifname: 'hbport' });
    await lab.addHost('ha');
    const haPort = await lab.addVethHost('ha', '10.81.0.1/24');

    const ovs = await OvsNetdev.start(ovsNs);
    held.ovs = ovs;
    await ovs.addBridge('br0', ['hbport']);
    await ovs.addBond('br0', 'bond0', ['o1', 'o2'], { mode, lacp: 'active', lacpTime: 'fast' });

    const sw = new Switch();
    held.sw = sw;
    const br = sw.addBridge(lab.name('br'));
    await br.addPort(haPort);
    await br.addBond('bond0', members, { mode, lacp: 'active', lacpTime: 'fast' });
    return Object.assign(held, { lab, sw, br, ovs, members }) as Topo;
  }

  async function negotiated(t: Topo): Promise<void> {
    await waitFor(
      async () => {
        const [ours] = await t.br.bonds();
        const theirs = (await t.ovs.appctl(['lacp/show', 'bond0'])).stdout;
        return (
          ours?.negotiated === true &&
          ours.members.every((m) => m.enabled && m.lacp?.attached && m.lacp.status === 'current') &&
          /status: active negotiated/.test(theirs) &&
          (theirs.match(/: current attached/g) ?? []).length === 2
        );
      },
      { timeoutMs: 20_000, intervalMs: 250, what: 'LACP negotiated on both sides' },
    );
  }

  bondTests.it(
    'balance-tcp: LACP negotiates on both sides, ping and iperf3 cross, and a member deleted under iperf3 keeps it alive',
    async () => {
      const t = await build('balance-tcp');
      await negotiated(t);

      // Both sides see each other: OVS's partner is our system ID and key, and ours is OVS's.
      const [bond] = await t.br.bonds();
      const lacpShow = (await t.ovs.appctl(['lacp/show', 'bond0'])).stdout;
      expect(lacpShow).toContain(`partner sys_id: ${bond!.sysId}`);
      expect(lacpShow).toContain(`partner key: ${bond!.key}`);
      const ovsSysId = /^\s*sys_id: ([0-9a-f:]{17})/m.exec(lacpShow)?.[1];
      expect(ovsSysId).toBeDefined();
      for (const m of bond!.members) {
        expect(m.lacp!.partner.sysId).toBe(ovsSysId);
        expect(m.lacp!.actor.state & 0x3c, `${m.name} actor: aggregation, sync, collecting, distributing`).toBe(0x3c);
        expect(m.lacp!.partner.state & 0x08, `${m.name} partner in sync`).toBe(0x08);
        expect(m.buckets).toBe(128);
      }
      const bondShow = (await t.ovs.appctl(['bond/show', 'bond0'])).stdout;
      expect(bondShow).toMatch(/lacp_status: negotiated/);

      const ping = await t.lab.ping('ha', '10.81.0.2', { count: 5, interval: 0.1 });
      expect(ping.received, ping.output).toBe(5);

      // iperf3 for 8 s; after 3 s one member's veth pair is deleted (both ends go).
      const run = t.lab.iperf3('hb', 'ha', '10.81.0.2', { time: 8 });
      await sleep(3000);
      await t.lab.deleteLink(t.members[0]);
      const result = await run;
      expect(result.bytesReceived, 'TCP bytes that crossed the bond').toBeGreaterThan(4e6);
      // The session lived through it: iperf3 succeeded (it throws when the connection breaks).
      const [after] = await t.br.bonds();
      const [gone, left] = after!.members;
      expect(gone).toMatchObject({ enabled: false, carrier: false });
      expect(left).toMatchObject({ enabled: true, carrier: true, buckets: 256 });
      const again = await t.lab.ping('ha', '10.81.0.2', { count: 3, interval: 0.1 });
      expect(again.received, again.output).toBe(3);
    },
    90_000,
  );
});
