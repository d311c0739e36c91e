// VLAN isolation on real traffic, set up with the nodeswitch CLI against a real
// daemon: namespace hosts on access ports of VLAN 10 and 20 (all in one IP subnet, so
// that a leak would show), a trunk host and a native-untagged host that send and
// receive 802.1Q frames through a raw AF_PACKET socket and tcpdump -e (this kernel
// has no 8021q module: no Linux VLAN sub-interfaces as the peer), then a daemon
// restart that must keep all of it.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { arp, icmp4 } from '../../src/packet/frame-builder.js';
import { waitFor } from '../lab/index.js';
import { sendRawFrames, startTcpdump, stopTcpdump } from '../lab/raw-frames.js';
import { runCli } from './cli-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

const IP = (n: number): string => `10.87.0.${n}`;
const TRUNK_MAC = '02:00:00:87:00:05';

cliTests.describe('VLAN isolation (access, trunk, native-untagged) through the daemon', () => {
  let br: string;
  const port: Record<string, string> = {};
  const mac: Record<string, string> = {};
  const d = useDaemon('ns-vlan', async ({ lab, ok }) => {
    br = lab.name('b');
    await ok('add-br', br);
    const hosts: [string, string | null, string[]][] = [
      ['h1', `${IP(1)}/24`, ['--tag', '10']],
      ['h2', `${IP(2)}/24`, ['--tag', '10']],
      ['h3', `${IP(3)}/24`, ['--tag', '20']],
      ['h4', `${IP(4)}/24`, ['--tag', '20']],
      ['t', null, ['--trunks', '10,20']],
      ['n', `${IP(6)}/24`, ['--vlan-mode', 'native-untagged', '--tag', '10', '--trunks', '10,20']],
    ];
    for (const [h, cidr, vlan] of hosts) {
      await lab.addHost(h);
      port[h] = await lab.addVethHost(h, cidr, h === 't' ? { mac: TRUNK_MAC } : {});
      await ok('add-port', br, port[h]!, ...vlan);
      mac[h] = await lab.mac(h);
    }
  });
  const lab = () => d.lab;
  const pings = async (from: string, to: number): Promise<number> =>
    (await lab().ping(from, IP(to), { count: 2, interval: 0.2, timeout: 1 })).received;

  it('hosts in VLAN 10 reach each other, and those in VLAN 20 each other, never across', async () => {
    await waitFor(async () => (await pings('h1', 2)) === 2, { timeoutMs: 10_000, what: 'h1 → h2 in VLAN 10' });
    expect(await pings('h2', 1)).toBe(2);
    expect(await pings('h3', 4)).toBe(2);
    expect(await pings('h4', 3)).toBe(2);
    expect(await pings('h1', 3)).toBe(0);
    expect(await pings('h3', 1)).toBe(0);
    expect(await pings('h4', 2)).toBe(0);
    const fdb = await d.ok('fdb-show', br, '--json');
    const vlans = new Map((JSON.parse(fdb) as { mac: string; vlan: number }[]).map((e) => [e.mac, e.vlan]));
    expect([vlans.get(mac.h1!), vlans.get(mac.h2!), vlans.get(mac.h3!), vlans.get(mac.h4!)]).toEqual([10, 10, 20, 20]);
  });

  it('broadcast, unknown unicast and multicast from VLAN 10 reach VLAN 10 ports only (and the trunks, tagged 10)', async () => {
    const frames = [
      arp({ eth: { src: mac.h1! }, arp: { spa: IP(1), tpa: IP(99) } }),
      icmp4({ eth: { src: mac.h1!, dst: '02:00:00:00:99:99' }, ip: { src: IP(1), dst: IP(99) } }),
      icmp4({ eth: { src: mac.h1!, dst: '01:00:5e:00:00:fb' }, ip: { src: IP(1), dst: '224.0.0.251', ttl: 1 } }),
    ];
    // Each host's tcpdump counts h1's frames to the two addresses only: the hosts'
    // own neighbour probes (h3 ↔ h4 in VLAN 20) are not what is looked for.
    const ours = (lines: string[]): string[] => lines.filter((l) => l.includes(IP(99)) || l.includes('224.0.0.251'));
    for (const [i, frame] of frames.entries()) {
      const dumps = await Promise.all(['h2', 'h3', 'h4', 't', 'n'].map((h) => startTcpdump(lab(), h, 'eth0', ['ether', 'src', mac.h1!])));
      await sendRawFrames(lab(), 'h1', 'eth0', [frame]);
      const [h2, h3, h4, t, n] = await Promise.all(dumps.map(async (p) => ours(await stopTcpdump(p))));
      expect(h2, `frame ${i} reaches h2`).toHaveLength(1);
      expect(h3, `frame ${i} stays out of VLAN 20`).toEqual([]);
      expect(h4, `frame ${i} stays out of VLAN 20`).toEqual([]);
      expect(t, `frame ${i} on the trunk`).toHaveLength(1);
      expect(t![0]).toMatch(/ethertype 802\.1Q \(0x8100\), length \d+: vlan 10, p 0,/);
      // native-untagged, native VLAN 10: untagged
      expect(n).toHaveLength(1);
      expect(n![0]).not.toMatch(/802\.1Q/);
      expect(h2[0]).not.toMatch(/802\.1Q/);
    }
  });

  it('a trunk carries both VLANs both ways: tagged ARP in VLAN 10 and 20 gets tagged answers from the right host', async () => {
    for (const [vid, target, other] of [[10, 1, 'h3'], [20, 3, 'h1']] as const) {
      const request = arp({ eth: { src: TRUNK_MAC, vlans: [{ vid }] }, arp: { spa: IP(50), tpa: IP(target) } });
      const seen = await startTcpdump(lab(), other, 'eth0', ['ether', 'src', TRUNK_MAC]);
      const dump = await startTcpdump(lab(), 't', 'eth0', ['arp', 'or', 'vlan']);
      await sendRawFrames(lab(), 't', 'eth0', [request]);
      const lines = await stopTcpdump(dump, 500);
      const reply = lines.find((l) => l.includes(`Reply ${IP(target)} is-at`));
      expect(reply, lines.join('\n')).toMatch(new RegExp(`vlan ${vid}, p 0, ethertype ARP`));
      expect(await stopTcpdump(seen, 0)).toEqual([]);  // the request went to the VLAN's hosts only
    }
    // A VLAN the trunk does not carry goes nowhere.
    const seen = await Promise.all(['h1', 'h3', 'n'].map((h) => startTcpdump(lab(), h, 'eth0', ['ether', 'src', TRUNK_MAC])));
    await sendRawFrames(lab(), 't', 'eth0', [arp({ eth: { src: TRUNK_MAC, vlans: [{ vid: 30 }] }, arp: { spa: IP(50), tpa: IP(1) } })]);
    expect(await Promise.all(seen.map((p) => stopTcpdump(p)))).toEqual([[], [], []]);
  });

  it('native-untagged: the host\'s untagged frames are VLAN 10, its tagged ones VLAN 20, answers come back the same way', async () => {
    expect(await pings('n', 1)).toBe(2);  // untagged → native VLAN 10
    expect(await pings('n', 3)).toBe(0);  // untagged cannot reach VLAN 20
    const dump = await startTcpdump(lab(), 'n', 'eth0', ['arp', 'or', 'vlan']);
    await sendRawFrames(lab(), 'n', 'eth0', [arp({ eth: { src: mac.n!, vlans: [{ vid: 20 }] }, arp: { spa: IP(60), tpa: IP(3) } })]);
    const lines = await stopTcpdump(dump, 500);
    expect(lines.find((l) => l.includes(`Reply ${IP(3)} is-at`)), lines.join('\n')).toMatch(/vlan 20, p 0, ethertype ARP/);
  });

  it('bad VLAN input is refused naming the argument, exit 1, nothing applied', async () => {
    const db = readFileSync(d.paths.db, 'utf8');
    const cases: [string[], RegExp][] = [
      [['add-port', br, lab().name('x1'), '--tag', '4095'], /tag must be an integer from 1 to 4094/],
      [['add-port', br, lab().name('x1'), '--trunks', '10,10'], /trunks lists VLAN 10 twice/],
      [['add-port', br, lab().name('x1'), '--type', 'tap', '--vlan-mode', 'access', '--tag', '10', '--trunks', '20'], /trunks cannot be set on an access port/],
      [['set-port', port.h1!, 'trunks=10'], /trunks cannot be set on an access port/],
      [['set-port', port.h1!, 'tag=0'], /tag must be an integer from 1 to 4094/],
      [['set-port', port.t!, 'vlan_mode=native-tagged'], /vlan_mode native-tagged needs a tag/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(d.paths, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(readFileSync(d.paths.db, 'utf8')).toBe(db);
    expect(await pings('h1', 3)).toBe(0);
  });

  it('survives a daemon restart, and set-port moves a host between VLANs (persisted)', async () => {
    await d.restart();
    const show = JSON.parse(await d.ok('show', '--json')) as { bridges: { name: string; ports: Record<string, unknown>[] }[] };
    const ports = show.bridges.find((b) => b.name === br)!.ports;
    expect(ports.find((p) => p.name === port.h3)).toMatchObject({ tag: 20 });
    expect(ports.find((p) => p.name === port.n)).toMatchObject({ tag: 10, trunks: [10, 20], vlanMode: 'native-untagged' });
    await waitFor(async () => (await pings('h1', 2)) === 2, { timeoutMs: 10_000, what: 'h1 → h2 after the restart' });
    expect(await pings('h1', 3)).toBe(0);
    // h3 into VLAN 10: now h1 reaches it, h4 does not.
    await d.ok('set-port', port.h3!, 'tag=10');
    await waitFor(async () => (await pings('h1', 3)) === 2, { timeoutMs: 10_000, what: 'h1 → h3 once h3 is in VLAN 10' });
    expect(await pings('h4', 3)).toBe(0);
    await d.restart();
    await waitFor(async () => (await pings('h1', 3)) === 2, { timeoutMs: 10_000, what: 'h1 → h3 after another restart' });
    expect(await pings('h4', 3)).toBe(0);
    expect(await d.ok('show')).toMatch(new RegExp(`Port ${port.n}\\n.*\\n.*\\n        tag: 10\\n        trunks: \\[10, 20\\]\\n        vlan_mode: native-untagged`));
  });
});
