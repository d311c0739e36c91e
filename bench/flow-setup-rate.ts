// flow-setup-rate: reactive flow setup through the example controller
// (examples/learning-controller.ts, 5-tuple mode): N new TCP 5-tuples from m1 to a
// host the controller has learned on m2 → packet-ins in batches → each batch's
// flow-mods and packet-outs in one Bridge.apply. New flows per second, from the first
// frame until every 5-tuple has its flow.
//
// References in the same run:
//   - proactive: the same first packets through the same flows installed beforehand
//     (every packet still a new microflow: translation and a megaflow install each) —
//     what the datapath does with them when no controller is involved;
//   - one at a time: the way before batches — a 'packetIn' listener that calls
//     addFlow and packetOut per packet (issue 9 measured 5.9k flows/s).
// Open vSwitch with ovs-testcontroller is not measured yet: the package is installed
// now (the OpenFlow tests use it), but this scenario has no round for it.
import { startLearningController } from '../examples/learning-controller.js';
import type { Bridge } from '../src/bridge.js';
import type { ControllerOp } from '../src/controller-ops.js';
import type { FlowSpec } from '../src/ofproto/flow.js';
import type { PacketIn } from '../src/types.js';
import { attachedMode, type BenchSwitch, injectTimed, INJECT_CHUNK, memBridge, newSwitch } from './mem-bridges.js';
import type { Scenario } from './scenario.js';
import type { Topology } from './topology.js';
import { frameViews, MAC_A, MAC_B, SLOT, writeTcpFrame } from './workload.js';

const REACTIVE_FLOWS = 50_000;
const ONE_AT_A_TIME_FLOWS = REACTIVE_FLOWS; // the same table size: the cost per flow grows with it
const SIP = 0x0a000001;
const DIP = 0x0a800001;

/** Frame i: a → b, TCP 10.0.x.y:(40000 + i % 20000) → 10.128.0.1:80, a 5-tuple of its own. */
function setupFrames(n: number): Buffer[] {
  const buf = Buffer.alloc(n * SLOT);
  for (let i = 0; i < n; i++) writeTcpFrame(buf, i * SLOT, MAC_B, MAC_A, SIP + Math.floor(i / 20000), DIP, 40000 + (i % 20000), 80);
  return frameViews(buf, n);
}

/** The flow the controller installs for frame i (5-tuple mode), for the proactive reference. */
function setupFlow(i: number): FlowSpec {
  const ex = (value: number, bits: number) => ({ value, mask: bits === 32 ? 0xffffffff : (1 << bits) - 1 });
  return {
    table: 0,
    priority: 10,
    cookie: 0n,
    idleTimeout: 60,
    hardTimeout: 0,
    flags: { sendFlowRem: false, checkOverlap: false },
    match: {
      in_port: ex(1, 32),
      dl_src: { value: MAC_A.toString('hex'), mask: 'ffffffffffff' },
      dl_dst: { value: MAC_B.toString('hex'), mask: 'ffffffffffff' },
      dl_type: ex(0x0800, 16),
      nw_proto: ex(6, 8),
      nw_src: ex(SIP + Math.floor(i / 20000), 32),
      nw_dst: ex(DIP, 32),
      tp_src: ex(40000 + (i % 20000), 16),
      tp_dst: ex(80, 16),
    },
    actions: [{ type: 'output', port: 2 }],
    instructions: {},
  };
}

const controllerFlows = (br: Bridge): number => br.flows.list().filter((e) => e.priority === 10).length;

/**
 * Waits until `count()` (cheap: the controller's own count) reaches n and the table
 * holds the n flows. Frames whose packet-in the upcall queue dropped are sent again
 * (all of them: the installed ones pass without the controller) — only then: a slow
 * batch is no reason to send more.
 */
