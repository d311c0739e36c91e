// flow-setup-rate: priority=0,actions=controller and a TS packet-in handler that adds
// in_port,dl_src,dl_dst → output:2 and packet-outs the frame; new flows per second
// until each of N MAC pairs has its flow.
import type { PacketIn } from '../src/types.js';
import { attachedMode, INJECT_CHUNK, memBridge, newSwitch } from './mem-bridges.js';
import type { Scenario } from './scenario.js';
import type { Topology } from './topology.js';
import { frameViews, SLOT, writeTcpFrame } from './workload.js';

const SETUP_PAIRS = 5_000;
const SETUP_INJECT_CHUNK = 1_000;

function macStr(b: Buffer, off: number): string {
  const h = b.toString('hex', off, off + 6);
  return h.replace(/(..)(?!$)/g, '$1:');
}

function setupFrames(n: number): Buffer[] {
  const buf = Buffer.alloc(n * SLOT);
  const src = Buffer.alloc(6);
  const dst = Buffer.alloc(6);
  for (let i = 0; i < n; i++) {
    // Locally administered unicast MACs: 02:00:ii:ii:ii:ii → 06:00:ii:ii:ii:ii.
    src.writeUInt16BE(0x0200, 0);
    src.writeUInt32BE(i, 2);
    dst.writeUInt16BE(0x0600, 0);
    dst.writeUInt32BE(i, 2);
    writeTcpFrame(buf, i * SLOT, dst, src, 0x0a000001 + i, 0x0a800001 + i, 40000 + (i % 20000), 80);
  }
  return frameViews(buf, n);
}

async function nodeswitchFlowSetup(topo: Topology, log: (l: string) => void): Promise<Record<string, number>> {
  const n = SETUP_PAIRS;
  const frames = setupFrames(n);
  const sw = await newSwitch();
  try {
    const br = await memBridge(sw, topo.lab.name('ofs'));
    await br.addFlow('priority=0,actions=controller');
    await br.setUpcallLimits(1 << 16, 10_000_000);

    const key = (b: Buffer): string => b.toString('hex', 0, 12);
    const wanted = new Set(frames.map(key));
    const pending = new Set<string>();
    const installed = new Set<string>();
    const setupTimes: number[] = [];
    let packetIns = 0;
    let duplicates = 0;
    let progress = 0; // packet-ins and installations
    let failure: Error | undefined;
    let t0 = 0;
    let done: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (done = resolve));

    // The controller: an exact-match flow for each new (in_port, dl_src, dl_dst), then
    // the packet itself.
    const onPacketIn = (p: PacketIn): void => {
      packetIns++;
      progress++;
      const k = key(p.data);
      if (pending.has(k) || installed.has(k)) {
        duplicates++;
        return;
      }
      pending.add(k);
      const flow = `priority=100,in_port=${p.inPort},dl_src=${macStr(p.data, 6)},dl_dst=${macStr(p.data, 0)},actions=output:2`;
      br.addFlow(flow)
        .then(() => {
          pending.delete(k);
          installed.add(k);
          progress++;
          setupTimes.push(performance.now() - t0);
          if (installed.size === wanted.size) done();
          return br.packetOut(p.data, 'output:2', p.inPort);
        })
        .catch((err: unknown) => {
          failure ??= err as Error;
          done();
        });
    };
    br.on('packetIn', onPacketIn);

    const s0 = await br.stats();
    t0 = performance.now();
    let rounds = 0;
    while (installed.size < n && !failure) {
      rounds++;
      if (rounds > 50) throw new Error(`after 50 rounds ${installed.size} of ${n} flows are installed`);
      const todo = frames.filter((f) => !installed.has(key(f)) && !pending.has(key(f)));
      for (let i = 0; i < todo.length; i += SETUP_INJECT_CHUNK) await br.inject('m1', todo.slice(i, i + SETUP_INJECT_CHUNK));
      // Wait for the controller to catch up; packets the upcall queue dropped are sent again.
      let last = -1;
      while (installed.size < n && !failure && progress !== last) {
        last = progress;
        await Promise.race([allDone, new Promise((r) => setTimeout(r, 200))]);
      }
    }
    const elapsed = performance.now() - t0;
    br.off('packetIn', onPacketIn);
    if (failure) throw failure;
    const s1 = await br.stats();

    // Check: every pair now goes straight through, without the controller.
    await new Promise((r) => setTimeout(r, 100));
    const outFirst = (await br.drain('m2')).length;
    for (let i = 0; i < n; i += INJECT_CHUNK) await br.inject('m1', frames.slice(i, i + INJECT_CHUNK));
    const s2 = await br.stats();
    const outAgain = (await br.drain('m2')).length;
    if (outAgain !== n || s2.upcalls !== s1.upcalls) {
      throw new Error(`after setup, ${outAgain} of ${n} frames went through and ${s2.upcalls - s1.upcalls} went to the controller`);
    }
    const rateBetween = (a: number, b: number): number => ((b - a) * 1000) / (setupTimes[b - 1]! - (a === 0 ? 0 : setupTimes[a - 1]!));
    const tenth = Math.floor(n / 10);
    log(
      `${n} flows in ${elapsed.toFixed(0)} ms over ${rounds} injection round(s); ${packetIns} packet-ins ` +
        `(${duplicates} for pairs already pending), upcalls ${s1.upcalls - s0.upcalls}, upcall drops ${s1.upcallDrops - s0.upcallDrops}; ` +
        `packet-outs delivered ${outFirst}; first 10 % at ${rateBetween(0, tenth).toFixed(0)} flows/s, ` +
        `last 10 % at ${rateBetween(n - tenth, n).toFixed(0)} flows/s`,
    );
    return {
      'new flows': (n * 1000) / elapsed,
      'first 10 %': rateBetween(0, tenth),
      'last 10 %': rateBetween(n - tenth, n),
      'upcall drops': s1.upcallDrops - s0.upcallDrops,
    };
  } finally {
    await sw.close();
  }
}

export const flowSetupRate: Scenario = {
  name: 'flow-setup-rate',
  metrics: [
    { name: 'new flows', unit: 'flows/s', digits: 0 },
    { name: 'first 10 %', unit: 'flows/s', digits: 0 },
    { name: 'last 10 %', unit: 'flows/s', digits: 0 },
    { name: 'upcall drops', unit: 'packets', digits: 0 },
  ],
  tools: [],
  note:
    `${SETUP_PAIRS / 1000}k MAC pairs through a mem port into priority=0,actions=controller (upcall limits raised to ` +
    '65536 queued, 10M/s); a TS packet-in handler adds in_port,dl_src,dl_dst → output:2 (Bridge.addFlow, one flow-mod ' +
    'each) and packet-outs the frame; time from the first frame until every pair has its flow (pairs whose packet-in ' +
    "was dropped are sent again). 'first/last 10 %' are the rates over the first and last tenth of the flows. " +
    'nodeswitch only: no reference (the other columns stay empty).',
  async run(topo, log) {
    return attachedMode(topo) === 'nodeswitch' ? nodeswitchFlowSetup(topo, log) : {};
  },
};
