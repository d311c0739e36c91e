// Egress shaping with real traffic: iperf3 between namespaces through a port shaped
// with two queues (min-rates 30 % and 70 % of its max-rate), each client's traffic
// put on its own queue by a set_queue flow. Rates within the 15 %, at 20
// Mbit/s — far below what this 2-core VM forwards, so that the shaper, not the
// machine, sets them. Needs root, the built addon and iperf3.
import { afterEach, expect, it } from 'vitest';
import { ADDON, needs, ROOT, tool } from '../needs.js';
import { buildTopo, portStatsByName, teardown, type Topo } from './helpers.js';

const MAX = 20_000_000;
const QOS = { type: 'htb' as const, maxRate: MAX, queues: { '1': { minRate: 0.3 * MAX }, '2': { minRate: 0.7 * MAX } } };
// UDP payload over the Ethernet frame iperf3's default datagram makes (1460 + 8 + 20 + 14).
const UDP_GOODPUT = 1460 / 1502;
// TCP payload over a full-size frame (1448 bytes of data with timestamps, of 1514).
const TCP_GOODPUT = 1448 / 1514;

needs(ROOT, ADDON, tool('iperf3', 'iperf3')).describe('egress shaping through namespaces', () => {
  let topo: Partial<Topo> = {};
  afterEach(async () => {
    await teardown(topo);
    topo = {};
  });

  /** h1 and h2 send to h3; h3's port is shaped; h1's traffic on queue 1, h2's on queue 2. */
  async function build(): Promise<Topo> {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
        { host: 'h3', attach: 'afpacket' },
      ],
      {},
      topo,
    );
    const { h1, h2, h3 } = t.hosts;
    // Static neighbours: an ARP request stuck behind a full queue would stall a run.
    for (const a of [h1!, h2!, h3!]) {
      for (const b of [h1!, h2!, h3!]) {
        if (a !== b) await t.lab.ip(a.host, ['neigh', 'replace', b.ip, 'lladdr', b.mac, 'dev', a.ifname, 'nud', 'permanent']);
      }
    }
    await t.br.addFlow(`priority=10,ip,nw_src=${h1!.ip},actions=set_queue:1,normal`);
    await t.br.addFlow(`priority=10,ip,nw_src=${h2!.ip},actions=set_queue:2,normal`);
    await t.br.setQos(h3!.port, QOS);
    return t;
  }

  it('two saturating UDP streams share by the queues’ min-rates; one alone gets max-rate', async () => {
    const t = await build();
    const { h3 } = t.hosts;
    const [a, b] = await Promise.all([
      t.lab.iperf3('h3', 'h1', h3!.ip, { udp: true, bitrate: '20M', time: 5, port: 5301 }),
      t.lab.iperf3('h3', 'h2', h3!.ip, { udp: true, bitrate: '20M', time: 5, port: 5302 }),
    ]);
    // The shares within 15 % of 30/70, and together the port's rate.
    const share = a.bitsPerSecond / (a.bitsPerSecond + b.bitsPerSecond);
    expect(share / 0.3).toBeGreaterThan(0.85);
    expect(share / 0.3).toBeLessThan(1.15);
    expect((1 - share) / 0.7).toBeGreaterThan(0.85);
    expect((1 - share) / 0.7).toBeLessThan(1.15);
    expect((a.bitsPerSecond + b.bitsPerSecond) / (MAX * UDP_GOODPUT)).toBeGreaterThan(0.85);
    expect((a.bitsPerSecond + b.bitsPerSecond) / (MAX * UDP_GOODPUT)).toBeLessThan(1.15);
    // What did not fit was dropped at the full queues, and counted there.
    const queues = await t.br.queueStats();
    expect(queues.find((q) => q.queue === 1)!.txDropped).toBeGreaterThan(0);
    expect(queues.find((q) => q.queue === 2)!.txDropped).toBeGreaterThan(0);

    const alone = await t.lab.iperf3('h3', 'h1', h3!.ip, { udp: true, bitrate: '30M', time: 4, port: 5303 });
    expect(alone.bitsPerSecond / (MAX * UDP_GOODPUT)).toBeGreaterThan(0.85);
    expect(alone.bitsPerSecond / (MAX * UDP_GOODPUT)).toBeLessThan(1.15);
  });

  it('TCP through the shaped port runs at max-rate, and loses only what the queue bound drops', async () => {
    const t = await build();
    const { h1, h3 } = t.hosts;
    const sent = async (): Promise<{ port: number; queues: number; rxDropped: number }> => {
      const stats = await portStatsByName(t.br);
      const queues = (await t.br.queueStats()).reduce((n, q) => n + q.txPackets, 0);
      return { port: stats[h3!.port]!.txPackets, queues, rxDropped: stats[h1!.port]!.rxDropped };
    };
    const before = await sent();
    const tcp = await t.lab.iperf3('h3', 'h1', h3!.ip, { time: 5, port: 5304 });
    expect(tcp.bitsPerSecond / (MAX * TCP_GOODPUT)).toBeGreaterThan(0.85);
    expect(tcp.bitsPerSecond / (MAX * TCP_GOODPUT)).toBeLessThan(1.15);
    await new Promise((r) => setTimeout(r, 300)); // the queue's tail leaves
    const after = await sent();
    const shaped = (await portStatsByName(t.br))[h3!.port]!;
    // Every frame the shaper let go reached the device, the device refused none, the
    // ingress lost none: the only losses on this path are a full queue's, counted there.
    expect(after.port - before.port).toBe(after.queues - before.queues);
    expect(shaped.txDropped).toBe(0);
    expect(shaped.txErrors).toBe(0);
    expect(after.rxDropped - before.rxDropped).toBe(0);
    const q1 = (await t.br.queueStats()).find((q) => q.queue === 1)!;
    expect(q1.txPackets).toBeGreaterThan(0);
  });

  it('the other ports forward at full speed while the shaped one is saturated', async () => {
    const t = await build();
    const { h1, h3 } = t.hosts;
    // h1 → h3 fills the shaped port's queue 1 for the whole run; h2 → h1 crosses two unshaped ports.
    const [shaped, free] = await Promise.all([
      t.lab.iperf3('h3', 'h1', h3!.ip, { udp: true, bitrate: '40M', time: 5, port: 5305 }),
      t.lab.iperf3('h1', 'h2', h1!.ip, { time: 3, port: 5306 }),
    ]);
    expect(shaped.bitsPerSecond).toBeLessThan(MAX * 1.15);
    // Far above the shaped rate: the datapath thread never waited on the shaped port.
    expect(free.bitsPerSecond).toBeGreaterThan(10 * MAX);
  });
});
