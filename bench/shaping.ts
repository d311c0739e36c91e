// shaping-accuracy: how close a shaped port's rate lands to what it was set to, at 1,
// 10 and 100 Mbit/s. One iperf3 UDP stream from a to b offered at 1.5× the rate for
// 4 s; the figure is b's received goodput over the goodput the rate allows for
// iperf3's datagrams (1460 bytes of payload in a 1502-byte frame), in %: 100 is exact.
//
//   nodeswitch    set-qos on b's port: type=htb max-rate=R (Bridge.setQos)
//   linux-bridge  tc htb on the same veth (the bridge port towards b): one class, rate R
//
// Other modes have no shaping here (OVS's netdev datapath shapes only DPDK ports;
// nodeswitch-bare skips the pipeline): their column stays empty.
import { run } from '../test/lab/index.js';
import type { Scenario } from './scenario.js';
import { attachedMode, nodeswitchBridge, type Topology } from './topology.js';

const SECONDS = 4;
const RATES = [1e6, 10e6, 100e6];
const GOODPUT = 1460 / 1502;

// b's received goodput, bit/s, of one iperf3 UDP stream from a offered at `bitrate`.
async function iperfUdp(topo: Topology, bitrate: number): Promise<number> {
  const r = await topo.lab.iperf3(topo.hostB, topo.hostA, topo.ipB, { udp: true, bitrate: String(bitrate), time: SECONDS });
  return r.bitsPerSecond;
}

async function tcHtb(dev: string, rate: number | null): Promise<void> {
  await run(['tc', 'qdisc', 'del', 'dev', dev, 'root'], { check: false });
  if (rate === null) return;
  await run(['tc', 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1']);
  await run(['tc', 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', `${rate}bit`]);
}

export const shaping: Scenario = {
  name: 'shaping-accuracy',
  metrics: RATES.map((r) => ({ name: `${r / 1e6}M`, unit: '% of rate', digits: 1 })),
  tools: [
    { command: 'iperf3', pkg: 'iperf3' },
    { command: 'tc', pkg: 'iproute2' },
  ],
  note:
    'received UDP goodput / the goodput the set rate allows, %; nodeswitch: set-qos type=htb max-rate=R on the port ' +
    "towards b; linux-bridge: tc htb (one class, rate R) on that same veth; other modes don't shape (empty).",

  async run(topo, log) {
    const mode = attachedMode(topo);
    const out: Record<string, number> = {};
    const port = topo.ports[1];
    for (const rate of RATES) {
      const key = `${rate / 1e6}M`;
      if (mode === 'nodeswitch') {
        const br = nodeswitchBridge(topo)!;
        await br.setQos(port, { type: 'htb', maxRate: rate, queues: {} });
        try {
          out[key] = (100 * (await iperfUdp(topo, rate * 1.5))) / (rate * GOODPUT);
          const [q] = await br.queueStats();
          log(`nodeswitch ${key}: queue 0 sent ${q?.txPackets} frames, dropped ${q?.txDropped} (queue full)`);
        } finally {
          await br.setQos(port, null);
        }
      } else if (mode === 'linux-bridge') {
        await tcHtb(port, rate);
        try {
          out[key] = (100 * (await iperfUdp(topo, rate * 1.5))) / (rate * GOODPUT);
        } finally {
          await tcHtb(port, null);
        }
      } else {
        out[key] = NaN;
      }
    }
    return out;
  },
};
