// The QoS scenarios of issue 11 beside shaping-accuracy (bench/shaping.ts):
//
// forward-policed-64, forward-metered-64: forward-afpacket-64's measurement (trafgen,
//   64-byte frames, bench/forward.ts) through an ingress policer on a's port, or an
//   OpenFlow meter on every flow, that does not bind (10 Gbit/s): the cost of the
//   feature. In the same round, on the same switch, the plain figure is taken first;
//   'with / plain' is the ratio. nodeswitch only (the other switches' columns are the
//   plain figure: OVS's netdev datapath and the Linux bridge police with other tools).
// policing-accuracy: iperf3 UDP from a offered at twice the rate, 1 / 10 / 100
//   Mbit/s; the figure is what reached b's eth0 (Ethernet bytes, as the buckets count
//   them) per second / the configured rate — not iperf3's own received figure, which on
//   a loaded machine loses part of 100 Mbit/s in the receiving socket buffer.
//   nodeswitch: the policer, then a meter, each in its own metric. linux-bridge: the
//   kernel's token bucket on a's eth0 as the reference — tc tbf, since this kernel has
//   no tc police (CONFIG_NET_ACT_POLICE unset: "Failed to load TC action module"); tbf
//   queues where a policer drops, so it is the best a token bucket reaches.
import { FORWARD_METRICS, forwardMetrics, measureForward, TRAFGEN, vethPath } from './forward.js';
import type { Scenario } from './scenario.js';
import { attachedMode, nodeswitchBridge, type Topology } from './topology.js';

type Bridge = NonNullable<ReturnType<typeof nodeswitchBridge>>;

const NOT_BINDING_KBPS = 10_000_000; // 10 Gbit/s: far above what 64-byte frames reach here
const RATES_MBIT = [1, 10, 100];
const IPERF_SECONDS = 4;

const COST_METRICS: Scenario['metrics'] = [
  ...FORWARD_METRICS,
  { name: 'plain received', unit: 'Mpps', digits: 3 },
  { name: 'with / plain', unit: 'x', digits: 2 },
];

async function withQos(topo: Topology, log: (line: string) => void, on: (br: Bridge) => Promise<void>, off: (br: Bridge) => Promise<void>): Promise<Record<string, number>> {
  const plain = await measureForward(topo, log, vethPath(topo), 60);
  const br = attachedMode(topo) === 'nodeswitch' ? nodeswitchBridge(topo) : undefined;
  if (!br) return { ...forwardMetrics(plain), 'plain received': plain.rxPps / 1e6, 'with / plain': NaN };
  await on(br);
  try {
    const m = await measureForward(topo, log, vethPath(topo), 60);
    return { ...forwardMetrics(m), 'plain received': plain.rxPps / 1e6, 'with / plain': plain.rxPps > 0 ? m.rxPps / plain.rxPps : NaN };
  } finally {
    await off(br);
  }
}

const COST_NOTE =
  "'plain received' is forward-afpacket-64 on the same switch in the same round, 'with / plain' the ratio; " +
  'nodeswitch only (other columns: plain forwarding).';

export const forwardPoliced: Scenario = {
  name: 'forward-policed-64',
  metrics: COST_METRICS,
  tools: TRAFGEN,
  note: `an ingress policer of ${NOT_BINDING_KBPS / 1e6} Gbit/s (not binding) on a's port. ${COST_NOTE}`,
  run: (topo, log) =>
    withQos(
      topo,
      log,
      (br) => br.setIngressPolicing(topo.ports[0]!, { rate: NOT_BINDING_KBPS, burst: 1_000_000 }),
      (br) => br.setIngressPolicing(topo.ports[0]!, { rate: 0 }),
    ),
};

export const forwardMetered: Scenario = {
  name: 'forward-metered-64',
  metrics: COST_METRICS,
  tools: TRAFGEN,
  note: `every frame through meter:1, a drop band of ${NOT_BINDING_KBPS / 1e6} Gbit/s (not binding), then NORMAL. ${COST_NOTE}`,
  run: (topo, log) =>
    withQos(
      topo,
      log,
      async (br) => {
        await br.addMeter(`meter=1,kbps,burst,bands=type=drop,rate=${NOT_BINDING_KBPS},burst_size=1000000`);
        await br.addFlow('priority=65535,actions=meter:1,normal');
      },
      (br) => br.delMeters('meter=1').then(() => undefined), // and its flow
    ),
};

async function delivered(topo: Topology, mbit: number): Promise<number> {
  const before = await topo.lab.counters(topo.hostB, 'eth0');
  const r = await topo.lab.iperf3(topo.hostB, topo.hostA, topo.ipB, { udp: true, bitrate: `${2 * mbit}M`, time: IPERF_SECONDS });
  const after = await topo.lab.counters(topo.hostB, 'eth0');
  const seconds = Number((r.json.end as { sum?: { seconds?: number } } | undefined)?.sum?.seconds) || IPERF_SECONDS;
  return ((after.rxBytes - before.rxBytes) * 8) / seconds / (mbit * 1e6);
}

export const policingAccuracy: Scenario = {
  name: 'policing-accuracy',
  metrics: RATES_MBIT.flatMap((m) => [
    { name: `police ${m}M`, unit: '× rate', digits: 3 },
    { name: `meter ${m}M`, unit: '× rate', digits: 3 },
  ]),
  tools: [
    { command: 'iperf3', pkg: 'iperf3' },
    { command: 'tc', pkg: 'iproute2' },
  ],
  note:
    "Ethernet bytes at b's eth0 per second / the rate, iperf3 UDP offered at 2×; nodeswitch: ingress policing on a's port, " +
    "then a meter on a's flows; linux-bridge: tc tbf on a's eth0 (no tc police in this kernel) in both columns; others: empty.",

  async run(topo, log) {
    const mode = attachedMode(topo);
    const out: Record<string, number> = {};
    const br = mode === 'nodeswitch' ? nodeswitchBridge(topo) : undefined;
    for (const mbit of RATES_MBIT) {
      const kbps = mbit * 1000;
      const burstKbit = Math.max(100, kbps / 20); // 50 ms of the rate
      if (br) {
        await br.setIngressPolicing(topo.ports[0]!, { rate: kbps, burst: burstKbit });
        try {
          out[`police ${mbit}M`] = await delivered(topo, mbit);
        } finally {
          await br.setIngressPolicing(topo.ports[0]!, { rate: 0 });
        }
        await br.addMeter(`meter=2,kbps,burst,bands=type=drop,rate=${kbps},burst_size=${burstKbit}`);
        try {
          await br.addFlow(`priority=65535,udp,nw_src=${topo.ipA},actions=meter:2,normal`);
          out[`meter ${mbit}M`] = await delivered(topo, mbit);
        } finally {
          await br.delMeters('meter=2');
        }
      } else if (mode === 'linux-bridge') {
        const tbf = ['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', `${mbit}mbit`, 'burst', `${(burstKbit * 1000) / 8}`, 'latency', '50ms'];
        await topo.exec(topo.hostA, tbf, 10_000);
        try {
          out[`police ${mbit}M`] = out[`meter ${mbit}M`] = await delivered(topo, mbit);
        } finally {
          await topo.exec(topo.hostA, ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], 10_000);
        }
      } else {
        out[`police ${mbit}M`] = out[`meter ${mbit}M`] = NaN;
      }
      log(`${mode} ${mbit} Mbit/s: police ${out[`police ${mbit}M`]?.toFixed(3)} meter ${out[`meter ${mbit}M`]?.toFixed(3)}`);
    }
    return out;
  },
};
