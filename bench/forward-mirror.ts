// forward-mirror-64: forward-afpacket-64's measurement (trafgen, 64-byte frames, the
// receiver's rx_packets) with one SPAN mirror active — every frame host ma sends is
// also copied to a monitor host mm — beside the same switch without the mirror,
// measured in the same round on the same hosts:
//
//   [ma: eth0 10.80.0.1] ── veth ── <switch> ── veth ── [mb: eth0 10.80.0.2]
//                                      └──── veth ── [mm: eth0, the mirror's output]
//
// nodeswitch: a switch of its own with the three veths as afpacket ports and
// `add-mirror --select-src-port ma --output-port mm`. linux-bridge: ma and mb on a
// Linux bridge, and the kernel's own SPAN, tc's mirred action on ma's ingress
// (clsact, a match-all u32 filter: this kernel has neither matchall nor flower) to
// mm's veth. The round's fabric sits idle on the topology's veths meanwhile;
// nodeswitch-bare and ovs rows are not measured (NaN): the bare mode has no
// pipeline to mirror in, and OVS's mirror is not set up here.
import type { Scenario } from './scenario.js';
import { FORWARD_METRICS, forwardMetrics, type ForwardPath, measureForward, TRAFGEN } from './forward.js';
import { attachedMode, type Topology } from './topology.js';
import { run, waitFor } from '../test/lab/index.js';

const HOSTS = { ma: '10.80.0.1', mb: '10.80.0.2', mm: null } as const;
const SINK_IP = '10.80.0.99';

/** The root ends of each topology's ma, mb and mm veths, made once per bench run. */
const veths = new WeakMap<Topology, Record<keyof typeof HOSTS, string>>();

async function ensureHosts(topo: Topology): Promise<Record<keyof typeof HOSTS, string>> {
  const have = veths.get(topo);
  if (have) return have;
  const made = {} as Record<keyof typeof HOSTS, string>;
  for (const [h, ip] of Object.entries(HOSTS) as [keyof typeof HOSTS, string | null][]) {
    await topo.lab.addHost(h);
    made[h] = await topo.lab.addVethHost(h, ip === null ? null : `${ip}/24`);
  }
  veths.set(topo, made);
  return made;
}

async function pathOf(topo: Topology): Promise<ForwardPath> {
  return {
    from: { host: 'ma', mac: await topo.lab.mac('ma'), ip: HOSTS.ma },
    to: { host: 'mb', mac: await topo.lab.mac('mb') },
    sinkIp: SINK_IP,
  };
}

async function connected(topo: Topology): Promise<void> {
  await waitFor(async () => (await topo.exec('ma', ['ping', '-n', '-c', '1', '-W', '1', HOSTS.mb], 5000)).code === 0, {
    timeoutMs: 10_000,
    intervalMs: 200,
    what: `ping ma → ${HOSTS.mb}`,
  });
}

/** One measurement, and the share of the frames ma sent that reached the monitor. */
async function measure(topo: Topology, log: (line: string) => void): Promise<{ m: Record<string, number>; copies: number }> {
  const before = await Promise.all([topo.lab.counters('ma', 'eth0'), topo.lab.counters('mm', 'eth0')]);
  const m = forwardMetrics(await measureForward(topo, log, await pathOf(topo), 60));
  const after = await Promise.all([topo.lab.counters('ma', 'eth0'), topo.lab.counters('mm', 'eth0')]);
  const sent = after[0].txPackets - before[0].txPackets;
  const copies = after[1].rxPackets - before[1].rxPackets;
  return { m, copies: sent > 0 ? (100 * copies) / sent : NaN };
}

function figures(plain: Record<string, number>, mirrored: { m: Record<string, number>; copies: number }): Record<string, number> {
  return {
    ...mirrored.m,
    'mirror copies delivered': mirrored.copies,
    'received without the mirror': plain.received!,
    'with mirror / without': (100 * mirrored.m.received!) / plain.received!,
  };
}

async function nodeswitch(topo: Topology, log: (line: string) => void): Promise<Record<string, number>> {
  const v = await ensureHosts(topo);
  const { Switch } = await import('../src/switch.js');
  const sw = new Switch();
  try {
    const br = sw.addBridge(topo.lab.name('mir'));
    for (const p of [v.ma, v.mb, v.mm]) await br.addPort(p);
    await connected(topo);
    const plain = await measure(topo, log);
    await br.addMirror('span', { selectSrcPort: [v.ma], outputPort: v.mm });
    const mirrored = await measure(topo, log);
    const [m] = await br.mirrors();
    log(`mirror span: ${m?.packets} copies, ${m?.bytes} bytes`);
    return figures(plain.m, mirrored);
  } finally {
    await sw.close();
  }
}

async function linuxBridge(topo: Topology, log: (line: string) => void): Promise<Record<string, number>> {
  const v = await ensureHosts(topo);
  const name = topo.lab.name('mlbr');
  await topo.lab.linuxBridge(name, [v.ma, v.mb]);
  try {
    await connected(topo);
    const plain = await measure(topo, log);
    await run(['tc', 'qdisc', 'add', 'dev', v.ma, 'clsact']);
    try {
      await run(['tc', 'filter', 'add', 'dev', v.ma, 'ingress', 'protocol', 'all', 'u32', 'match', 'u32', '0', '0',
        'action', 'mirred', 'egress', 'mirror', 'dev', v.mm]);
      const mirrored = await measure(topo, log);
      return figures(plain.m, mirrored);
    } finally {
      await run(['tc', 'qdisc', 'del', 'dev', v.ma, 'clsact'], { check: false });
    }
  } finally {
    await topo.lab.deleteLink(name);
  }
}

export const forwardMirror: Scenario = {
  name: 'forward-mirror-64',
  metrics: [
    ...FORWARD_METRICS,
    { name: 'mirror copies delivered', unit: '%', digits: 1 },
    { name: 'received without the mirror', unit: 'Mpps', digits: 3 },
    { name: 'with mirror / without', unit: '%', digits: 1 },
  ],
  tools: [...TRAFGEN, { command: 'tc', pkg: 'iproute2' }],
  note:
    'three hosts of its own (ma → mb, monitor mm); one SPAN mirror of everything ma sends. nodeswitch: add-mirror; ' +
    "linux-bridge: tc mirred on ma's ingress (the kernel's SPAN). 'received without the mirror' is the same switch " +
    "and hosts in the same round with no mirror; 'mirror copies delivered' the monitor's frames per frame ma sent. " +
    'nodeswitch-bare and ovs: not measured here (NaN).',

  async run(topo, log) {
    const mode = attachedMode(topo);
    if (mode === 'nodeswitch') return nodeswitch(topo, log);
    if (mode === 'linux-bridge') return linuxBridge(topo, log);
    return Object.fromEntries(this.metrics.map((m) => [m.name, NaN]));
  },
};
