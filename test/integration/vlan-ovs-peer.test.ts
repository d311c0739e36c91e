// A trunk to a real 802.1Q peer: Open vSwitch's userspace datapath in a namespace of
// its own (this kernel has no 8021q module, so no Linux VLAN sub-interfaces), its
// bridge on the far end of our trunk port, with two internal ports, one an access port
// of VLAN 10 and one of VLAN 20. Each reaches our access host of its VLAN through
// the one trunk: the tags we send are the ones OVS expects, and the other way round.
import { afterAll, expect, it } from 'vitest';
import { waitFor } from '../lab/index.js';
import { OvsNetdev } from '../lab/ovs-netdev.js';
import { useDaemon } from './daemon-fixture.js';
import { ADDON, COMPILED, needs, OVS, ROOT } from '../needs.js';

needs(ROOT, ADDON, COMPILED, OVS).describe('a trunk to Open vSwitch (userspace) carries VLANs 10 and 20', () => {
  let ovs: OvsNetdev | undefined;
  let br: string;
  const port: Record<string, string> = {};
  const d = useDaemon('ns-vovs', async ({ lab, ok }) => {
    br = lab.name('b');
    await ok('add-br', br, '--no-local');
    await lab.addHost('h1');
    await lab.addHost('h3');
    await lab.addHost('ovs');
    port.h1 = await lab.addVethHost('h1', '10.89.10.1/24');
    port.h3 = await lab.addVethHost('h3', '10.89.20.3/24');
    port.trunk = await lab.addVethHost('ovs', null);
    await ok('add-port', br, port.h1, '--tag', '10');
    await ok('add-port', br, port.h3, '--tag', '20');
    await ok('add-port', br, port.trunk, '--trunks', '10,20');
    ovs = await OvsNetdev.start(lab.netns('ovs'));
    await ovs.addBridge('obr', ['eth0']);
    for (const [name, tag, cidr] of [['v10', 10, '10.89.10.11/24'], ['v20', 20, '10.89.20.13/24']] as const) {
    await ovs.vsctl(['add-port', 'obr', name, `tag=${tag}`, '--', 'set', 'interface', name, 'type=internal']);
    await lab.exec('ovs', ['ip', 'addr', 'add', cidr, 'dev', name]);
    await lab.exec('ovs', ['ip', 'link', 'set', name, 'up']);
    }
  });
  // Before the Lab's cleanup (hooks run last-registered first): OVS out of its namespace.
  afterAll(async () => {
    await ovs?.stop();
  });
  const ping = async (dev: string, ip: string): Promise<number> => {
    const r = await d.lab.exec('ovs', ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '1', '-I', dev, ip], { check: false });
    return Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
  };

  it('OVS\'s VLAN 10 port reaches our VLAN 10 host, its VLAN 20 port our VLAN 20 host', async () => {
    await waitFor(async () => (await ping('v10', '10.89.10.1')) === 2, { timeoutMs: 15_000, what: 'OVS v10 → h1 over the trunk' });
    await waitFor(async () => (await ping('v20', '10.89.20.3')) === 2, { timeoutMs: 15_000, what: 'OVS v20 → h3 over the trunk' });
    // h1 into VLAN 20: OVS's VLAN 10 port no longer reaches it.
    await d.ok('set-port', port.h1!, 'tag=20');
    expect(await ping('v10', '10.89.10.1')).toBe(0);
    await d.ok('set-port', port.h1!, 'tag=10');
    await waitFor(async () => (await ping('v10', '10.89.10.1')) === 2, { timeoutMs: 15_000, what: 'OVS v10 → h1 again' });
  });
});
