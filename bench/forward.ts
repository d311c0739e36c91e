// forward-afpacket-64: 64-byte frames (60 bytes + FCS on the wire) forwarded per
// second from host a to host b.
//
// Generator: trafgen (netsniff-ng) in a, one process, TX_RING with qdisc bypass, one
// UDP flow addressed to b's MAC. The destination IP is one b does not own, so b's stack
// drops every frame silently (no ICMP back, no socket work) after the netdev counted
// it. Receiver: b's eth0 rx_packets over a fixed window after a warm-up. The
// generator's own rate is a's eth0 tx_packets over a window of the same length, so one
// can see when the generator, not the switch, is the limit: on a veth the sender's
// core also carries the switch-side receive work of the frames it sends.
import { sleep } from '../test/lab/index.js';
import type { Scenario } from './scenario.js';
import type { Topology } from './topology.js';

const WARMUP_MS = 1000;
const WINDOW_S = 3;
/** An address in b's subnet that nobody owns. */
const SINK_IP = '10.78.0.99';

// Reads one counter, sleeps, reads it again; the window is timed inside the namespace
// around the reads (bash builtins: no fork between read and timestamp).
const SAMPLER = 'read a < "$1"; t0=$EPOCHREALTIME; sleep "$2"; read b < "$1"; t1=$EPOCHREALTIME; echo "$a $t0 $b $t1"';

/** Per second of `counter` (rx_packets, rx_bytes, …) on the host's eth0 over `seconds`. */
async function rate(topo: Topology, host: string, counter: string, seconds: number): Promise<number> {
  const file = `/sys/class/net/eth0/statistics/${counter}`;
  const r = await topo.exec(host, ['env', 'LC_ALL=C', 'bash', '-c', SAMPLER, 'sampler', file, String(seconds)], (seconds + 10) * 1000);
  const [a, t0, b, t1] = r.stdout.trim().split(/\s+/).map(Number);
  if ([a, t0, b, t1].some((v) => v === undefined || !Number.isFinite(v)) || t1! <= t0!) {
    throw new Error(`counter sampler in ${host} printed "${r.stdout.trim()}"`);
  }
  return (b! - a!) / (t1! - t0!);
}

/** A UDP frame of `frameLen` bytes without the FCS (60: 64 on the wire), 802.1Q-tagged with `vlan` if given. */
export function trafgenPacket(dstMac: string, srcMac: string, srcIp: string, dstIp: string, frameLen = 60, vlan?: number): string {
  // 14 (Ethernet) + 4 (tag) + 20 (IPv4) + 8 (UDP) + payload; trafgen fills in lengths, types and checksums.
  const tag = vlan === undefined ? '' : ` vlan(id=${vlan}),`;
  return `{ eth(da=${dstMac}, sa=${srcMac}),${tag} ipv4(saddr=${srcIp}, daddr=${dstIp}, ttl=64), udp(sp=9, dp=9), fill(0x00, ${frameLen - 42 - (vlan === undefined ? 0 : 4)}) }`;
}

/** Who sends to whom: trafgen on `from`'s eth0, to `to`'s MAC and an IP nobody owns. */
export interface ForwardPath {
  from: { host: string; mac: string; ip: string };
  to: { host: string; mac: string };
  sinkIp: string;
  /** The sender tags its frames with this VID (a trunk's host; this kernel has no 8021q, so trafgen writes the tag). */
  vlan?: number;
}

export interface ForwardMeasurement {
  /** Frames and bytes per second at the receiver's eth0 over the window. */
  rxPps: number;
  rxBps: number;
  /** Frames per second leaving the sender's eth0 over a window of the same length. */
  txPps: number;
  /** Percentage of all frames sent that arrived (NaN if none were sent). */
  delivered: number;
}

/** The path of forward-afpacket-64: host a to host b over the topology's veths. */
export function vethPath(topo: Topology): ForwardPath {
  return { from: { host: topo.hostA, mac: topo.macA, ip: topo.ipA }, to: { host: topo.hostB, mac: topo.macB }, sinkIp: SINK_IP };
}

