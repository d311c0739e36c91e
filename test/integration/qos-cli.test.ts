// QoS through the nodeswitch command and a real daemon: set-port's ingress policing
// and the meter verbs, their output (ovs-ofctl's shapes), what the config DB keeps
// and what a restart restores — in the datapath, not only in `show` — a dscp_remark
// band seen by tcpdump -v on the receiving host, and every refusal (exit 1, the
// argument named, the DB byte-identical). Needs root, the addon, the compiled CLI,
// iperf3 and tcpdump.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { sleep } from '../lab/index.js';
import { needs, tool } from '../needs.js';
import { useDaemon } from './daemon-fixture.js';
import { cliTests } from './helpers.js';

const tools = needs(tool('iperf3', 'iperf3'), tool('tcpdump', 'tcpdump'));

cliTests.describe('QoS verbs through the CLI', () => {
  let br: string;
  let v1: string;
  let v2: string;
  const d = useDaemon('ns-qos', async ({ lab, ok }) => {
    br = lab.name('b');
    await ok('add-br', br);
    await lab.addHost('h1');
    await lab.addHost('h2');
    v1 = await lab.addVethHost('h1', '10.77.3.1/24');
    v2 = await lab.addVethHost('h2', '10.77.3.2/24');
    await ok('add-port', br, v1);
    await ok('add-port', br, v2);
  });

  const db = () => JSON.parse(readFileSync(d.paths.db, 'utf8')) as { bridges: { name: string; ports: Record<string, unknown>[]; meters?: string[]; flows?: string[] }[] };
  const dbBridge = () => db().bridges.find((b) => b.name === br)!;

  const refused = (args: string[], message: RegExp) => d.refused(args, message);

  tools.it('set-port ingress_policing_*: shown, saved, and policing again after a restart', async () => {
    await d.ok('set-port', v1, 'ingress_policing_rate=5000', 'ingress_policing_burst=500');
    expect(await d.ok('show')).toMatch(new RegExp(`Port ${v1}\\n(.*\\n)*?        ingress_policing_rate: 5000\\n        ingress_policing_burst: 500\\n`));
    expect(dbBridge().ports.find((p) => p.name === v1)).toMatchObject({ ingressPolicingRate: 5000, ingressPolicingBurst: 500 });
    await d.restart();
    const shown = JSON.parse(await d.ok('show', '--json')) as { bridges: { name: string; ports: { name: string; ingressPolicingRate?: number }[] }[] };
    expect(shown.bridges.find((b) => b.name === br)!.ports.find((p) => p.name === v1)).toMatchObject({ ingressPolicingRate: 5000, ingressPolicingBurst: 500 });
    // Restored in the datapath: 20 Mbit/s of UDP in, excess dropped and counted.
    await d.lab.iperf3('h2', 'h1', '10.77.3.2', { udp: true, bitrate: '20M', time: 2 });
    const [row] = JSON.parse(await d.ok('dump-ports', br, v1, '--json')) as { rxPoliced: number }[];
    expect(row!.rxPoliced).toBeGreaterThan(0);
    expect(await d.ok('dump-ports', br, v1)).toMatch(/, policed=\d+\n/);
    // rate 0: off, and the DB forgets the rate (the burst stays, as OVS keeps its column).
    await d.ok('set-port', v1, 'ingress_policing_rate=0');
    expect(dbBridge().ports.find((p) => p.name === v1)).not.toHaveProperty('ingressPolicingRate');
    expect(dbBridge().ports.find((p) => p.name === v1)).toMatchObject({ ingressPolicingBurst: 500 });
  });

  it('refuses bad policing settings, naming them, and changes nothing', async () => {
    await refused(['set-port', v1, 'ingress_policing_rate=-5'], /ingress_policing_rate must be an integer from 0 to 4294967295, got "-5"/);
    await refused(['set-port', v1, 'ingress_policing_rate=fast'], /ingress_policing_rate .*got "fast"/);
    await refused(['set-port', v1, 'ingress_policing_burst=1e3'], /ingress_policing_burst .*got "1e3"/);
    await refused(['set-port', v1, 'ingress_policing_rate'], /ingress_policing_rate needs a value/);
    await refused(['set-port', v1, 'egress_rate=5'], /unknown port setting "egress_rate" \(known: tag, trunks, vlan_mode, ingress_policing_rate, ingress_policing_burst\)/);
    await refused(['set-port', 'nosuchport', 'ingress_policing_rate=5'], /no bridge has a port named nosuchport/);
    // A good and a bad value together: neither is applied.
    await refused(['set-port', v1, 'ingress_policing_rate=100', 'ingress_policing_burst=x'], /ingress_policing_burst/);
  });

  it('meters: add, dump and stats as ovs-ofctl prints them, in flows, saved and restored with them', async () => {
    await d.ok('add-meter', br, 'meter=1,kbps,burst,bands=type=drop,rate=10000,burst_size=1000');
    await d.ok('add-meter', br, 'meter=2 pktps stats bands=type=dscp_remark rate=100 prec_level=1 type=drop rate=200');
    expect(await d.ok('dump-meters', br)).toBe(
      'meter=1 kbps burst bands=\ntype=drop rate=10000 burst_size=1000\n' +
        'meter=2 pktps stats bands=\ntype=dscp_remark rate=100 prec_level=1\ntype=drop rate=200\n',
    );
    expect(await d.ok('dump-meters', br, 'meter=2')).toMatch(/^meter=2 /);
    await d.ok('add-flow', br, 'priority=10,udp,actions=meter:1,normal');
    expect(await d.ok('dump-flows', br)).toMatch(/priority=10,udp actions=meter:1,NORMAL\n/);
    expect(await d.ok('meter-stats', br, 'meter=1')).toMatch(/^meter:1 flow_count:1 packet_in_count:0 byte_in_count:0 duration:\d+\.\d{3}s bands:\n0: packet_count:0 byte_count:0\n$/);
    expect(dbBridge().meters).toEqual([
      'meter=1,kbps,burst,bands=type=drop,rate=10000,burst_size=1000',
      'meter=2,pktps,stats,bands=type=dscp_remark,rate=100,prec_level=1,type=drop,rate=200',
    ]);
    await d.restart();
    expect(await d.ok('dump-meters', br)).toMatch(/^meter=1 kbps burst bands=\ntype=drop rate=10000 burst_size=1000\nmeter=2 /);
    expect(await d.ok('dump-flows', br)).toMatch(/actions=meter:1,NORMAL\n/);
    await d.ok('mod-meter', br, 'meter=2,pktps,bands=type=drop,rate=300');
    const [m2] = JSON.parse(await d.ok('dump-meters', br, 'meter=2', '--json')) as { bands: { rate: number }[] }[];
    expect(m2!.bands).toEqual([{ type: 'drop', rate: 300, burstSize: 0, precLevel: 0 }]);
    // Deleting a meter deletes the flows that use it.
    await d.ok('del-meters', br, 'meter=1');
    expect(await d.ok('dump-flows', br)).not.toMatch(/meter:1/);
    expect(dbBridge().flows!.some((f) => f.includes('meter:1'))).toBe(false);
    await d.ok('del-meters', br);
    expect(await d.ok('dump-meters', br)).toBe('');
    expect(dbBridge()).not.toHaveProperty('meters');
  });

  it('refuses bad meters and flows naming a meter that does not exist, and changes nothing', async () => {
    await refused(['add-flow', br, 'priority=5,actions=meter:9,normal'], /meter:9: meter 9 does not exist on bridge/);
    await refused(['add-meter', br, 'meter=5,kbps,bands=type=drop'], /band 1 \(drop\) has no rate: rate=N is required/);
    await refused(['add-meter', br, 'meter=5,kbps,bands=type=drop,rate=0'], /rate=0: a band rate must be an integer from 1 to 4294967295/);
    await refused(['add-meter', br, 'meter=5,kbps,bands=type=drop,rate=-1'], /rate=-1: a band rate must be an integer/);
    await refused(['add-meter', br, 'meter=5,kbps,bands=type=drop,rate=abc'], /got "abc"/);
    await refused(['add-meter', br, 'meter=0,kbps,bands=type=drop,rate=10'], /meter=0: the meter id must be an integer from 1/);
    await refused(['add-meter', br, 'meter=5,kbps'], /at least one band/);
    await refused(['mod-meter', br, 'meter=5,kbps,bands=type=drop,rate=10'], /meter 5 does not exist/);
    await refused(['del-meters', br, 'meter=x'], /meter=x: the meter id must be an integer/);
  });

  tools.it('a dscp_remark band remarks what exceeds its rate (tcpdump -v on the receiver)', async () => {
    await d.ok('add-meter', br, 'meter=3,pktps,burst,bands=type=dscp_remark,rate=1,burst_size=1,prec_level=1');
    await d.ok('add-flow', br, 'priority=20,icmp,actions=meter:3,normal');
    try {
      const dump = d.lab.spawn('h2', ['tcpdump', '-v', '-n', '-l', '-i', 'eth0', '-c', '5', 'icmp[icmptype] == icmp-echo']);
      await sleep(1000); // tcpdump opening its socket
      // AF11 (DSCP 10, TOS 0x28) at 20 per second against 1 per second: the first
      // fits the burst, the next ones become AF12 (TOS 0x30).
      await d.lab.ping('h1', '10.77.3.2', { count: 5, interval: 0.05, tos: 0x28 });
      const done = await Promise.race([dump.exited, sleep(5000).then(() => undefined)]);
      if (!done) dump.kill('SIGKILL');
      const tos = [...dump.stdout().matchAll(/\(tos (0x[0-9a-f]+),/g)].map((m) => m[1]);
      expect(tos.length, dump.stdout() + dump.stderr()).toBe(5);
      expect(tos[0]).toBe('0x28');
      expect(tos.filter((t) => t === '0x30').length).toBeGreaterThanOrEqual(3);
      const [s] = JSON.parse(await d.ok('meter-stats', br, 'meter=3', '--json')) as { bands: { packetCount: number }[] }[];
      expect(s!.bands[0]!.packetCount).toBeGreaterThanOrEqual(3);
    } finally {
      await d.ok('del-meters', br, 'meter=3');
    }
  });
});
