// memory-per-mac: what MAC learning costs in memory. A bridge with macTableSize
// 200000 and two mem ports learns 100k distinct source MACs (frames injected on m1,
// all to one MAC already learned on m1, so NORMAL drops them as same-port and
// nothing queues on m2); process RSS before and after, each after a full GC.
//
// The MAC table is a fixed pool allocated (and written) when the bridge is made, so
// learning itself should cost next to nothing; where the memory goes is the pool.
// That is measured too: RSS growth of making the 200k-entry bridge against making
// one with the default 8192 entries, scaled to 100k entries.
//
// Each measurement runs in a fresh node process (this file run as a script): in the
// bench's own process, memory freed by earlier scenarios and rounds (and glibc's
// mmap threshold, which rises after a big block is freed) would be reused and hide
// the growth. nodeswitch only (measured in the nodeswitch round): no reference.
import { fileURLToPath } from 'node:url';
import { runTracked } from './proc.js';
import type { Scenario } from './scenario.js';
import { attachedMode } from './topology.js';
import { udp4 } from '../src/packet/frame-builder.js';
import { collect, frameViews, SLOT } from './workload.js';

const TABLE_SIZE = 200_000;
const SMALL_TABLE = 8192;
const MACS = 100_000;
const CHUNK = 1000;


async function rss(): Promise<number> {
  collect();
  await new Promise((r) => setTimeout(r, 50)); // V8 unmaps swept pages a little later
  collect();
  // Less the V8 heap, which grows and shrinks on its own schedule: the native side's
  // resident memory (and the small rest of node's).
  const m = process.memoryUsage();
  return m.rss - m.heapTotal;
}

/** 60 bytes of UDP (18 of payload, as a 64-byte frame on the wire) from `src` to `dst`. */
function udpFrame(dst: Buffer | string, src: Buffer): Buffer {
  return udp4({ eth: { dst, src }, l4: { payload: Buffer.alloc(18) } });
}

/** Frames from 02:01:<i> to `dst`, in one slab (NORMAL needs no more than their MACs). */
function frames(dst: Buffer): Buffer[] {
  const slab = Buffer.alloc(MACS * SLOT);
  const src = Buffer.from('020100000000', 'hex');
  for (let i = 0; i < MACS; i++) {
    src.writeUInt32BE(i + 1, 2);
    udpFrame(dst, src).copy(slab, i * SLOT);
  }
  return frameViews(slab, MACS);
}