/**
 * One trafgen run of `frameLen`-byte frames along `path`: warm-up, then the
 * receiver's rx_packets (and rx_bytes) and the sender's tx_packets over WINDOW_S.
 */
export async function measureForward(topo: Topology, log: (line: string) => void, path: ForwardPath, frameLen: number): Promise<ForwardMeasurement> {
  const { lab } = topo;
  const a = path.from.host;
  const b = path.to.host;
  const before = await Promise.all([lab.counters(a, 'eth0'), lab.counters(b, 'eth0')]);
  const packet = trafgenPacket(path.to.mac, path.from.mac, path.from.ip, path.sinkIp, frameLen, path.vlan);
  // Long options only: trafgen 0.6.8 rejects its own -A.
  const gen = topo.spawn(a, ['trafgen', '--dev', 'eth0', '--cpus', '1', '--no-sock-mem', '--notouch-irq', '--no-cpu-stats', packet]);
  let rx: number;
  let rxBytes: number;
  let tx: number;
  try {
    await sleep(WARMUP_MS);
    if (!gen.running()) throw new Error(`trafgen exited at start: ${(gen.stderr() || gen.stdout()).trim()}`);
    [rx, rxBytes, tx] = await Promise.all([
      rate(topo, b, 'rx_packets', WINDOW_S),
      rate(topo, b, 'rx_bytes', WINDOW_S),
      rate(topo, a, 'tx_packets', WINDOW_S),
    ]);
    if (!gen.running()) throw new Error(`trafgen exited during the window: ${(gen.stderr() || gen.stdout()).trim()}`);
  } finally {
    await gen.stop('SIGINT');
  }
  await sleep(200); // frames still in rings and backlogs
  const after = await Promise.all([lab.counters(a, 'eth0'), lab.counters(b, 'eth0')]);
  const sent = after[0].txPackets - before[0].txPackets;
  const got = after[1].rxPackets - before[1].rxPackets;
  const backtalk = after[1].txPackets - before[1].txPackets;
  log(`${a} sent ${sent} frames in all, ${b} received ${got}, ${b} sent ${backtalk}`);
  return { rxPps: rx, rxBps: rxBytes, txPps: tx, delivered: sent > 0 ? (100 * got) / sent : NaN };
}

/** What a small-frame forwarding scenario reports (forwardMetrics fills them). */
export const FORWARD_METRICS: Scenario['metrics'] = [
  { name: 'received', unit: 'Mpps', digits: 3 },
  { name: 'generator sent', unit: 'Mpps', digits: 3 },
  { name: 'delivered', unit: '%', digits: 1 },
  { name: 'time per packet', unit: 'ns', digits: 0 },
];

export const TRAFGEN: Scenario['tools'] = [{ command: 'trafgen', pkg: 'netsniff-ng' }];

export const forward: Scenario = {
  name: 'forward-afpacket-64',
  metrics: FORWARD_METRICS,
  tools: TRAFGEN,
  note:
    "a veth does the receive work of its peer on the sender's core, so a Linux bridge forwards on trafgen's own core: " +
    "where 'received' equals 'generator sent', the generator's core, not the switch, set the rate. " +
    "nodeswitch and OVS forward on a core of their own; their 'delivered' below 100 % is frames lost at the switch.",

  async run(topo, log) {
    return forwardMetrics(await measureForward(topo, log, vethPath(topo), 60));
  },
};

/** forward-afpacket-64's figures from one measurement (forward-tap-64 reports the same). */
export function forwardMetrics(m: ForwardMeasurement): Record<string, number> {
  return {
    received: m.rxPps / 1e6,
    'generator sent': m.txPps / 1e6,
    delivered: m.delivered,
    'time per packet': m.rxPps > 0 ? 1e9 / m.rxPps : NaN,
  };
}
