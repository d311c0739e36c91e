// Forwarding through a real switch: namespaces as hosts, veths (afpacket ports) and
// switch-made TAPs (tap ports) as their NICs. Needs root and the built addon.
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../lab/index.js';
import { buildTopo, portStatsByName, switchTests, teardown, type AttachType, type Topo } from './helpers.js';

// The two ways a host meets the switch, as [h1, h2] attachments.
const PAIRS: Array<[string, AttachType, AttachType]> = [
  ['afpacket ↔ afpacket', 'afpacket', 'afpacket'],
  ['afpacket ↔ tap', 'afpacket', 'tap'],
];

switchTests.describe('forwarding', () => {
  let topo: Partial<Topo> = {};
  afterEach(async () => {
    await teardown(topo);
    topo = {};
  });

  describe.each(PAIRS)('%s', (_label, a, b) => {
    it('pings both ways, with the payload intact at 1500-byte frames and across fragments', async () => {
      const t = await buildTopo(
        [
          { host: 'h1', attach: a },
          { host: 'h2', attach: b },
        ],
        {},
        topo,
      );
      const { h1, h2 } = t.hosts as Record<'h1' | 'h2', NonNullable<Topo['hosts'][string]>>;
      const there = await t.lab.ping('h1', h2.ip, { count: 5, interval: 0.05 });
      expect(there.received, there.output).toBe(5);
      expect(there.rtts).toHaveLength(5);
      const back = await t.lab.ping('h2', h1.ip, { count: 5, interval: 0.05 });
      expect(back.received, back.output).toBe(5);

      // 1472 bytes of ICMP payload fill a 1500-byte IP packet; 3000 gets fragmented.
      for (const size of [1472, 3000]) {
        const big = await t.lab.ping('h1', h2.ip, { count: 3, interval: 0.05, size, pattern: 'a55a0ff0' });
        expect(big.received, `size ${size}: ${big.output}`).toBe(3);
        expect(big.corrupted, big.output).toBe(0);
      }

      const stats = await portStatsByName(t.br);
      expect(stats[h1.port]).toMatchObject({ up: true });
      expect(stats[h2.port]).toMatchObject({ up: true });
      expect(stats[h1.port]!.rxPackets).toBeGreaterThanOrEqual(10);
      expect(stats[h2.port]!.rxPackets).toBeGreaterThanOrEqual(10);
      expect(stats[h1.port]!.txPackets).toBeGreaterThanOrEqual(10);
      expect(stats[h2.port]!.txPackets).toBeGreaterThanOrEqual(10);
    });

    it('carries iperf3 TCP both ways and UDP with the hosts’ offloads on', async () => {
      const t = await buildTopo(
        [
          { host: 'h1', attach: a },
          { host: 'h2', attach: b },
        ],
        {},
        topo,
      );
      const { h1, h2 } = t.hosts as Record<'h1' | 'h2', NonNullable<Topo['hosts'][string]>>;
      // Not a benchmark: only that bulk TCP flows (≥ 4 MB in 2 s is 16 Mbit/s) with
      // segmentation and checksum offload left as the kernel sets them up.
      const up = await t.lab.iperf3('h2', 'h1', h2.ip, { time: 2 });
      expect(up.bytesReceived, 'h1 → h2 TCP bytes received').toBeGreaterThan(4e6);
      const down = await t.lab.iperf3('h1', 'h2', h1.ip, { time: 2 });
      expect(down.bytesReceived, 'h2 → h1 TCP bytes received').toBeGreaterThan(4e6);

      const udp = await t.lab.iperf3('h2', 'h1', h2.ip, { time: 2, udp: true, bitrate: '20M' });
      expect(udp.packets, 'UDP datagrams sent').toBeGreaterThan(1000);
      expect(udp.lostPackets / udp.packets, `UDP lost ${udp.lostPackets} of ${udp.packets}`).toBeLessThan(0.1);

      // Every frame one port took in went out of the other, byte for byte (two ports:
      // nothing floods anywhere else). Waits out frames still in flight.
      await waitFor(
        async () => {
          const s = await portStatsByName(t.br);
          const [p1, p2] = [s[h1.port]!, s[h2.port]!];
          return p1.rxPackets === p2.txPackets && p2.rxPackets === p1.txPackets && p1.rxBytes === p2.txBytes && p2.rxBytes === p1.txBytes;
        },
        { timeoutMs: 3000, what: `rx of each port to equal tx of the other: ${JSON.stringify(await t.br.portStats())}` },
      );
      const stats = await portStatsByName(t.br);
      for (const p of [h1.port, h2.port]) {
        expect(stats[p]!.rxErrors, `${p} rxErrors`).toBe(0);
        expect(stats[p]!.txErrors, `${p} txErrors`).toBe(0);
      }
    });
  });

  it('learns each host’s MAC on its own port', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
        { host: 'h3', attach: 'tap' },
      ],
      {},
      topo,
    );
    const hosts = Object.values(t.hosts);
    for (const h of hosts.slice(1)) {
      const r = await t.lab.ping('h1', h.ip, { count: 2, interval: 0.05 });
      expect(r.received, r.output).toBe(2);
    }
    const fdb = await t.br.fdb();
    for (const h of hosts) {
      const entries = fdb.filter((e) => e.mac === h.mac);
      expect(entries, `fdb entries for ${h.host} (${h.mac}): ${JSON.stringify(fdb)}`).toHaveLength(1);
      expect(entries[0]).toMatchObject({ port: h.port, vlan: 0 });
      expect(entries[0]!.age).toBeLessThan(5);
    }
    const stats = await t.br.stats();
    expect(stats.learned).toBeGreaterThanOrEqual(3);
    expect(stats.macEntries).toBe(fdb.length);
  });

  it('floods unknown unicast to every other port and not back to the ingress', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
        { host: 'h3', attach: 'tap' },
      ],
      {},
      topo,
    );
    const { h1, h2, h3 } = t.hosts as Record<'h1' | 'h2' | 'h3', NonNullable<Topo['hosts'][string]>>;
    // Let everyone be learned first, so that only the unknown MAC floods.
    for (const h of [h2, h3]) expect((await t.lab.ping('h1', h.ip, { count: 1 })).received).toBe(1);

    const unknown = '02:00:00:00:99:99';
    await t.lab.ip('h1', ['neigh', 'add', '10.77.0.99', 'lladdr', unknown, 'dev', h1.ifname, 'nud', 'permanent']);
    const N = 20;
    const before = await portStatsByName(t.br);
    const brBefore = await t.br.stats();
    const nsBefore = { h2: await t.lab.counters('h2', h2.ifname), h3: await t.lab.counters('h3', h3.ifname) };
    const r = await t.lab.ping('h1', '10.77.0.99', { count: N, interval: 0.01, timeout: 1 });
    expect(r.transmitted).toBe(N);
    expect(r.received).toBe(0);
    await sleep(200);
    const after = await portStatsByName(t.br);
    const brAfter = await t.br.stats();
    const delta = (p: string, k: 'rxPackets' | 'txPackets'): number => after[p]![k] - before[p]![k];

    expect(delta(h1.port, 'rxPackets'), 'ingress rx').toBeGreaterThanOrEqual(N);
    expect(delta(h2.port, 'txPackets'), 'flooded out of h2').toBeGreaterThanOrEqual(N);
    expect(delta(h3.port, 'txPackets'), 'flooded out of h3 (tap)').toBeGreaterThanOrEqual(N);
    expect(delta(h1.port, 'txPackets'), 'sent back out of the ingress port').toBeLessThan(N);
    expect(brAfter.flooded - brBefore.flooded).toBeGreaterThanOrEqual(N);
    // …and the hosts really got them.
    expect((await t.lab.counters('h2', h2.ifname)).rxPackets - nsBefore.h2.rxPackets).toBeGreaterThanOrEqual(N);
    expect((await t.lab.counters('h3', h3.ifname)).rxPackets - nsBefore.h3.rxPackets).toBeGreaterThanOrEqual(N);
    // The unknown destination is never learned (it never sent anything).
    expect((await t.br.fdb()).map((e) => e.mac)).not.toContain(unknown);
  });

  it('ages MAC entries out with a short timer', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'tap' },
      ],
      { macAging: 1 },
      topo,
    );
    const s0 = await t.br.stats();
    expect((await t.lab.ping('h1', t.hosts.h2!.ip, { count: 2, interval: 0.05 })).received).toBe(2);
    // The hosts were learned (they may already have aged out again: the timer is 1 s;
    // and the TAP's MAC may have been learned before s0, from the IPv6 chatter the
    // kernel sends while the switch has just brought it up in the root namespace).
    expect((await t.br.stats()).learned - s0.learned).toBeGreaterThanOrEqual(1);
    const start = Date.now();
    await waitFor(async () => (await t.br.fdb()).length === 0, { timeoutMs: 3500, intervalMs: 200, what: 'an empty fdb' });
    expect(Date.now() - start).toBeLessThan(3500);
    const s = await t.br.stats();
    expect(s.aged - s0.aged).toBeGreaterThanOrEqual(2);
    expect(s.macEntries).toBe(0);
    // Forwarding still works after aging (flood, then relearn).
    expect((await t.lab.ping('h2', t.hosts.h1!.ip, { count: 2, interval: 0.05 })).received).toBe(2);
    expect((await t.br.stats()).learned - s.learned).toBeGreaterThanOrEqual(2);
  });

  it('keeps stations that send more often than the aging time (macAging 1 s, a frame every 100 ms)', async () => {
    // An entry must live macAging seconds after the last frame, never less: a host
    // heard every 100 ms is never aged out, relearned or flooded to.
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
      ],
      { macAging: 1 },
      topo,
    );
    expect((await t.lab.ping('h1', t.hosts.h2!.ip, { count: 2, interval: 0.05 })).received).toBe(2);
    const s0 = await t.br.stats();
    const r = await t.lab.ping('h1', t.hosts.h2!.ip, { count: 25, interval: 0.1 });
    const s1 = await t.br.stats();
    expect(r.received).toBe(25);
    expect.soft(s1.aged - s0.aged, 'entries aged out while their hosts sent every 100 ms').toBe(0);
    expect.soft(s1.learned - s0.learned, 'entries relearned').toBe(0);
    expect.soft(s1.flooded - s0.flooded, 'frames flooded').toBe(0);
  });

  it('ages entries out after configure({macAging: 1}) on a running bridge', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
      ],
      {},
      topo,
    );
    expect((await t.lab.ping('h1', t.hosts.h2!.ip, { count: 2, interval: 0.05 })).received).toBe(2);
    expect((await t.br.fdb()).length).toBeGreaterThanOrEqual(2);
    await sleep(1500);
    expect((await t.br.fdb()).length, 'entries survive 1.5 s under the default 300 s aging').toBeGreaterThanOrEqual(2);
    await t.br.configure({ macAging: 1 });
    expect(t.br.options.macAging).toBe(1);
    await waitFor(async () => (await t.br.fdb()).length === 0, { timeoutMs: 6000, intervalMs: 200, what: 'an empty fdb' });
  });

  it('relearns a station that moved to another port', async () => {
    const t = await buildTopo(
      [
        { host: 'h1', attach: 'afpacket' },
        { host: 'h2', attach: 'afpacket' },
        { host: 'h3', attach: 'tap' },
      ],
      {},
      topo,
    );
    const { h1, h2, h3 } = t.hosts as Record<'h1' | 'h2' | 'h3', NonNullable<Topo['hosts'][string]>>;
    for (const h of [h2, h3]) expect((await t.lab.ping('h1', h.ip, { count: 1 })).received).toBe(1);
    const fdb0 = await t.br.fdb();
    expect(fdb0.find((e) => e.mac === h3.mac)?.port).toBe(h3.port);
    const movedBefore = (await t.br.stats()).moved;

    // The station behind h3's port "migrates" to h2's port: h3's NIC goes down and
    // h2's NIC takes its MAC. h1 forgets the old ARP entries, so its answers go to
    // whatever MAC it hears now.
    await t.lab.ip('h3', ['link', 'set', h3.ifname, 'down']);
    await t.lab.ip('h2', ['link', 'set', h2.ifname, 'address', h3.mac]);
    await t.lab.ip('h1', ['neigh', 'flush', 'dev', h1.ifname]);
    const r = await t.lab.ping('h2', h1.ip, { count: 3, interval: 0.05 });
    expect(r.received, `ping from the moved station: ${r.output}`).toBe(3);

    const fdb1 = await t.br.fdb();
    const entries = fdb1.filter((e) => e.mac === h3.mac);
    expect(entries, JSON.stringify(fdb1)).toHaveLength(1);
    expect(entries[0]!.port).toBe(h2.port);
    expect((await t.br.stats()).moved - movedBefore).toBeGreaterThanOrEqual(1);
  });
});
