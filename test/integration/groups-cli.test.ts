// OpenFlow groups through the nodeswitch command and a real daemon: the group verbs'
// output (ovs-ofctl -O OpenFlow13's shapes), --json, what the config DB keeps and what
// a restart restores (groups, then the flows that name them), every refusal (exit 1,
// the argument named, the DB byte-identical); and on namespace hosts behind veths, a
// select group spreading UDP flows over two ports and a fast-failover group keeping a
// ping going when the watched veth goes down, and back. Needs root, the addon and
// the compiled CLI.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { sleep } from '../lab/index.js';
import { runCli } from './cli-process.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

/** Sends one UDP datagram from each of `n` source ports, from `host` to `dst`. */
function udpFlows(n: number, dst: string): string[] {
  const py = `import socket\nfor p in range(20000, 20000 + ${n}):\n  s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n  s.bind(('', p))\n  s.sendto(b'x' * 18, ('${dst}', 9))\n  s.close()\n`;
  return ['python3', '-c', py];
}

cliTests.describe('group verbs through the CLI', () => {
  let br: string;
  let ff: string;
  const v: string[] = [];
  const d = useDaemon('ns-grp', async ({ lab, ok }) => {
    br = lab.name('b');
    ff = lab.name('f');
    await ok('add-br', br);
    await ok('add-br', ff);
    for (const h of ['h1', 'h2', 'h3']) await lab.addHost(h);
    v.push(await lab.addVethHost('h1', '10.77.12.1/24'));
    v.push(await lab.addVethHost('h2', '10.77.12.2/24'));
    v.push(await lab.addVethHost('h3', '10.77.12.3/24'));
    for (const p of v) await ok('add-port', br, p);
    // h4 ↔ h5 over ff, h5 reached over two veths with one MAC and one address: the
    // route of the one whose link is down is ignored, the other carries the replies.
    for (const h of ['h4', 'h5']) await lab.addHost(h);
    const mac = '02:00:00:77:12:05';
    v.push(await lab.addVethHost('h4', '10.77.13.4/24'));
    await lab.exec('h5', ['sysctl', '-qw', 'net.ipv4.conf.all.ignore_routes_with_linkdown=1', 'net.ipv4.conf.default.ignore_routes_with_linkdown=1']);
    v.push(await lab.addVethHost('h5', '10.77.13.5/24', { mac }));
    v.push(await lab.addVethHost('h5', null, { ifname: 'eth1', mac }));
    await lab.exec('h5', ['sysctl', '-qw', 'net.ipv4.conf.eth1.ignore_routes_with_linkdown=1', 'net.ipv4.conf.eth0.ignore_routes_with_linkdown=1']);
    await lab.exec('h5', ['ip', 'addr', 'add', '10.77.13.5/24', 'dev', 'eth1']);
    for (const p of v.slice(3)) await ok('add-port', ff, p);
  });

  const db = () => JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; groups?: string[]; flows?: string[] }[] };
  const dbBridge = (name: string) => db().bridges.find((b) => b.name === name)!;

  async function refused(args: string[], message: RegExp): Promise<void> {
    const before = readFileSync(d.paths.db);
    const r = await runCli(d.paths, args);
    expect(r.code, `nodeswitch ${args.join(' ')}: ${r.stderr}`).toBe(1);
    expect(r.stderr).toMatch(/^nodeswitch: /);
    expect(r.stderr).toMatch(message);
    expect(readFileSync(d.paths.db).equals(before), 'DB unchanged').toBe(true);
  }

  cliTests.it('add-group, dump-groups, dump-group-stats, dump-group-features, --json; saved and restored with their flows', async () => {
    await d.ok('add-group', br, 'group_id=1,type=select,bucket=weight:10,actions=output:2,bucket=weight:20,actions=output:3');
    await d.ok('add-group', br, 'group_id=2,type=all,bucket=output:2,bucket=mod_dl_dst:00:00:00:00:00:01,output:3');
    await d.ok('add-flow', br, 'priority=5,in_port=1,udp,actions=group:1');
    expect(await d.ok('dump-groups', br)).toBe(
      'group_id=1,type=select,bucket=weight:10,actions=output:2,bucket=weight:20,actions=output:3\n' +
        'group_id=2,type=all,bucket=actions=output:2,bucket=actions=set_field:00:00:00:00:00:01->eth_dst,output:3\n',
    );
    expect(await d.ok('dump-groups', br, 'group_id=2')).toBe('group_id=2,type=all,bucket=actions=output:2,bucket=actions=set_field:00:00:00:00:00:01->eth_dst,output:3\n');
    expect(await d.ok('dump-group-stats', br, '1')).toMatch(
      /^group_id=1,duration=\d+\.\d{3}s,ref_count=1,packet_count=0,byte_count=0,bucket0:packet_count=0,byte_count=0,bucket1:packet_count=0,byte_count=0\n$/,
    );
    expect(await d.ok('dump-group-features', br)).toMatch(/^ Group table:\n {4}Types: {2}0xf\n {4}Capabilities: {2}0x5\n {4}all group:\n {7}max_groups=0xffffff00\n/);
    const json = JSON.parse(await d.ok('dump-groups', br, '--json')) as { groupId: number; type: string; group: string }[];
    expect(json.map((g) => [g.groupId, g.type])).toEqual([
      [1, 'select'],
      [2, 'all'],
    ]);
    expect(dbBridge(br).groups).toEqual([
      'group_id=1,type=select,bucket=weight:10,actions=output:2,bucket=weight:20,actions=output:3',
      'group_id=2,type=all,bucket=actions=output:2,bucket=actions=set_field:00:00:00:00:00:01->eth_dst,output:3',
    ]);
    await d.restart();
    expect(await d.ok('dump-groups', br)).toMatch(/^group_id=1,type=select,bucket=weight:10,/);
    expect(await d.ok('dump-flows', br)).toMatch(/priority=5,udp,in_port=1 actions=group:1\n/);
    // Traffic through the restored group and flow.
    await d.lab.exec('h1', ['ip', 'neigh', 'replace', '10.77.12.9', 'lladdr', '02:00:00:00:00:09', 'dev', 'eth0']);
    const before = await Promise.all([d.lab.counters(null, v[1]!), d.lab.counters(null, v[2]!)]);
    await d.lab.exec('h1', udpFlows(200, '10.77.12.9'));
    await sleep(300);
    const after = await Promise.all([d.lab.counters(null, v[1]!), d.lab.counters(null, v[2]!)]);
    const sent = after.map((c, i) => c.txPackets - before[i]!.txPackets);
    expect(sent[0]! + sent[1]!).toBeGreaterThanOrEqual(200);
    // Both ports carry flows, about in the weights' proportion (1:2).
    expect(sent[0]).toBeGreaterThan(30);
    expect(sent[1]).toBeGreaterThan(sent[0]!);
    const [stats] = JSON.parse(await d.ok('dump-group-stats', br, 'group_id=1', '--json')) as { packetCount: number; buckets: { packetCount: number }[] }[];
    expect(stats!.packetCount).toBeGreaterThanOrEqual(200);
    expect(stats!.buckets[0]!.packetCount + stats!.buckets[1]!.packetCount).toBe(stats!.packetCount);
  });

  cliTests.it('mod-group, del-groups (and its flows), add-groups from standard input', async () => {
    await d.ok('add-group', br, 'group_id=7,type=indirect,bucket=output:2');
    await d.ok('add-flow', br, 'priority=9,in_port=3,actions=group:7');
    await d.ok('mod-group', br, 'group_id=7,type=all,bucket=output:1,bucket=output:2');
    expect(await d.ok('dump-groups', br, '7')).toBe('group_id=7,type=all,bucket=actions=output:1,bucket=actions=output:2\n');
    await d.ok('del-groups', br, 'group_id=7');
    expect(await d.ok('dump-groups', br, '7')).toBe('');
    expect(await d.ok('dump-flows', br)).not.toMatch(/group:7/);
    expect(dbBridge(br).flows!.join('\n')).not.toMatch(/group:7/);
    const r = await runCli(d.paths, ['add-groups', br, '-'], { input: '# two groups\ngroup_id=20,type=all,bucket=output:1\n\ngroup_id=21,type=indirect,bucket=group:20\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(await d.ok('dump-groups', br, '21')).toBe('group_id=21,type=indirect,bucket=actions=group:20\n');
    await d.ok('del-groups', br);
    expect(dbBridge(br).groups).toBeUndefined();
  });

  cliTests.it('refusals: exit 1, the reason, nothing applied', async () => {
    await d.ok('add-group', br, 'group_id=30,type=all,bucket=output:1');
    await refused(['add-group', br, 'group_id=30,type=all,bucket=output:2'], /group 30 already exists/);
    await refused(['mod-group', br, 'group_id=31,type=all,bucket=output:2'], /group 31 does not exist/);
    await refused(['add-group', br, 'group_id=32,type=bogus,bucket=output:1'], /type=bogus: not a group type/);
    await refused(['add-group', br, 'group_id=32,type=all,bucket=weight:2,output:1'], /only select groups can have bucket weights/);
    await refused(['add-group', br, 'group_id=32,type=select,bucket=watch_port:2,output:1'], /only fast failover/);
    await refused(['add-group', br, 'group_id=4294967041,type=all,bucket=output:1'], /group_id must be an integer from 0 to 4294967040/);
    await refused(['add-group', br, 'group_id=32,type=all,bucket=frob:1'], /frob:1: unknown action/);
    await refused(['add-flow', br, 'actions=group:99'], /group 99 does not exist on bridge/);
    await refused(['add-group', br, 'group_id=33,type=all,bucket=group:33'], /buckets lead back to it/);
    const r = await runCli(d.paths, ['add-groups', br, '-'], { input: 'group_id=40,type=all,bucket=output:1\ngroup_id=30,type=all,bucket=output:1\n' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/line 2: group 30 already exists/);
    expect(await d.ok('dump-groups', br, '40')).toBe(''); // none of the file
    await d.ok('del-groups', br, '30');
  });

  cliTests.it('fast failover: the ping goes on when the watched veth goes down, and comes back to it', async () => {
    // ports of ff: 1 h4, 2 h5 eth0, 3 h5 eth1
    await d.ok('add-group', ff, 'group_id=1,type=ff,bucket=watch_port:2,actions=output:2,bucket=watch_port:3,actions=output:3');
    await d.ok('del-flows', ff);
    await d.ok('add-flow', ff, 'in_port=1,actions=group:1');
    await d.ok('add-flow', ff, 'in_port=2,actions=output:1');
    await d.ok('add-flow', ff, 'in_port=3,actions=output:1');
    expect((await d.lab.ping('h4', '10.77.13.5', { count: 3 })).received).toBe(3);
    const eth0 = v[4]!;
    const going = d.lab.ping('h4', '10.77.13.5', { count: 40, interval: 0.1 });
    await sleep(1000);
    const tx0 = (await d.lab.counters(null, v[5]!)).txPackets;
    await d.lab.exec('h5', ['ip', 'link', 'set', 'eth0', 'down']);
    const r = await going;
    expect(r.received, `${r.received}/${r.transmitted}`).toBeGreaterThanOrEqual(r.transmitted - 5);
    // The requests went over eth1 (port 3) after the failover.
    expect((await d.lab.counters(null, v[5]!)).txPackets - tx0).toBeGreaterThan(10);
    await d.lab.exec('h5', ['ip', 'link', 'set', 'eth0', 'up']);
    await sleep(500);
    const tx1 = (await d.lab.counters(null, eth0)).txPackets;
    expect((await d.lab.ping('h4', '10.77.13.5', { count: 5, interval: 0.1 })).received).toBe(5);
    expect((await d.lab.counters(null, eth0)).txPackets - tx1).toBeGreaterThanOrEqual(5);
  });
});