/** The measurement itself, in the child process. */
async function measureInChild(): Promise<{ metrics: Record<string, number>; line: string }> {
  const { Switch } = await import('../src/switch.js');
  const sink = Buffer.from('020100000000', 'hex'); // learned on m1 first
  const learnSink = udpFrame('ff:ff:ff:ff:ff:ff', sink);

  const bridgeOf = async (sw: InstanceType<typeof Switch>, name: string, size: number) => {
    const br = sw.addBridge(name, { macTableSize: size });
    await br.addPort('m1', { type: 'mem' });
    await br.addPort('m2', { type: 'mem' });
    await br.inject('m1', [learnSink]);
    await br.drain('m2');
    return br;
  };

  // Nothing is closed before the end: a freed block would be reused by the next.
  const switches: InstanceType<typeof Switch>[] = [];
  const growth = async (size: number) => {
    const sw = new Switch();
    switches.push(sw);
    const r0 = await rss();
    const br = await bridgeOf(sw, `b${switches.length}`, size);
    return { br, bytes: (await rss()) - r0 };
  };
  try {
    await growth(1); // one-time costs: the module, the first datapath thread and ports
    // Two of each size, the smaller growth counts (the larger has taken some one-off).
    const smallGrowth = Math.min((await growth(SMALL_TABLE)).bytes, (await growth(SMALL_TABLE)).bytes);
    const big1 = await growth(TABLE_SIZE);
    const big2 = await growth(TABLE_SIZE);
    const bigGrowth = Math.min(big1.bytes, big2.bytes);
    const br = big2.br;
    const input = frames(sink);
    const r1 = await rss();
    for (let i = 0; i < MACS; i += CHUNK) await br.inject('m1', input.slice(i, i + CHUNK));
    const r2 = await rss();
    // The same frames again: nothing new to learn, the same datapath work.
    for (let i = 0; i < MACS; i += CHUNK) await br.inject('m1', input.slice(i, i + CHUNK));
    const r3 = await rss();
    const st = await br.stats();
    const queued = (await br.drain('m2')).length;
    if (st.macEntries !== MACS + 1) throw new Error(`the bridge learned ${st.macEntries} MACs, not ${MACS + 1}`);
    if (queued !== 0) throw new Error(`${queued} frames went to m2`);
    const perEntry = (bigGrowth - smallGrowth) / (TABLE_SIZE - SMALL_TABLE);
    const line =
      `rss: ${SMALL_TABLE}-entry bridge +${(smallGrowth / 1e6).toFixed(2)} MB, ${TABLE_SIZE}-entry bridge +${(bigGrowth / 1e6).toFixed(2)} MB, ` +
      `learning ${MACS} MACs +${((r2 - r1) / 1e6).toFixed(2)} MB, the same frames again +${((r3 - r2) / 1e6).toFixed(2)} MB (macs ${st.macEntries}${collect() ? '' : ', no GC available'})`;
    const metrics = {
      'learning 100k MACs': (r2 - r1) / 1e6,
      'the same frames again': (r3 - r2) / 1e6,
      'table, per 100k entries': (perEntry * 100_000) / 1e6,
      'per entry': perEntry,
      [`bridge with ${TABLE_SIZE / 1000}k entries`]: bigGrowth / 1e6,
    };
    return { metrics, line };
  } finally {
    for (const sw of switches) await sw.close();
  }
}

const CHILD_FLAG = '--memory-per-mac-child';

async function nodeswitchMemory(log: (line: string) => void): Promise<Record<string, number>> {
  const r = await runTracked([process.execPath, fileURLToPath(import.meta.url), CHILD_FLAG], 60_000);
  if (r.code !== 0) throw new Error(`measuring process failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { metrics: Record<string, number>; line: string };
  log(out.line);
  return out.metrics;
}

if (process.argv[2] === CHILD_FLAG && process.argv[1] === fileURLToPath(import.meta.url)) {
  measureInChild().then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

export const memoryPerMac: Scenario = {
  name: 'memory-per-mac',
  metrics: [
    { name: 'learning 100k MACs', unit: 'MB', digits: 2 },
    { name: 'the same frames again', unit: 'MB', digits: 2 },
    { name: 'table, per 100k entries', unit: 'MB', digits: 2 },
    { name: 'per entry', unit: 'B', digits: 0 },
    { name: `bridge with ${TABLE_SIZE / 1000}k entries`, unit: 'MB', digits: 1 },
  ],
  tools: [],
  note:
    `RSS less the V8 heap of a fresh node process (one per run), after a full GC. 'learning 100k MACs': growth while a bridge with macTableSize ${TABLE_SIZE} learns ` +
    `${MACS / 1000}k source MACs injected on a mem port (${CHUNK} per call; all to a MAC on the same port, so nothing ` +
    "queues); it holds the one-off first touch of what 100k new flows use besides the MAC table (microflow cache, " +
    "program store, allocator arenas) — 'the same frames again' shows what stays per pass. The MAC table is a pool " +
    "allocated and written when the bridge is made, so its cost is there: 'table, per 100k " +
    `entries' and 'per entry' are the growth of making a ${TABLE_SIZE}-entry bridge minus that of a ${SMALL_TABLE}-entry ` +
    "one, scaled; the last row is the whole bridge's growth. nodeswitch only: no reference.",
  async run(topo, log) {
    return attachedMode(topo) === 'nodeswitch' ? nodeswitchMemory(log) : {};
  },
};
