// Ingress policing and OpenFlow meters at real rates: iperf3 between namespaces on
// veths (afpacket ports), the figures within the 15 %. Rates are 10 Mbit/s,
// well under what this (shared, 2-core) machine forwards, so the policer or the
// meter is what limits, not the CPU. Bursts are 1–2 Mbit so that a 5 s run is
// dominated by the rate, not by the bucket's first fill. A UDP rate is what reached
// the receiver's eth0 (rx_bytes: Ethernet bytes, as the bucket counts them) per
// second of the run: iperf3's own received figure also counts what the receiving
// host's socket buffer drops, which under the whole suite's load reached 15 % of
// 10 Mbit/s by itself. TCP's is iperf3's (nothing is lost above TCP).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildTopo, teardown, type Topo } from './helpers.js';
import { ADDON, needs, ROOT, tool } from '../needs.js';

const qosTests = needs(ROOT, ADDON, tool('iperf3', 'iperf3'));

const RATE_KBPS = 10_000;
const SECONDS = 5;
const within = (got: number, want: number, tolerance = 0.15) => Math.abs(got - want) / want <= tolerance;
const mbit = (bps: number) => `${(bps / 1e6).toFixed(2)} Mbit/s`;

qosTests.describe('QoS rates through iperf3', () => {
  {
    let topo: Partial<Topo> = {};
    let t: Topo;
    beforeAll(async () => {
      t = await buildTopo(
        [
          { host: 'h1', attach: 'afpacket' },
          { host: 'h2', attach: 'afpacket' },
          { host: 'h3', attach: 'afpacket' },
        ],
        {},
        topo,
      );
    });
    afterAll(async () => {
      await teardown(topo);
      topo = {};
    });
    const h = (n: string) => t.hosts[n]!;
    /** UDP from `client` to h2 at `bitrate`: the bits per second h2's eth0 received. */
    async function udpInto(client: string, bitrate: string): Promise<number> {
      const before = await t.lab.counters('h2', 'eth0');
      const r = await t.lab.iperf3('h2', client, h('h2').ip, { udp: true, bitrate, time: SECONDS });
      const after = await t.lab.counters('h2', 'eth0');
      const seconds = Number((r.json.end as { sum?: { seconds?: number } } | undefined)?.sum?.seconds) || SECONDS;
      return ((after.rxBytes - before.rxBytes) * 8) / seconds;
    }

    it('a policed port: UDP lands within 15 % of the rate, excess counted; an unpoliced port on the bridge is unaffected', async () => {
      await t.br.setIngressPolicing(h('h1').port, { rate: RATE_KBPS, burst: 1000 });
      try {
        const before = (await t.br.portStats(h('h1').port))[0]!.rxPoliced;
        const policed = await udpInto('h1', '20M');
        const after = (await t.br.portStats(h('h1').port))[0]!.rxPoliced;
        expect(within(policed, RATE_KBPS * 1000), `policed UDP got ${mbit(policed)}`).toBe(true);
        expect(after - before).toBeGreaterThan(0);
        const plain = await udpInto('h3', '20M');
        expect(within(plain, 20e6), `unpoliced UDP got ${mbit(plain)}`).toBe(true);
        expect((await t.br.portStats(h('h3').port))[0]!.rxPoliced).toBe(0);
      } finally {
        await t.br.setIngressPolicing(h('h1').port, { rate: 0 });
      }
    });

    it('a policed port: TCP lands within 15 % of the rate', async () => {
      await t.br.setIngressPolicing(h('h1').port, { rate: RATE_KBPS, burst: 2000 });
      try {
        const r = await t.lab.iperf3('h2', 'h1', h('h2').ip, { time: SECONDS });
        expect(within(r.bitsPerSecond, RATE_KBPS * 1000), `policed TCP got ${mbit(r.bitsPerSecond)}`).toBe(true);
      } finally {
        await t.br.setIngressPolicing(h('h1').port, { rate: 0 });
      }
    });

    it('a meter on one flow limits that flow and not the others', async () => {
      await t.br.addMeter(`meter=1,kbps,burst,bands=type=drop,rate=${RATE_KBPS},burst_size=1000`);
      await t.br.addFlow(`priority=10,udp,nw_src=${h('h1').ip},actions=meter:1,normal`);
      try {
        const metered = await udpInto('h1', '20M');
        expect(within(metered, RATE_KBPS * 1000), `metered UDP got ${mbit(metered)}`).toBe(true);
        const other = await udpInto('h3', '20M');
        expect(within(other, 20e6), `unmetered UDP got ${mbit(other)}`).toBe(true);
        const [s] = await t.br.meterStats();
        expect(s!.stats.bands[0]!.packets).toBeGreaterThan(0);
      } finally {
        await t.br.delMeters('meter=1');
      }
      expect(await t.br.dumpFlowsText()).toHaveLength(1); // the metered flow went with its meter
    });
  }
});
