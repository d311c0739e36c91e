// OpenFlow on real kernel traffic: two namespaces on veths, a bridge with no flows
// but the ones examples/learning-controller.ts installs; then a couple of actions
// (drop, mod_nw_tos) checked against what ping and tcpdump see.
import { afterEach, expect, it } from 'vitest';
import type { Bridge } from '../../src/bridge.js';
import { Lab, sleep, waitFor } from '../lab/index.js';
import type { Switch } from '../../src/switch.js';
import { startLearningController } from '../../examples/learning-controller.js';
import { switchTests } from './helpers.js';

interface Setup {
  lab: Lab;
  sw: Switch;
  br: Bridge;
  /** ofports of h1's and h2's veths. */
  p1: number;
  p2: number;
  mac1: string;
  mac2: string;
}

switchTests.describe('OpenFlow on real traffic', () => {
  let lab: Lab | undefined;
  let sw: Switch | undefined;

  afterEach(async () => {
    try {
      await sw?.close();
    } finally {
      await lab?.cleanup();
      lab = undefined;
      sw = undefined;
    }
  });

  async function setup(): Promise<Setup> {
    const { Switch } = await import('../../src/switch.js');
    lab = new Lab();
    sw = new Switch();
    const br = sw.addBridge(lab.name('br'), { defaultFlows: false });
    await lab.addHost('h1');
    await lab.addHost('h2');
    const v1 = await lab.addVethHost('h1', '10.78.0.1/24');
    const v2 = await lab.addVethHost('h2', '10.78.0.2/24');
    const p1 = (await br.addPort(v1)).ofport;
    const p2 = (await br.addPort(v2)).ofport;
    return { lab, sw, br, p1, p2, mac1: await lab.mac('h1'), mac2: await lab.mac('h2') };
  }

  it('the example learning controller connects two hosts and installs exact-match flows', async () => {
    const s = await setup();
    // Without a controller the empty table set drops everything.
    const before = await s.lab.ping('h1', '10.78.0.2', { count: 1, timeout: 1 });
    expect(before.received).toBe(0);
    expect((await s.br.stats()).tableMiss).toBeGreaterThan(0);

    const ctl = await startLearningController(s.br);
    const ping = await s.lab.ping('h1', '10.78.0.2', { count: 5, interval: 0.1 });
    expect(ping.received, ping.output).toBe(5);
    const back = await s.lab.ping('h2', '10.78.0.1', { count: 3, interval: 0.1 });
    expect(back.received, back.output).toBe(3);
    expect(ctl.macs.get(s.mac1)).toBe(s.p1);
    expect(ctl.macs.get(s.mac2)).toBe(s.p2);

    const flows = async (): Promise<Map<string, number>> =>
      new Map(
        (await s.br.dumpFlows('priority=10'))
          .filter((f) => f.entry.spec.priority === 10)
          .map((f) => [`${f.entry.spec.match.in_port?.value} ${f.entry.spec.match.dl_src?.value} → ${JSON.stringify(f.entry.spec.actions)}`, f.packets]),
      );
    const hex = (m: string): string => m.replace(/:/g, '');
    const k12 = `${s.p1} ${hex(s.mac1)} → [{"type":"output","port":${s.p2}}]`;
    const k21 = `${s.p2} ${hex(s.mac2)} → [{"type":"output","port":${s.p1}}]`;
    const first = await flows();
    expect([...first.keys()].sort()).toEqual([k12, k21].sort());
    const text = (await s.br.dumpFlowsText()).join('\n');
    expect(text).toMatch(
      new RegExp(`idle_timeout=60, idle_age=\\d+, priority=10,in_port=${s.p1},dl_src=${s.mac1},dl_dst=${s.mac2} actions=output:${s.p2}`),
    );
    expect(text).toMatch(/priority=0 actions=CONTROLLER:65535/);

    // The installed flows carry the traffic now: their counters rise, the controller sees little.
    const upcalls = (await s.br.stats()).upcalls;
    const more = await s.lab.ping('h1', '10.78.0.2', { count: 5, interval: 0.05 });
    expect(more.received, more.output).toBe(5);
    const second = await flows();
    expect(second.get(k12)!).toBeGreaterThanOrEqual(first.get(k12)! + 5);
    expect(second.get(k21)!).toBeGreaterThanOrEqual(first.get(k21)! + 5);
    expect((await s.br.stats()).upcalls - upcalls).toBeLessThan(5);
    await ctl.stop();
  });

  it('the example controller in 5-tuple mode installs a flow per conversation (ICMP, UDP) from batched packet-ins', async () => {
    const s = await setup();
    const ctl = await startLearningController(s.br, { match: '5-tuple' });
    const ping = await s.lab.ping('h1', '10.78.0.2', { count: 3, interval: 0.1 });
    expect(ping.received, ping.output).toBe(3);
    // One UDP datagram to a closed port: h2 answers with ICMP port unreachable.
    await s.lab.exec('h1', ['bash', '-c', 'echo hello > /dev/udp/10.78.0.2/5353']);
    const text = async (): Promise<string> => (await s.br.dumpFlowsText()).join('\n');
    await waitFor(async () => (/udp,in_port=/.test(await text()) ? true : undefined), { timeoutMs: 5000, what: 'the UDP flow' });
    const flows = await text();
    const ip1 = '10.78.0.1', ip2 = '10.78.0.2';
    expect(flows).toMatch(new RegExp(`priority=10,icmp,in_port=${s.p1},dl_src=${s.mac1},dl_dst=${s.mac2},nw_src=${ip1},nw_dst=${ip2} actions=output:${s.p2}`));
    expect(flows).toMatch(new RegExp(`priority=10,icmp,in_port=${s.p2},dl_src=${s.mac2},dl_dst=${s.mac1},nw_src=${ip2},nw_dst=${ip1} actions=output:${s.p1}`));
    expect(flows).toMatch(new RegExp(`priority=10,udp,in_port=${s.p1},dl_src=${s.mac1},dl_dst=${s.mac2},nw_src=${ip1},nw_dst=${ip2},tp_src=\\d+,tp_dst=5353 actions=output:${s.p2}`));
    // ARP gets a flow of its own ethertype, which does not carry the IPv4 conversations.
    expect(flows).toMatch(new RegExp(`priority=10,arp,in_port=${s.p2},dl_src=${s.mac2},dl_dst=${s.mac1} actions=output:${s.p1}`));
    expect(ctl.installed).toBeGreaterThanOrEqual(4);
    expect(ctl.batches).toBeGreaterThan(0);
    expect(ctl.batches).toBeLessThanOrEqual(ctl.packetIns);
    // The ICMP flows carry the next pings without the controller.
    const upcalls = (await s.br.stats()).upcalls;
    expect((await s.lab.ping('h1', '10.78.0.2', { count: 3, interval: 0.05 })).received).toBe(3);
    expect((await s.br.stats()).upcalls - upcalls).toBeLessThan(3);
    await ctl.stop();
  });

  it('a drop rule for ICMP blocks ping (and counts it); removing it restores ping', async () => {
    const s = await setup();
    await startLearningController(s.br);
    expect((await s.lab.ping('h1', '10.78.0.2', { count: 2, interval: 0.1 })).received).toBe(2);
    await s.br.addFlow('priority=100,icmp,actions=drop');
    const blocked = await s.lab.ping('h1', '10.78.0.2', { count: 3, interval: 0.1, timeout: 1 });
    expect(blocked.received, blocked.output).toBe(0);
    const [drop] = await s.br.dumpFlows('priority=100,icmp');
    expect(drop!.packets).toBe(3);
    // ARP is not ICMP: after a flush h1 still resolves h2 through the controller.
    await s.lab.exec('h1', ['ip', 'neigh', 'flush', 'dev', 'eth0']);
    expect(await s.br.delFlows('priority=100,icmp', { strict: true })).toBe(1);
    const again = await s.lab.ping('h1', '10.78.0.2', { count: 3, interval: 0.1 });
    expect(again.received, again.output).toBe(3);
  });

  it('mod_nw_tos rewrites DSCP on the wire (tcpdump sees it) and the kernel accepts the checksums', async () => {
    const s = await setup();
    await startLearningController(s.br);
    expect((await s.lab.ping('h1', '10.78.0.2', { count: 1 })).received).toBe(1);
    await s.br.addFlow(`priority=100,icmp,in_port=${s.p1},actions=mod_nw_tos:0xb8,dec_ttl,output:${s.p2}`);
    const dump = s.lab.spawn('h2', ['tcpdump', '-l', '-nn', '-v', '-c', '3', '-i', 'eth0', 'icmp[icmptype] == icmp-echo']);
    await waitFor(() => (/listening on/.test(dump.stderr()) ? true : undefined), { timeoutMs: 5000, what: 'tcpdump to start' });
    const ping = await s.lab.ping('h1', '10.78.0.2', { count: 3, interval: 0.1 });
    // h2 answered: the IPv4 header checksum the rewrite left was right (a kernel drops bad ones).
    expect(ping.received, ping.output).toBe(3);
    const done = await Promise.race([dump.exited, sleep(5000).then(() => undefined)]);
    if (!done) dump.kill();
    const out = dump.stdout();
    expect(out).toMatch(/tos 0xb8/);
    expect(out).toMatch(/ttl 63/);
    expect(out).not.toMatch(/bad cksum/);
    const [rule] = await s.br.dumpFlows('priority=100,icmp');
    expect(rule!.packets).toBe(3);
  });
});