async function untilInstalled(br: Bridge, frames: readonly Buffer[], count: () => number, n: number): Promise<number> {
  const sendAll = async (): Promise<void> => {
    for (let i = 0; i < frames.length; i += INJECT_CHUNK) await br.inject('m1', frames.slice(i, i + INJECT_CHUNK));
  };
  const t0 = performance.now();
  let drops = (await br.stats()).upcallDrops;
  await sendAll();
  let lastCheck = performance.now();
  let lastCount = count();
  for (;;) {
    if (count() >= n && controllerFlows(br) >= n) return performance.now() - t0;
    if (performance.now() - t0 > 120_000) throw new Error(`after 120 s ${controllerFlows(br)} of ${n} flows are installed`);
    if (performance.now() - lastCheck > 500) {
      // Half a second without a flow, and packet-ins were dropped: send again.
      lastCheck = performance.now();
      const now = (await br.stats()).upcallDrops;
      if (now > drops && count() === lastCount) {
        drops = now;
        await sendAll();
      }
      lastCount = count();
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A bridge whose controller knows b is on m2 (learned from one frame b → a). */
async function setupBridge(sw: BenchSwitch, name: string): Promise<Bridge> {
  const br = await memBridge(sw, name);
  await br.setUpcallLimits(1 << 17, 10_000_000);
  return br;
}

async function prime(br: Bridge, known: () => boolean): Promise<void> {
  const hello = Buffer.alloc(SLOT);
  writeTcpFrame(hello, 0, MAC_A, MAC_B, DIP, SIP, 80, 40000);
  await br.inject('m2', [hello.subarray(0, 60)]);
  const deadline = Date.now() + 5000;
  while (!known()) {
    if (Date.now() > deadline) throw new Error('the controller did not learn the host on m2');
    await new Promise((r) => setTimeout(r, 2));
  }
  await br.drain('m1');
  await br.drain('m2');
}

/** CPU time (every thread of this process: JS, GC, the datapath) per flow, in µs, around `run`. */
async function withCpu<T>(n: number, run: () => Promise<T>): Promise<[T, number]> {
  const c0 = process.cpuUsage();
  const r = await run();
  const c = process.cpuUsage(c0);
  return [r, (c.user + c.system) / n];
}

async function reactive(topo: Topology, log: (l: string) => void): Promise<{ rate: number; drops: number; cpu: number }> {
  const n = REACTIVE_FLOWS;
  const frames = setupFrames(n);
  const sw = await newSwitch();
  try {
    const br = await setupBridge(sw, topo.lab.name('ofr'));
    const ctl = await startLearningController(br, { match: '5-tuple' });
    await prime(br, () => ctl.macs.has('02:00:00:00:00:02'));
    const s0 = await br.stats();
    const [elapsed, cpu] = await withCpu(n, () => untilInstalled(br, frames, () => ctl.installed, n));
    const s1 = await br.stats();
    const delivered = (await br.drain('m2')).length;
    // Every 5-tuple now goes straight through, without the controller.
    for (let i = 0; i < n; i += INJECT_CHUNK) await br.inject('m1', frames.slice(i, i + INJECT_CHUNK));
    const s2 = await br.stats();
    const again = (await br.drain('m2')).length;
    if (again !== n || s2.upcalls !== s1.upcalls) {
      throw new Error(`after setup, ${again} of ${n} frames went through and ${s2.upcalls - s1.upcalls} went to the controller`);
    }
    log(
      `reactive: ${n} flows in ${elapsed.toFixed(0)} ms; ${ctl.packetIns} packet-ins in ${ctl.batches} batches ` +
        `(${(ctl.packetIns / Math.max(1, ctl.batches)).toFixed(0)} a batch), upcall drops ${s1.upcallDrops - s0.upcallDrops}, ` +
        `packet-outs delivered ${delivered}; CPU ${cpu.toFixed(1)} µs a flow`,
    );
    await ctl.stop();
    return { rate: (n * 1000) / elapsed, drops: s1.upcallDrops - s0.upcallDrops, cpu };
  } finally {
    await sw.close();
  }
}

async function proactive(topo: Topology, log: (l: string) => void): Promise<number> {
  const n = REACTIVE_FLOWS;
  const frames = setupFrames(n);
  const sw = await newSwitch();
  try {
    const br = await memBridge(sw, topo.lab.name('ofp'));
    const ops: ControllerOp[] = [];
    for (let i = 0; i < n; i++) ops.push({ op: 'add', flow: setupFlow(i) });
    await br.apply(ops);
    const ns = await injectTimed(br, 'm1', frames);
    const out = (await br.drain('m2')).length;
    if (out !== n) throw new Error(`proactive: ${out} of ${n} frames went through`);
    log(`proactive: ${n} first packets through ${n} installed flows in ${(ns / 1e6).toFixed(1)} ms`);
    return (n * 1e9) / ns;
  } finally {
    await sw.close();
  }
}

async function oneAtATime(topo: Topology, log: (l: string) => void): Promise<{ rate: number; cpu: number }> {
  const n = ONE_AT_A_TIME_FLOWS;
  const frames = setupFrames(n);
  const sw = await newSwitch();
  try {
    const br = await setupBridge(sw, topo.lab.name('of1'));
    await br.addFlow('priority=0,actions=controller');
    const pending = new Set<string>();
    let added = 0;
    let failure: Error | undefined;
    const onPacketIn = (p: PacketIn): void => {
      const k = p.data.toString('latin1', 26, 38);
      if (pending.has(k)) return;
      pending.add(k);
      const i = (p.data.readUInt32BE(26) - SIP) * 20000 + p.data.readUInt16BE(34) - 40000;
      br.addFlow(setupFlow(i))
        .then(() => added++)
        .then(() => br.packetOut(p.data, [{ type: 'output', port: 2 }], p.inPort))
        .catch((err: unknown) => (failure ??= err instanceof Error ? err : new Error(String(err))));
    };
    br.on('packetIn', onPacketIn);
    const [elapsed, cpu] = await withCpu(n, () =>
      untilInstalled(br, frames, () => {
        if (failure) throw failure;
        return added;
      }, n),
    );
    br.off('packetIn', onPacketIn);
    log(`one at a time: ${n} flows in ${elapsed.toFixed(0)} ms; CPU ${cpu.toFixed(1)} µs a flow`);
    return { rate: (n * 1000) / elapsed, cpu };
  } finally {
    await sw.close();
  }
}

export const flowSetupRate: Scenario = {
  name: 'flow-setup-rate',
  metrics: [
    { name: 'reactive', unit: 'flows/s', digits: 0 },
    { name: 'proactive', unit: 'packets/s', digits: 0 },
    { name: 'reactive/proactive', unit: '×', digits: 2 },
    { name: 'one at a time', unit: 'flows/s', digits: 0 },
    { name: 'reactive CPU', unit: 'µs/flow', digits: 1 },
    { name: 'one at a time CPU', unit: 'µs/flow', digits: 1 },
    { name: 'upcall drops', unit: 'packets', digits: 0 },
  ],
  tools: [],
  note:
    `${REACTIVE_FLOWS / 1000}k new TCP 5-tuples through a mem port into the example controller ` +
    '(examples/learning-controller.ts, 5-tuple mode: packet-ins in batches, one Bridge.apply per batch with its flow-mods ' +
    'and packet-outs; upcall limits raised to 131072 queued, 10M/s — the default 10k/s would cap it): time from the first ' +
    "frame until every 5-tuple has its flow. 'proactive': the same first packets through the same flows installed " +
    "beforehand (the datapath alone: a translation and a megaflow each). 'one at a time': " +
    `${ONE_AT_A_TIME_FLOWS / 1000}k 5-tuples through a 'packetIn' listener that calls addFlow and packetOut per packet. ` +
    "'CPU': the process's CPU time (JS, GC and datapath threads) per flow set up — less noisy than the rate on a shared machine. " +
    'nodeswitch only; OVS with ovs-testcontroller is not measured yet (no round for it).',
  async run(topo, log): Promise<Record<string, number>> {
    if (attachedMode(topo) !== 'nodeswitch') return {};
    const r = await reactive(topo, log);
    const p = await proactive(topo, log);
    const one = await oneAtATime(topo, log);
    return {
      reactive: r.rate,
      proactive: p,
      'reactive/proactive': r.rate / p,
      'one at a time': one.rate,
      'reactive CPU': r.cpu,
      'one at a time CPU': one.cpu,
      'upcall drops': r.drops,
    };
  },
};
