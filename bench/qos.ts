// QoS benchmark (issue 11), run on its own: `npm run build && node dist/bench/qos.js
// [--runs N]` (root, trafgen, iperf3). It builds the bench's two-host veth topology
// with an in-process nodeswitch bridge and measures, interleaving the variants round
// by round, medians of N runs (default 3):
//
// 1. The cost of the feature: 64-byte forwarding (forward-afpacket-64's trafgen
//    load) through a policer and through a meter that do not bind (10 Gbit/s), beside
//    the plain figure in the same run; the ratio is variant / plain.
// 2. Rate accuracy at 1, 10 and 100 Mbit/s: iperf3 UDP offered at twice the rate;
//    what reached the receiver's eth0 (rx_bytes, Ethernet bytes, as the bucket counts
//    them) per second of the run / the configured rate — not iperf3's own received
//    figure, which on this loaded machine loses up to a third of 100 Mbit/s in the
//    receiving host's socket buffer — for ingress policing, an OpenFlow meter, and
//    the kernel's token bucket as the reference. This kernel has no tc police
//    (CONFIG_NET_ACT_POLICE is not set: "Failed to load TC action module"), so the
//    reference is tc tbf on the sender's eth0 (a token-bucket shaper — it queues
//    where a policer drops, so it is the best case a token bucket reaches).
import { parseArgs } from 'node:util';
import { measureForward, vethPath } from './forward.js';
import { median } from './scenario.js';
import { Topology } from './topology.js';

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const RUNS = Number(values.runs ?? 3);
const NOT_BINDING_KBPS = 10_000_000; // 10 Gbit/s: far above what 64-byte frames reach here
const RATES_MBIT = [1, 10, 100];
const IPERF_SECONDS = 4;

type Bridge = import('../src/bridge.js').Bridge;

async function main(): Promise<void> {
  const { Switch } = await import('../src/switch.js');
  const topo = await Topology.build();
  const sw = new Switch();
  const log = (line: string): void => void (process.env.VERBOSE && console.error(line));
  try {
    const br = sw.addBridge(topo.lab.name('qos'));
    for (const p of topo.ports) await br.addPort(p);
    await topo.waitConnected();
    const [portA] = topo.ports;

    // ---- 1. forwarding cost -------------------------------------------------------
    const variants: Record<string, { on: (b: Bridge) => Promise<void>; off: (b: Bridge) => Promise<void> }> = {
      plain: { on: async () => {}, off: async () => {} },
      'policer (not binding)': {
        on: (b) => b.setIngressPolicing(portA, { rate: NOT_BINDING_KBPS, burst: 1_000_000 }),
        off: (b) => b.setIngressPolicing(portA, { rate: 0 }),
      },
      'meter (not binding)': {
        on: async (b) => {
          await b.addMeter(`meter=1,kbps,burst,bands=type=drop,rate=${NOT_BINDING_KBPS},burst_size=1000000`);
          await b.delFlows('');
          await b.addFlow('priority=0,actions=meter:1,normal');
        },
        off: async (b) => {
          await b.delMeters('meter=1'); // and its flow
          await b.addFlow('priority=0,actions=NORMAL');
        },
      },
    };
    const pps: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    const names = Object.keys(variants);
    for (let r = 0; r < RUNS; r++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r) % names.length]!;
        await variants[name]!.on(br);
        try {
          pps[name]!.push((await measureForward(topo, log, vethPath(topo), 60)).rxPps);
        } finally {
          await variants[name]!.off(br);
        }
      }
    }
    const plain = median(pps.plain!);
    console.log(`64-byte forwarding, afpacket veths (median of ${RUNS}; ratio to plain in the same run)`);
    for (const name of names) {
      const m = median(pps[name]!);
      const spread = `${(Math.min(...pps[name]!) / 1e6).toFixed(3)}–${(Math.max(...pps[name]!) / 1e6).toFixed(3)}`;
      console.log(`  ${name.padEnd(24)} ${(m / 1e6).toFixed(3)} Mpps (${spread})  ×${(m / plain).toFixed(3)}`);
    }

    // ---- 2. rate accuracy -----------------------------------------------------------
    console.log(`\nrate accuracy: iperf3 UDP at twice the rate for ${IPERF_SECONDS} s, Ethernet bytes at the receiver's eth0 / configured rate (median of ${RUNS})`);
    console.log('  rate        policer   meter     tc tbf (reference)');
    for (const mbit of RATES_MBIT) {
      const kbps = mbit * 1000;
      const burstKbit = Math.max(100, kbps / 20); // 50 ms of the rate
      const got: Record<string, number[]> = { policer: [], meter: [], tbf: [] };
      const offer = { udp: true, bitrate: `${2 * mbit}M`, time: IPERF_SECONDS };
      const delivered = async (): Promise<number> => {
        const before = await topo.lab.counters('b', 'eth0');
        const r = await topo.lab.iperf3('b', 'a', topo.ipB, offer);
        const after = await topo.lab.counters('b', 'eth0');
        const seconds = Number((r.json.end as { sum?: { seconds?: number } } | undefined)?.sum?.seconds) || IPERF_SECONDS;
        return ((after.rxBytes - before.rxBytes) * 8) / seconds / (kbps * 1000);
      };
      for (let r = 0; r < RUNS; r++) {
        await br.setIngressPolicing(portA, { rate: kbps, burst: burstKbit });
        got.policer!.push(await delivered());
        await br.setIngressPolicing(portA, { rate: 0 });

        await br.addMeter(`meter=2,kbps,burst,bands=type=drop,rate=${kbps},burst_size=${burstKbit}`);
        await br.addFlow(`priority=10,udp,nw_src=${topo.ipA},actions=meter:2,normal`);
        got.meter!.push(await delivered());
        await br.delMeters('meter=2');

        await topo.lab.exec('a', ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', `${(burstKbit * 1000) / 8}`, 'latency', '50ms']);
        try {
          got.tbf!.push(await delivered());
        } finally {
          await topo.lab.exec('a', ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root']);
        }
      }
      const cell = (k: string) => `${median(got[k]!).toFixed(3)}`.padEnd(10);
      console.log(`  ${`${mbit} Mbit/s`.padEnd(11)} ${cell('policer')}${cell('meter')}${cell('tbf')}  (policer/tbf ×${(median(got.policer!) / median(got.tbf!)).toFixed(3)}, meter/tbf ×${(median(got.meter!) / median(got.tbf!)).toFixed(3)})`);
    }
  } finally {
    await sw.close();
    await topo.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
